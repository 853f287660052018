package org.trialfhir.study;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.trialfhir.IntegrationTestBase;

/**
 * Study discovery as an app developer uses it, without a token: by the age a participant would
 * have, sex, phase, condition (code and words), recruitment status, intervention type and distance
 * to a site, on a study imported from a ClinicalTrials.gov record like any registry study. Each
 * search is also run so that the imported study must NOT match, so no parameter is silently
 * ignored.
 */
@Tag("persistence")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StudyDiscoveryIT extends IntegrationTestBase {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Leeds General Infirmary, roughly; the query points below are measured from here. */
  private static final double LAT = 53.8017;

  private static final double LON = -1.5519;

  private String nctId;
  private String study;

  /**
   * The vendored NCT06407297 record turned into another trial: phase 2, girls of 6 months to 12
   * years, a biological, recruiting at one site in Leeds.
   */
  @BeforeAll
  void importAStudy() throws IOException {
    io.restassured.RestAssured.port = port;
    io.restassured.RestAssured.basePath = "";
    nctId = "NCT9" + String.format("%07d", Math.abs(unique("").hashCode()) % 10_000_000);
    ObjectNode record;
    try (InputStream in = getClass().getResourceAsStream("/ctgov/NCT06407297.json")) {
      record = (ObjectNode) JSON.readTree(in);
    }
    ObjectNode protocol = (ObjectNode) record.path("protocolSection");
    ((ObjectNode) protocol.path("identificationModule")).put("nctId", nctId);
    ((ObjectNode) protocol.path("identificationModule"))
        .put("briefTitle", "Discovery test trial " + nctId);
    ((ObjectNode) protocol.path("statusModule")).put("overallStatus", "RECRUITING");
    ((ObjectNode) protocol.path("designModule")).putArray("phases").add("PHASE2");
    ObjectNode conditions = protocol.putObject("conditionsModule");
    conditions.putArray("conditions").add("Type 1 Diabetes Mellitus, Juvenile Onset");
    ObjectNode arms = (ObjectNode) protocol.path("armsInterventionsModule");
    ArrayNode interventions = arms.putArray("interventions");
    interventions.addObject().put("type", "BIOLOGICAL").put("name", "Islet progenitor cells");
    ObjectNode eligibility = (ObjectNode) protocol.path("eligibilityModule");
    eligibility.put("minimumAge", "6 Months");
    eligibility.put("maximumAge", "12 Years");
    eligibility.put("sex", "FEMALE");
    ObjectNode site =
        protocol
            .putObject("contactsLocationsModule")
            .putArray("locations")
            .addObject()
            .put("facility", "Leeds Children's Hospital")
            .put("city", "Leeds")
            .put("country", "United Kingdom")
            .put("status", "RECRUITING");
    site.putObject("geoPoint").put("lat", LAT).put("lon", LON);

    Parameters in = new Parameters();
    in.addParameter().setName("record").setValue(new StringType(JSON.writeValueAsString(record)));
    Response imported =
        fhir()
            .contentType(FHIR_JSON + "; charset=UTF-8")
            .body(FHIR.newJsonParser().encodeResourceToString(in).getBytes(StandardCharsets.UTF_8))
            .post("/ResearchStudy/$import-ctgov");
    assertThat(imported.statusCode()).as(imported.asString()).isEqualTo(200);
    study =
        fhir()
            .queryParam("identifier", "http://clinicaltrials.gov|" + nctId)
            .get("/ResearchStudy")
            .then()
            .statusCode(200)
            .extract()
            .path("entry[0].resource.id");
    assertThat(study).isNotNull();
  }

  private List<String> find(Map<String, String> query) {
    Response response =
        anonymous().queryParams(query).queryParam("_count", 500).get("/ResearchStudy");
    assertThat(response.statusCode()).as(query + ": " + response.asString()).isEqualTo(200);
    List<String> ids = response.jsonPath().getList("entry.resource.id", String.class);
    return ids == null ? new ArrayList<>() : ids;
  }

  private void matches(Map<String, String> query) {
    assertThat(find(query)).as("%s finds %s", query, nctId).contains(study);
  }

  private void missesIt(Map<String, String> query) {
    assertThat(find(query)).as("%s must not find %s", query, nctId).doesNotContain(study);
  }

  @Test
  void byTheAgeAParticipantWouldHave() {
    matches(Map.of("eligible-age", "10"));
    matches(Map.of("eligible-age", "12"));
    matches(Map.of("eligible-age", "0.5"));
    matches(Map.of("eligible-age", "7|http://unitsofmeasure.org|mo"));
    missesIt(Map.of("eligible-age", "13"));
    missesIt(Map.of("eligible-age", "3|http://unitsofmeasure.org|mo"));
    // The seed trial: 8 to 18 years.
    assertThat(find(Map.of("eligible-age", "10"))).contains("nct06407297");
    assertThat(find(Map.of("eligible-age", "19"))).doesNotContain("nct06407297");
    // The same ages in weeks and days: compared in whatever unit a range is stored in.
    assertThat(find(Map.of("eligible-age", "522|http://unitsofmeasure.org|wk")))
        .contains("nct06407297");
    assertThat(find(Map.of("eligible-age", "2000|http://unitsofmeasure.org|d")))
        .doesNotContain("nct06407297");
  }

  @Test
  void anAgeInAUnitThatIsNotTimeIsA400ThatSaysWhich() {
    anonymous()
        .queryParam("eligible-age", "10|http://unitsofmeasure.org|kg")
        .get("/ResearchStudy")
        .then()
        .statusCode(400)
        .body(org.hamcrest.Matchers.containsString("UCUM time unit"));
  }

  @Test
  void aComparatorOnEligibleAgeIsA400ThatSaysWhy() {
    anonymous()
        .queryParam("eligible-age", "ge10")
        .get("/ResearchStudy")
        .then()
        .statusCode(400)
        .body(org.hamcrest.Matchers.containsString("eligible-age takes no comparator"));
  }

  @Test
  void bySexAStudyForGirlsIsFoundForFemalesAndAStudyForAllForAnyone() {
    matches(Map.of("eligibility-sex", "female"));
    missesIt(Map.of("eligibility-sex", "male"));
    assertThat(find(Map.of("eligibility-sex", "male"))).contains("nct06407297");
  }

  @Test
  void byPhase() {
    matches(Map.of("phase", "phase-2"));
    matches(Map.of("phase", "http://terminology.hl7.org/CodeSystem/research-study-phase|phase-2"));
    missesIt(Map.of("phase", "phase-3"));
  }

  @Test
  void byConditionCodeOrWords() {
    matches(Map.of("condition:text", "juvenile"));
    matches(Map.of("condition:text", "diabetes", "eligible-age", "10"));
    missesIt(Map.of("condition:text", "asthma"));
    // The GXIPC1 seed codes its condition (registry imports carry the condition's words only).
    assertThat(find(Map.of("condition", "http://snomed.info/sct|46635009")))
        .contains("gxipc1-phase1");
    assertThat(find(Map.of("condition", "http://snomed.info/sct|44054006")))
        .doesNotContain("gxipc1-phase1");
  }

  @Test
  void conditionWordsMatchInAnyOrderAndTheCommonAbbreviationFindsTheStudy() {
    // The imported study's condition: "Type 1 Diabetes Mellitus, Juvenile Onset".
    matches(Map.of("condition:text", "diabetes type 1"));
    matches(Map.of("condition:text", "juvenile  diabetes"));
    missesIt(Map.of("condition:text", "diabetes type 2"));
    // T1D is a name of SNOMED CT 46635009 in the package's ValueSet type-1-diabetes.
    matches(Map.of("condition:text", "T1D"));
    matches(Map.of("condition:text", "t1dm"));
    assertThat(find(Map.of("condition:text", "T1D"))).contains("nct06407297");
    assertThat(find(Map.of("condition:text", "diabetes type 1"))).contains("nct06407297");
    assertThat(find(Map.of("condition:text", "T1D juvenile")))
        .contains(study)
        .doesNotContain("nct06407297");
  }

  @Test
  void aConditionOfSpacesIsA400() {
    anonymous().queryParam("condition:text", "   ").get("/ResearchStudy").then().statusCode(400);
  }

  @Test
  void byRecruitmentStatusAndInterventionType() {
    matches(Map.of("status", "active", "intervention-type", "BIOLOGICAL"));
    missesIt(Map.of("intervention-type", "DEVICE"));
    missesIt(Map.of("status", "completed"));
  }

  @Test
  void byDistanceToASite() {
    // York is about 35 km from Leeds; London about 270 km.
    matches(Map.of("site.near", "53.9590|-1.0815|50|km"));
    missesIt(Map.of("site.near", "53.9590|-1.0815|20|km"));
    missesIt(Map.of("site.near", "51.5072|-0.1276|100|km"));
  }

  @Test
  void halfACoordinateIsRefusedNamingIt() {
    // Never ignored, never a 500: a 400 OperationOutcome naming the parameter and what is missing.
    for (String[] search :
        List.of(
            new String[] {"/ResearchStudy", "site.near", "53.9590"},
            new String[] {"/ResearchStudy", "site.near", "|-1.0815|50|km"},
            new String[] {"/Location", "near", "53.9590"})) {
      anonymous()
          .queryParam(search[1], search[2])
          .get(search[0])
          .then()
          .statusCode(400)
          .body("resourceType", org.hamcrest.Matchers.equalTo("OperationOutcome"))
          .body(
              "issue[0].diagnostics",
              org.hamcrest.Matchers.allOf(
                  org.hamcrest.Matchers.containsString(search[1] + "=" + search[2] + " is refused"),
                  org.hamcrest.Matchers.containsString("without a")));
    }
  }

  @Test
  void theSearchParametersAreInTheCapabilityStatement() {
    String metadata = anonymous().get("/metadata").then().statusCode(200).extract().asString();
    for (String name :
        List.of("eligible-age", "eligibility-sex", "phase", "condition", "intervention-type")) {
      assertThat(metadata).contains("\"name\":\"" + name + "\"");
    }
  }

  @Test
  void theApiIsDescribedInOpenApiAndBrowsable() {
    String openapi = anonymous().get("/api-docs").then().statusCode(200).extract().asString();
    assertThat(openapi).contains("openapi: 3", "/ResearchStudy", "$eligibility", "$enroll");
    anonymous()
        .accept("text/html")
        .get("/swagger-ui/")
        .then()
        .statusCode(200)
        .body(org.hamcrest.Matchers.containsString("swagger"));
  }
}
