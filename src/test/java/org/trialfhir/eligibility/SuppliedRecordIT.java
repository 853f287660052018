package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * A record supplied as a Bundle to {@code $eligibility} and {@code Patient/$match-studies}: what is
 * refused (4xx naming the problem, nothing stored), where evidence points, and who may ask. That
 * its answers are the stored record's is {@link EligibilityIT}'s, for every case of that suite.
 */
@Tag("persistence")
class SuppliedRecordIT extends IntegrationTestBase {

  private static final String NCT = "nct06407297";
  private static final String DATE = "2026-06-15";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> STORED_TYPES =
      List.of("Patient", "Condition", "Observation", "AllergyIntolerance", "Consent");

  @Test
  void evidenceAndPatientNameTheBundlesFullUrls() {
    String bundle = eligibleChild().transaction(unique("supplied"));
    List<String> fullUrls = JsonPath.from(bundle).getList("entry.fullUrl", String.class);
    JsonPath answer =
        eligibility(parameters(bundle, null)).then().statusCode(200).extract().jsonPath();
    assertThat(answer.getString("parameter.find { it.name == 'verdict' }.valueCode"))
        .isEqualTo("needs-review");
    assertThat(answer.getString("parameter.find { it.name == 'patient' }.valueReference.reference"))
        .isEqualTo(fullUrls.get(0));
    List<String> evidence =
        answer.getList(
            "parameter.findAll { it.name == 'criterion' }.part.flatten()"
                + ".findAll { it.name == 'evidence' }.valueReference.reference",
            String.class);
    assertThat(evidence).isNotEmpty();
    assertThat(fullUrls).containsAll(evidence);
  }

  @Test
  void refusesRecordsThatAreNotOnePatientsAndStoresNothing() throws Exception {
    Map<String, Integer> before = counts();
    String child = eligibleChild().transaction(unique("supplied"));
    String patient = entry(child, 0);
    String condition = entry(child, 1);
    assertRefused(eligibility(parameters(bundle(condition), null)), 400, "holds no Patient");
    String otherPatient =
        entry(child, 0, e -> e.put("fullUrl", "urn:uuid:" + java.util.UUID.randomUUID()));
    assertRefused(
        eligibility(parameters(bundle(patient, otherPatient, condition), null)),
        400,
        "more than one Patient");
    String aboutSomeoneElse =
        entry(
            child, 1, e -> resource(e).put("subject", Map.of("reference", "Patient/someone-else")));
    assertRefused(
        eligibility(parameters(bundle(patient, aboutSomeoneElse), null)),
        400,
        "entry 1 (Condition) is about 'Patient/someone-else'");
    String noSubject = entry(child, 1, e -> resource(e).remove("subject"));
    assertRefused(
        eligibility(parameters(bundle(patient, noSubject), null)), 400, "names no patient");
    String badDate = entry(child, 0, e -> resource(e).put("birthDate", "soon"));
    assertThat(eligibility(parameters(bundle(badDate, condition), null)).statusCode())
        .isEqualTo(400);
    String wrongType = entry(child, 0, e -> resource(e).put("gender", List.of(1, 2)));
    assertThat(eligibility(parameters(bundle(wrongType, condition), null)).statusCode())
        .isEqualTo(400);
    String patientResource =
        JSON.writeValueAsString(JsonPath.from(child).getMap("entry[0].resource"));
    assertThat(eligibility(parameters(patientResource, null)).statusCode())
        .as("a record that is not a Bundle")
        .isEqualTo(400);
    List<String> many = new ArrayList<>();
    many.add(patient);
    for (int i = 0; i < 5001; i++) {
      many.add("{\"resource\":{\"resourceType\":\"Basic\",\"code\":{\"text\":\"x\"}}}");
    }
    assertRefused(
        eligibility(parameters(bundle(many.toArray(String[]::new)), null)),
        413,
        "max-record-entries");
    assertRefused(
        eligibility(
            parameters(
                child, "{\"name\":\"patient\",\"valueReference\":{\"reference\":\"Patient/x\"}}")),
        400,
        "not both");
    assertRefused(eligibility("{\"resourceType\":\"Parameters\"}"), 400, "'patient' is required");
    assertRefused(
        fhir().body("{\"resourceType\":\"Parameters\"}").post("/Patient/$match-studies"),
        400,
        "needs 'record'");
    assertThat(counts()).as("nothing stored").isEqualTo(before);
  }

  @Test
  void typeLevelMatchStudiesEvaluatesTheSuppliedRecord() {
    String bundle = eligibleChild().transaction(unique("supplied"));
    JsonPath answer =
        fhir()
            .body(parameters(bundle, null))
            .post("/Patient/$match-studies")
            .then()
            .statusCode(200)
            .body("type", equalTo("searchset"))
            .extract()
            .jsonPath();
    assertThat(answer.getList("entry.resource.id", String.class)).contains(NCT);
    assertThat(answer.getList("entry.search.mode", String.class)).containsOnly("match");
  }

  /**
   * The supplied data is the caller's: reading the studies and their criteria is enough for the
   * type-level matching; {@code $eligibility} is bound to its study team role whatever the input.
   */
  @Test
  void matchingASuppliedRecordNeedsNoPatientScopes() {
    String studiesOnly = TestTokens.token("user/ResearchStudy.rs user/Group.rs", List.of(), null);
    String bundle = eligibleChild().transaction(unique("supplied"));
    fhirAs(studiesOnly)
        .body(parameters(bundle, null))
        .post("/Patient/$match-studies")
        .then()
        .statusCode(200);
    fhirAs(studiesOnly)
        .body(parameters(bundle, null))
        .post("/ResearchStudy/" + NCT + "/$eligibility")
        .then()
        .statusCode(403);
    fhirAs(studiesOnly)
        .body(
            "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"trialMatchClinicalData\","
                + "\"resource\":"
                + bundle
                + "}]}")
        .post("/ResearchStudy/$match")
        .then()
        .statusCode(200)
        .body("type", equalTo("searchset"));
    fhirAs(TestTokens.token("user/Patient.rs", List.of(), null))
        .body(parameters(bundle, null))
        .post("/Patient/$match-studies")
        .then()
        .statusCode(403);
  }

  /**
   * Records from outside are sparser than stored ones: each element of each resource left out in
   * turn (and a quantity without its value) is judged (a verdict) or refused (4xx), never a 500.
   */
  @Test
  void sparseRecordsAreJudgedOrRefusedNeverAnError() throws Exception {
    String child = eligibleChild().transaction(unique("supplied"));
    int entries = JsonPath.from(child).getList("entry").size();
    List<String> variants = new ArrayList<>();
    for (int i = 0; i < entries; i++) {
      Map<String, Object> resource = JsonPath.from(child).getMap("entry[" + i + "].resource");
      List<String> keys = new ArrayList<>(resource.keySet());
      for (String key : keys) {
        if (List.of("resourceType", "subject", "patient").contains(key)) {
          continue;
        }
        variants.add(replaced(child, i, entry(child, i, e -> resource(e).remove(key))));
      }
      variants.add(
          replaced(
              child,
              i,
              entry(
                  child,
                  i,
                  e -> {
                    if (resource(e).get("valueQuantity") instanceof Map<?, ?> quantity) {
                      quantity.remove("value");
                    }
                  })));
    }
    for (String variant : variants) {
      for (String study : List.of(NCT, "gxipc1-phase1")) {
        Response response =
            fhir()
                .body(parameters(variant, null))
                .post("/ResearchStudy/" + study + "/$eligibility");
        assertThat(response.statusCode()).as(response.asString()).isLessThan(500);
      }
    }
  }

  /** The fixture Bundle with its i-th entry replaced. */
  private static String replaced(String bundle, int i, String entry) throws Exception {
    List<String> all = new ArrayList<>();
    int size = JsonPath.from(bundle).getList("entry").size();
    for (int j = 0; j < size; j++) {
      all.add(j == i ? entry : entry(bundle, j));
    }
    return bundle(all.toArray(String[]::new));
  }

  /** Audited like the stored evaluation, naming the study, and no Patient, since none was read. */
  @Test
  void theEvaluationIsAuditedNamingTheStudyAndNoPatient() throws Exception {
    String requestId = unique("supplied-audit");
    fhir()
        .header("X-Request-ID", requestId)
        .body(parameters(eligibleChild().transaction(unique("supplied")), null))
        .post("/ResearchStudy/" + NCT + "/$eligibility")
        .then()
        .statusCode(200);
    JsonPath event = awaitOperationEvent(requestId);
    assertThat(event.getString("outcome")).isEqualTo("0");
    assertThat(event.getList("entity.findAll { it.role?.code == '1' }")).as("patients").isEmpty();
    assertThat(event.getString("entity.find { it.role?.code == '4' }.what.reference"))
        .startsWith("ResearchStudy/" + NCT);
  }

  private JsonPath awaitOperationEvent(String requestId) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      JsonPath events =
          fhir()
              .queryParam("subtype", "operation")
              .queryParam("_sort", "-date")
              .queryParam("_count", 50)
              .get("/AuditEvent")
              .then()
              .statusCode(200)
              .extract()
              .jsonPath();
      List<Map<String, Object>> entries = events.getList("entry.resource");
      for (int i = 0; i < entries.size(); i++) {
        if (String.valueOf(entries.get(i)).contains(requestId)) {
          return JsonPath.from(events.prettify()).setRootPath("entry[" + i + "].resource");
        }
      }
      Thread.sleep(200); // the trail is written through an outbox, asynchronously
    }
    throw new AssertionError("no AuditEvent of the request " + requestId);
  }

  private Response eligibility(String parameters) {
    return fhir().body(parameters).post("/ResearchStudy/" + NCT + "/$eligibility");
  }

  private static void assertRefused(Response response, int status, String message) {
    response
        .then()
        .statusCode(status)
        .body("resourceType", equalTo("OperationOutcome"))
        .body("issue[0].diagnostics", containsString(message));
  }

  /** A Parameters with the record and the reference date, and one more parameter if given. */
  private static String parameters(String bundle, String more) {
    return "{\"resourceType\":\"Parameters\",\"parameter\":["
        + "{\"name\":\"record\",\"resource\":"
        + bundle
        + "},{\"name\":\"date\",\"valueDate\":\""
        + DATE
        + "\"}"
        + (more == null ? "" : "," + more)
        + "]}";
  }

  private static String bundle(String... entries) {
    return "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + String.join(",", entries)
        + "]}";
  }

  /** The i-th entry of a fixture Bundle as JSON. */
  private static String entry(String bundle, int i) {
    return entry(bundle, i, e -> {});
  }

  /** The i-th entry of a fixture Bundle as JSON, changed. */
  private static String entry(String bundle, int i, Consumer<Map<String, Object>> change) {
    try {
      Map<String, Object> entry =
          JSON.readValue(
              JSON.writeValueAsString(JsonPath.from(bundle).getMap("entry[" + i + "]")), Map.class);
      entry.remove("request");
      change.accept(entry);
      return JSON.writeValueAsString(entry);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> resource(Map<String, Object> entry) {
    return (Map<String, Object>) entry.get("resource");
  }

  private Map<String, Integer> counts() {
    Map<String, Integer> counts = new java.util.LinkedHashMap<>();
    for (String type : STORED_TYPES) {
      counts.put(
          type,
          fhir()
              .queryParam("_summary", "count")
              .get("/" + type)
              .then()
              .statusCode(200)
              .extract()
              .path("total"));
    }
    return counts;
  }
}
