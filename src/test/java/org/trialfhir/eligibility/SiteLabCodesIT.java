package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.PatientFixture.LAB_DATE;
import static org.trialfhir.eligibility.PatientFixture.observation;
import static org.trialfhir.eligibility.PatientFixture.patient;

import io.restassured.path.json.JsonPath;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

/**
 * A site maps its local lab codes by a ValueSet of its own that includes the package's (the
 * package's ValueSets cannot be changed through the API): results coded only locally then count,
 * with the package's units and molar mass, and a later change to the site's ValueSet is seen by the
 * next evaluation.
 */
class SiteLabCodesIT extends IntegrationTestBase {

  private static final String LOCAL = "http://hospital.example.org/lab-codes";

  @Test
  void localCodesCountThroughTheSitesValueSetAndItsLaterChangesAreSeen() {
    String url = "http://hospital.example.org/fhir/ValueSet/cpep-fasting-" + UUID.randomUUID();
    String id =
        fhir()
            .body(siteValueSet(url, "CPEP-F"))
            .post("/ValueSet")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String study =
        DataOnlyStudy.create(
            fhir(),
            """
            {"id":"inc-cpeptide-local",
             "extension":[
               {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-description",
                "valueString":"Fasting C-peptide at least 0.1 nmol/L"},
               {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-valueset",
                "valueCanonical":"%s"}],
             "code":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/criterion-kind",
                                "code":"observation-value"}],"text":"Fasting C-peptide"},
             "valueQuantity":{"value":0.1,"comparator":">=","unit":"nmol/L",
                              "system":"http://unitsofmeasure.org","code":"nmol/L"},
             "exclude":false}"""
                .formatted(url));
    String first = load(observation(LOCAL, "CPEP-F").on(LAB_DATE).quantity("1.2", "ng/mL"));
    String second = load(observation(LOCAL, "CPEP-F2").on(LAB_DATE).quantity("1.2", "ng/mL"));

    JsonPath counted = eligibility(study, first);
    assertThat(EligibilityIT.outcome(counted, "inc-cpeptide-local")).isEqualTo("pass");
    assertThat(EligibilityIT.reason(counted, "inc-cpeptide-local"))
        .as("converted with the package's molar mass for C-peptide")
        .contains("1.2 ng/mL (0.3973 nmol/L)");
    assertThat(EligibilityIT.outcome(eligibility(study, second), "inc-cpeptide-local"))
        .isEqualTo("missing-data");

    fhir()
        .body(siteValueSet(url, "CPEP-F", "CPEP-F2").replaceFirst("\\{", "{\"id\":\"" + id + "\","))
        .put("/ValueSet/" + id)
        .then()
        .statusCode(200);
    assertThat(EligibilityIT.outcome(eligibility(study, second), "inc-cpeptide-local"))
        .as("the site's ValueSet as it is now")
        .isEqualTo("pass");
  }

  @Test
  void thePackagesValueSetItselfStaysAsShipped() {
    String body =
        fhir()
            .get("/ValueSet?url=http://trialfhir.org/fhir/ValueSet/c-peptide-fasting")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    String id = JsonPath.from(body).getString("entry[0].resource.id");
    fhir()
        .body(
            siteValueSet("http://trialfhir.org/fhir/ValueSet/c-peptide-fasting", "CPEP-F")
                .replaceFirst("\\{", "{\"id\":\"" + id + "\","))
        .put("/ValueSet/" + id)
        .then()
        .statusCode(403);
  }

  private static String siteValueSet(String url, String... localCodes) {
    StringBuilder concepts = new StringBuilder();
    for (String code : localCodes) {
      concepts.append(concepts.length() == 0 ? "" : ",").append("{\"code\":\"" + code + "\"}");
    }
    return """
        {"resourceType":"ValueSet","url":"%s","status":"active",
         "compose":{"include":[
           {"valueSet":["http://trialfhir.org/fhir/ValueSet/c-peptide-fasting"]},
           {"system":"%s","concept":[%s]}]}}
        """
        .formatted(url, LOCAL, concepts);
  }

  private String load(PatientFixture.Obs result) {
    String location =
        fhir()
            .body(patient().born("2014-01-10").add(result).transaction("site-" + UUID.randomUUID()))
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .path("entry[0].response.location");
    return location.split("/")[1];
  }

  private JsonPath eligibility(String study, String patientId) {
    return fhir()
        .queryParam("patient", "Patient/" + patientId)
        .queryParam("date", "2026-06-15")
        .get("/ResearchStudy/" + study + "/$eligibility")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }
}
