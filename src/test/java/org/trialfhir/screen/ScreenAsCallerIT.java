package org.trialfhir.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.PatientFixture.CPEP_FASTING;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.model.JobInstanceStartRequest;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;
import org.trialfhir.eligibility.PatientFixture;
import org.trialfhir.screen.ScreenModels.Parameters;
import org.trialfhir.security.BlindingInterceptor;
import org.trialfhir.security.JobCaller;

/**
 * {@code $screen}'s Batch2 steps read as the caller who started the screening, not as the server:
 * what blinding hides from that caller does not decide a verdict, a caller who may not read part of
 * the data gets no results at all, and the steps' reads are audited under the caller's client.
 */
class ScreenAsCallerIT extends IntegrationTestBase {

  private static final String STUDY = "nct06407297";
  private static final String DATE = "2026-06-15";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long AUDIT_WAIT_MILLIS = 20_000;

  @Autowired IJobCoordinator jobs;
  @Autowired IJobMaintenanceService maintenance;

  /**
   * A patient's fasting C-peptide is labelled as a treatment allocation, which blinding hides from
   * callers without the unblinded role. Screened as the server, that value made the patient
   * eligible for a blinded coordinator too; as the coordinator, the screening judges what the
   * coordinator's own {@code $eligibility} judges.
   */
  @Test
  void aBlindedCoordinatorsScreeningIsBuiltOnlyFromWhatTheyMayRead() throws Exception {
    String hidden = load(eligibleChild(), true);
    String plain = load(eligibleChild(), false);
    String adult = load(PatientFixture.patient().born("1970-05-05"), false);
    String group = group(List.of(hidden, plain, adult));
    String client = unique("screening-app");
    String user = unique("coordinator");
    String blinded =
        TestTokens.token(
            "user/*.rs", List.of("coordinator"), null, Map.of("client_id", client, "sub", user));

    String seenByAll = verdict(TestTokens.admin(), hidden);
    String seenBlinded = verdict(blinded, hidden);
    // The hidden value decides this patient: else the test below could not fail.
    assertThat(seenByAll).isIn("eligible", "needs-review");
    assertThat(seenBlinded).isNotEqualTo(seenByAll);

    Map<String, String> screened = screen(blinded, group);
    assertThat(screened)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "Patient/" + hidden, seenBlinded,
                "Patient/" + plain, verdict(blinded, plain),
                "Patient/" + adult, verdict(blinded, adult)));

    // An unblinded caller's screening still sees the value, as its $eligibility does.
    Map<String, String> unblinded = screen(TestTokens.admin(), group);
    assertThat(unblinded.get("Patient/" + hidden)).isEqualTo(seenByAll);
    assertThat(unblinded.get("Patient/" + plain)).isEqualTo(screened.get("Patient/" + plain));

    // The steps' reads of a patient's record are in the trail under the coordinator's client.
    for (JsonNode event : awaitScreeningReads(plain, client)) {
      assertThat(agents(event)).as(event.toString()).contains(client, user);
    }
  }

  /**
   * A screening whose caller may read patients and diagnoses but not Observations cannot judge the
   * labs: it fails with the reason (403), and reports no patient at all.
   */
  @Test
  void aCallerWhoMayNotReadObservationsGetsARefusalAndNoResults() throws Exception {
    String patient = load(eligibleChild(), false);
    String group = group(List.of(patient, load(eligibleChild(), false)));
    String client = unique("narrow-app");
    String user = unique("narrow-user");
    // As if such a caller had been let start it: what the job keeps is what its steps act on.
    JobCaller withoutObservations =
        new JobCaller(
            client,
            user,
            TestTokens.ISSUER,
            null,
            List.of(
                "user/ResearchStudy.rs",
                "user/Group.rs",
                "user/Patient.rs",
                "user/Condition.rs",
                "user/AllergyIntolerance.rs",
                "user/Consent.rs"),
            List.of("COORDINATOR"),
            null,
            null);
    JobInstanceStartRequest start = new JobInstanceStartRequest();
    start.setJobDefinitionId(ScreenJobConfig.JOB);
    start.setParameters(
        new Parameters(
            STUDY,
            group,
            DATE,
            Screenings.CHUNK_SIZE,
            client + " " + user,
            withoutObservations,
            "http://localhost:" + port + "/fhir",
            null));
    String job = jobs.startInstance(new SystemRequestDetails(), start).getInstanceId();
    maintenance.runMaintenancePass();

    // Its owner (same client and user) polls with a token that could read everything.
    String owner =
        TestTokens.token(
            "user/*.rs", List.of("coordinator"), null, Map.of("client_id", client, "sub", user));
    Response status = awaitEnd(owner, "/$screen-status?job=" + job);
    assertThat(status.statusCode()).as(status.asString()).isEqualTo(403);
    assertThat(status.asString())
        .contains("OperationOutcome")
        .contains("Refused for the caller who started the screening")
        .doesNotContain(patient)
        .doesNotContain("verdict");
  }

  /** Verdicts per patient reference, from a screening started and polled with this token. */
  private Map<String, String> screen(String token, String group) throws Exception {
    Response started =
        fhirAs(token)
            .header("Prefer", "respond-async")
            .queryParam("group", group)
            .queryParam("date", DATE)
            .get("/ResearchStudy/" + STUDY + "/$screen");
    assertThat(started.statusCode()).as(started.asString()).isEqualTo(202);
    String poll = started.header("Content-Location");
    Response done = awaitEnd(token, poll.substring(poll.indexOf("/$screen-status")));
    assertThat(done.statusCode()).as(done.asString()).isEqualTo(200);
    Map<String, String> verdicts = new HashMap<>();
    for (JsonNode parameter : JSON.readTree(done.asString()).path("parameter")) {
      if ("result".equals(parameter.path("name").asText())) {
        verdicts.put(
            part(parameter, "patient").path("valueReference").path("reference").asText(),
            part(parameter, "verdict").path("valueCode").asText());
      }
    }
    return verdicts;
  }

  private Response awaitEnd(String token, String poll) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 180_000;
    while (System.currentTimeMillis() < deadline) {
      Response status = fhirAs(token).get(poll);
      if (status.statusCode() != 202) {
        return status;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("screening not finished after 180 s: " + poll);
  }

  private String verdict(String token, String patient) {
    return fhirAs(token)
        .queryParam("patient", "Patient/" + patient)
        .queryParam("date", DATE)
        .get("/ResearchStudy/" + STUDY + "/$eligibility")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getString("parameter.find { it.name == 'verdict' }.valueCode");
  }

  /**
   * Loads the patient in one transaction; with {@code hideCPeptide} its fasting C-peptide carries
   * the treatment-allocation label. Returns the Patient's id.
   */
  private String load(PatientFixture fixture, boolean hideCPeptide) throws Exception {
    ObjectNode bundle = (ObjectNode) JSON.readTree(fixture.transaction(unique("as-caller")));
    if (hideCPeptide) {
      JsonNode entry = bundle.path("entry").get(fixture.slots().indexOf(CPEP_FASTING) + 1);
      ObjectNode label =
          ((ObjectNode) entry.path("resource")).putObject("meta").putArray("security").addObject();
      label
          .put("system", BlindingInterceptor.LABEL_SYSTEM)
          .put("code", BlindingInterceptor.LABEL_CODE);
    }
    JsonNode response =
        JSON.readTree(
            fhir().body(bundle.toString()).post("/").then().statusCode(200).extract().asString());
    return response.path("entry").get(0).path("response").path("location").asText().split("/")[1];
  }

  private String group(List<String> patients) {
    ObjectNode group =
        JSON.createObjectNode()
            .put("resourceType", "Group")
            .put("type", "person")
            .put("actual", true);
    ArrayNode members = group.putArray("member");
    patients.forEach(
        id -> members.addObject().putObject("entity").put("reference", "Patient/" + id));
    return "Group/"
        + fhir().body(group.toString()).post("/Group").then().statusCode(201).extract().path("id");
  }

  /** The patient's AuditEvents of queries a screening's steps made ($screen) for this client. */
  private List<JsonNode> awaitScreeningReads(String patient, String client) throws Exception {
    long deadline = System.currentTimeMillis() + AUDIT_WAIT_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      List<JsonNode> found = new ArrayList<>();
      String bundle =
          fhir()
              .queryParam("patient", "Patient/" + patient)
              .queryParam("subtype", "search-type")
              .queryParam("_count", 200)
              .get("/AuditEvent")
              .then()
              .statusCode(200)
              .extract()
              .asString();
      for (JsonNode entry : JSON.readTree(bundle).path("entry")) {
        JsonNode event = entry.path("resource");
        if (event.toString().contains("$screen") && agents(event).contains(client)) {
          found.add(event);
        }
      }
      if (!found.isEmpty()) {
        return found;
      }
      Thread.sleep(300);
    }
    throw new AssertionError(
        "no AuditEvent of a screening's reads of Patient/" + patient + " by " + client);
  }

  private static List<String> agents(JsonNode event) {
    List<String> agents = new ArrayList<>();
    event
        .path("agent")
        .forEach(agent -> agents.add(agent.path("who").path("identifier").path("value").asText()));
    return agents;
  }

  private static JsonNode part(JsonNode parameter, String name) {
    for (JsonNode part : parameter.path("part")) {
      if (name.equals(part.path("name").asText())) {
        return part;
      }
    }
    return JSON.missingNode();
  }
}
