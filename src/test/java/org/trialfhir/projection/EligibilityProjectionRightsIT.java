package org.trialfhir.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.response.Response;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.hl7.fhir.r4.model.IdType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;
import org.trialfhir.eligibility.EligibilityService;
import org.trialfhir.eligibility.PopulationScreening;
import org.trialfhir.security.JobCaller;
import org.trialfhir.security.JobCallerRequests;

/**
 * A record read from the projection obeys the caller's rights exactly as one read from the
 * resources: a caller who may not read a patient's Observations (or Conditions) gets the same 403
 * from {@code $eligibility} (refused by the operation's rule) and, reading as a screening's steps
 * do, from the evaluation of a record (refused when the first Observation is shown to them), never
 * a verdict built from them; and the audit trail shows those reads the same either way.
 */
class EligibilityProjectionRightsIT extends IntegrationTestBase {

  private static final String STUDY = "nct06407297";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ALL_BUT_OBSERVATIONS =
      List.of(
          "user/ResearchStudy.rs",
          "user/Group.rs",
          "user/Patient.rs",
          "user/Condition.rs",
          "user/AllergyIntolerance.rs",
          "user/Consent.rs");

  @Autowired ProjectionReads projection;
  @Autowired EligibilityService service;
  @Autowired PopulationScreening screening;
  @Autowired JobCallerRequests callers;

  @AfterEach
  void projectionBackOn() {
    projection.setEnabled(true);
  }

  @Test
  void aCallerWhoMayNotReadObservationsGetsNoVerdictFromTheProjection() throws Exception {
    String patient = load();
    String token =
        TestTokens.token(String.join(" ", ALL_BUT_OBSERVATIONS), List.of("coordinator"), null);
    for (boolean on : List.of(false, true)) {
      projection.setEnabled(on);
      long before = projection.answered();
      Response refused = eligibility(token, patient);
      assertThat(refused.statusCode())
          .as("projection %s: %s", on, refused.asString())
          .isEqualTo(403);
      assertThat(refused.asString())
          .contains("OperationOutcome")
          .doesNotContain("verdict")
          .doesNotContain("nmol")
          .doesNotContain("C-peptide");
      // Refused by the operation's own rule, before any of the record is read either way.
      assertThat(projection.answered()).isEqualTo(before);
    }
  }

  @Test
  void aCallerWhoMayNotReadConditionsGetsNoVerdictFromTheProjection() throws Exception {
    String patient = load();
    List<String> scopes = new ArrayList<>(ALL_BUT_OBSERVATIONS);
    scopes.remove("user/Condition.rs");
    scopes.add("user/Observation.rs");
    String token = TestTokens.token(String.join(" ", scopes), List.of("coordinator"), null);
    for (boolean on : List.of(false, true)) {
      projection.setEnabled(on);
      Response refused = eligibility(token, patient);
      assertThat(refused.statusCode())
          .as("projection %s: %s", on, refused.asString())
          .isEqualTo(403);
      assertThat(refused.asString()).doesNotContain("verdict").doesNotContain("diabetes");
    }
  }

  @Test
  void theAuditTrailShowsAnEligibilityFromTheProjectionAsOneFromTheResources() throws Exception {
    String patient = load();
    Map<Boolean, String> clients = Map.of(false, unique("px-off"), true, unique("px-on"));
    for (boolean on : List.of(false, true)) {
      projection.setEnabled(on);
      String token =
          TestTokens.token(
              "user/*.rs", List.of("coordinator"), null, Map.of("client_id", clients.get(on)));
      assertThat(eligibility(token, patient).statusCode()).isEqualTo(200);
    }
    Map<Boolean, Map<String, String>> events = awaitEvents(patient, clients, "operation");
    assertThat(events.get(true)).isEqualTo(events.get(false));
  }

  @Test
  void readingAsACallerWhoMayNotReadObservationsIsRefusedFromTheProjectionToo() throws Exception {
    // A screening's steps and an enrolment read as their caller past the operation's own rule:
    // then each resource read is judged, from the projection as from the resources.
    String patient = load();
    for (boolean on : List.of(false, true)) {
      projection.setEnabled(on);
      long before = projection.answered();
      assertThatThrownBy(
              () -> asCaller(ALL_BUT_OBSERVATIONS, unique("px-job"), eligibility(patient)))
          .as("projection %s", on)
          .isInstanceOf(ForbiddenOperationException.class);
      assertThatThrownBy(() -> asCaller(ALL_BUT_OBSERVATIONS, unique("px-job"), screening(patient)))
          .isInstanceOf(ForbiddenOperationException.class);
      // From the projection: the Conditions were answered, then the Observations refused.
      assertThat(projection.answered() - before).isEqualTo(on ? 2 : 0);
    }
    List<String> withoutConditions = new ArrayList<>(ALL_BUT_OBSERVATIONS);
    withoutConditions.set(withoutConditions.indexOf("user/Condition.rs"), "user/Observation.rs");
    for (boolean on : List.of(false, true)) {
      projection.setEnabled(on);
      long before = projection.answered();
      assertThatThrownBy(() -> asCaller(withoutConditions, unique("px-job"), eligibility(patient)))
          .isInstanceOf(ForbiddenOperationException.class);
      assertThat(projection.answered()).isEqualTo(before);
    }
  }

  @Test
  void theAuditTrailShowsAReadFromTheProjectionAsOneFromTheResources() throws Exception {
    String patient = load();
    List<String> all = new ArrayList<>(ALL_BUT_OBSERVATIONS);
    all.add("user/Observation.rs");
    Map<Boolean, String> clients = Map.of(false, unique("px-job-off"), true, unique("px-job-on"));
    Map<Boolean, String> verdicts = new java.util.HashMap<>();
    for (boolean on : List.of(false, true)) {
      projection.setEnabled(on);
      verdicts.put(on, asCaller(all, clients.get(on), eligibility(patient)));
    }
    assertThat(verdicts.get(true)).isEqualTo(verdicts.get(false)).contains("verdict");
    // BALP's record of each query of the patient's data, naming the caller's client.
    Map<Boolean, Map<String, String>> events = awaitEvents(patient, clients, "search-type");
    assertThat(events.get(true)).isEqualTo(events.get(false));
  }

  // ---- helpers

  /** What a job's step does with the request acting for its caller. */
  private Function<RequestDetails, String> eligibility(String patient) {
    return request ->
        FhirContext.forR4Cached()
            .newJsonParser()
            .encodeResourceToString(
                service.eligibility(
                    new IdType("ResearchStudy", STUDY),
                    "Patient/" + patient,
                    LocalDate.parse("2026-06-15"),
                    request));
  }

  private Function<RequestDetails, String> screening(String patient) {
    return request ->
        screening
            .evaluate(
                new IdType("ResearchStudy", STUDY),
                List.of(patient),
                LocalDate.parse("2026-06-15"),
                request)
            .toString();
  }

  /** Runs the work as a screening's step runs, acting for a caller with these scopes. */
  private String asCaller(
      List<String> scopes, String client, Function<RequestDetails, String> work) {
    JobCaller caller =
        new JobCaller(
            client,
            unique("px-user"),
            TestTokens.ISSUER,
            null,
            scopes,
            List.of("COORDINATOR"),
            null,
            null);
    return callers.call(
        caller,
        "http://localhost:" + port + "/fhir",
        "ResearchStudy/" + STUDY + "/$screen",
        unique("px-step"),
        work);
  }

  private Response eligibility(String token, String patient) {
    return fhirAs(token)
        .queryParam("patient", "Patient/" + patient)
        .queryParam("date", "2026-06-15")
        .get("/ResearchStudy/" + STUDY + "/$eligibility");
  }

  /**
   * The AuditEvents naming the patient recorded for each client (projection off and on), as
   * "subtype action entity-types" → how many, once both have one of this subtype and are the same
   * twice a second apart (the audit relay lags under load); what they are at the deadline else.
   */
  private Map<Boolean, Map<String, String>> awaitEvents(
      String patient, Map<Boolean, String> clients, String subtype) throws Exception {
    long deadline = System.currentTimeMillis() + 90_000;
    Map<Boolean, Map<String, String>> previous = Map.of();
    while (System.currentTimeMillis() < deadline) {
      Thread.sleep(1000);
      Map<Boolean, Map<String, String>> events =
          Map.of(
              false, events(patient, clients.get(false)), true, events(patient, clients.get(true)));
      boolean both =
          events.values().stream()
              .allMatch(e -> e.keySet().stream().anyMatch(k -> k.startsWith(subtype)));
      if (both && events.equals(previous)) {
        return events;
      }
      previous = events;
    }
    assertThat(previous.getOrDefault(false, Map.of()).keySet())
        .as("audit events of the read from the resources")
        .anyMatch(k -> k.startsWith(subtype));
    return previous;
  }

  private Map<String, String> events(String patient, String client) throws Exception {
    Map<String, String> events = new TreeMap<>();
    JsonNode bundle =
        JSON.readTree(
            fhir()
                .queryParam("patient", "Patient/" + patient)
                .queryParam("_count", 500)
                .get("/AuditEvent")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    for (JsonNode entry : bundle.path("entry")) {
      JsonNode event = entry.path("resource");
      if (!event.toString().contains(client)) {
        continue;
      }
      List<String> entities = new ArrayList<>();
      event.path("entity").forEach(e -> entities.add(e.path("type").path("code").asText()));
      String key =
          event.path("subtype").path(0).path("code").asText()
              + " "
              + event.path("action").asText()
              + " "
              + entities;
      events.merge(key, "1", (a, b) -> String.valueOf(Integer.parseInt(a) + 1));
    }
    return events;
  }

  private String load() throws Exception {
    JsonNode response =
        JSON.readTree(
            fhir()
                .body(eligibleChild().transaction(unique("px-rights")))
                .post("/")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    return response.path("entry").get(0).path("response").path("location").asText().split("/")[1];
  }
}
