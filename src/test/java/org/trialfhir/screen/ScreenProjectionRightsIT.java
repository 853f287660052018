package org.trialfhir.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;
import static org.trialfhir.eligibility.PatientFixture.fastingCPeptide;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.model.JobInstanceStartRequest;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.response.Response;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.IdType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;
import org.trialfhir.eligibility.Outcome;
import org.trialfhir.eligibility.PatientFixture;
import org.trialfhir.eligibility.PopulationScreening;
import org.trialfhir.projection.ProjectionReads;
import org.trialfhir.screen.ScreenModels.Parameters;
import org.trialfhir.security.JobCaller;
import org.trialfhir.security.JobCallerRequests;

/**
 * A screening narrowed over the projection obeys the caller's rights as one over the resources
 * does: a caller who may not read Conditions, Observations (or Patients) gets the same refusal
 * either way, and no results built from the facts they may not see.
 */
class ScreenProjectionRightsIT extends IntegrationTestBase {

  private static final String STUDY = "nct06407297";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired IJobCoordinator jobs;
  @Autowired IJobMaintenanceService maintenance;
  @Autowired ProjectionReads projection;
  @Autowired PopulationScreening screening;
  @Autowired JobCallerRequests callers;

  @AfterEach
  void projectionBackOn() {
    projection.setEnabled(true);
  }

  @Test
  void aCallerWhoMayNotReadConditionsIsRefusedFromTheProjectionAsFromTheResources()
      throws Exception {
    String group = group();
    List<String> withoutConditions =
        List.of(
            "user/ResearchStudy.rs",
            "user/Group.rs",
            "user/Patient.rs",
            "user/Observation.rs",
            "user/AllergyIntolerance.rs",
            "user/Consent.rs");
    for (boolean on : List.of(false, true)) {
      projection.setEnabled(on);
      long answeredBefore = projection.answered();
      Response status = screen(group, withoutConditions);
      assertThat(status.statusCode()).as("projection %s: %s", on, status.asString()).isEqualTo(403);
      assertThat(status.asString())
          .contains("Refused for the caller who started the screening")
          .doesNotContain("verdict");
      if (on) {
        // The patients came from the projection; the Conditions were refused there.
        assertThat(projection.answered()).isEqualTo(answeredBefore + 1);
      }
    }
  }

  @Test
  void aCallerWhoMayNotReadObservationsGetsNoDecisionBuiltFromThem() throws Exception {
    // Only the fasting C-peptide rules this child out, and it is decided set-based from the
    // projection's Observations: never for a caller who may not read them.
    String lowCPeptide =
        load(eligibleChild().set(PatientFixture.CPEP_FASTING, fastingCPeptide("0.05", "nmol/L")));
    List<String> all =
        List.of(
            "user/ResearchStudy.rs",
            "user/Group.rs",
            "user/Patient.rs",
            "user/Condition.rs",
            "user/Observation.rs",
            "user/AllergyIntolerance.rs",
            "user/Consent.rs");
    List<String> withoutObservations =
        all.stream().filter(s -> !s.equals("user/Observation.rs")).toList();
    projection.setEnabled(true);
    assertThat(narrow(lowCPeptide, all).decided())
        .extracting(PopulationScreening.Screened::outcomes)
        .containsExactly(Map.of("inc-cpeptide-fasting", Outcome.FAIL));
    assertThatThrownBy(() -> narrow(lowCPeptide, withoutObservations))
        .isInstanceOf(ForbiddenOperationException.class);

    String group = group(List.of(lowCPeptide, load(eligibleChild())));
    for (boolean on : List.of(false, true)) {
      projection.setEnabled(on);
      Response status = screen(group, withoutObservations);
      assertThat(status.statusCode()).as("projection %s: %s", on, status.asString()).isEqualTo(403);
      assertThat(status.asString())
          .contains("Refused for the caller who started the screening")
          .doesNotContain("verdict");
    }
  }

  /** The set-based narrowing of one patient, read as a screening's step acting for a caller. */
  private PopulationScreening.Narrowed narrow(String patient, List<String> scopes) {
    JobCaller caller =
        new JobCaller(
            unique("px-rights-app"),
            unique("px-rights-user"),
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
        request -> {
          LocalDate date = LocalDate.parse("2026-06-15");
          PopulationScreening.Plan plan =
              screening.plan(new IdType("ResearchStudy", STUDY), request);
          return screening
              .narrowFromProjection(plan, List.of(patient), date, request)
              .orElseThrow();
        });
  }

  @Test
  void aCallerWhoMayNotReadPatientsIsRefusedFromTheProjectionAsFromTheResources() throws Exception {
    String group = group();
    List<String> withoutPatients =
        List.of(
            "user/ResearchStudy.rs",
            "user/Group.rs",
            "user/Condition.rs",
            "user/Observation.rs",
            "user/AllergyIntolerance.rs",
            "user/Consent.rs");
    for (boolean on : List.of(false, true)) {
      projection.setEnabled(on);
      Response status = screen(group, withoutPatients);
      assertThat(status.statusCode()).as("projection %s: %s", on, status.asString()).isEqualTo(403);
      assertThat(status.asString()).doesNotContain("verdict");
    }
  }

  @Test
  void aPatientRuledOutFromTheProjectionIsAuditedAsReadByTheCaller() throws Exception {
    String adult = load(PatientFixture.patient().born("1970-05-05"));
    String group = group(List.of(adult, load(eligibleChild())));
    projection.setEnabled(true);
    long answeredBefore = projection.answered();
    String client = unique("px-audit-app");
    Response status = screen(group, List.of("user/*.rs"), client);
    assertThat(status.statusCode()).as(status.asString()).isEqualTo(200);
    assertThat(projection.answered()).isGreaterThan(answeredBefore);
    // The adult is ruled out by age from the projection: never read from the resources.
    long deadline = System.currentTimeMillis() + 90_000; // the audit relay lags under load
    boolean audited = false;
    while (!audited && System.currentTimeMillis() < deadline) {
      String events =
          fhir()
              .queryParam("patient", "Patient/" + adult)
              .queryParam("subtype", "search-type")
              .queryParam("_count", 200)
              .get("/AuditEvent")
              .then()
              .statusCode(200)
              .extract()
              .asString();
      audited = events.contains("$screen") && events.contains(client);
      if (!audited) {
        Thread.sleep(300);
      }
    }
    assertThat(audited).as("an AuditEvent of the screening's read of the adult").isTrue();
  }

  private Response screen(String group, List<String> scopes) throws Exception {
    return screen(group, scopes, unique("px-rights-app"));
  }

  /** Starts a screening as a caller with these scopes (as if let start it) and awaits its end. */
  private Response screen(String group, List<String> scopes, String client) throws Exception {
    String user = unique("px-rights-user");
    JobCaller caller =
        new JobCaller(
            client, user, TestTokens.ISSUER, null, scopes, List.of("COORDINATOR"), null, null);
    JobInstanceStartRequest start = new JobInstanceStartRequest();
    start.setJobDefinitionId(ScreenJobConfig.JOB);
    start.setParameters(
        new Parameters(
            STUDY,
            group,
            "2026-06-15",
            Screenings.CHUNK_SIZE,
            client + " " + user,
            caller,
            "http://localhost:" + port + "/fhir",
            null));
    String job = jobs.startInstance(new SystemRequestDetails(), start).getInstanceId();
    maintenance.runMaintenancePass();
    String owner =
        TestTokens.token(
            "user/*.rs", List.of("coordinator"), null, Map.of("client_id", client, "sub", user));
    long deadline = System.currentTimeMillis() + 180_000;
    while (System.currentTimeMillis() < deadline) {
      Response status = fhirAs(owner).get("/$screen-status?job=" + job);
      if (status.statusCode() != 202) {
        return status;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("screening not finished after 180 s: " + job);
  }

  /** Two eligible children and an adult, with their diagnoses, in a Group. */
  private String group() throws Exception {
    List<String> ids = new ArrayList<>();
    for (PatientFixture fixture :
        List.of(eligibleChild(), eligibleChild(), PatientFixture.patient().born("1970-05-05"))) {
      ids.add(load(fixture));
    }
    return group(ids);
  }

  private String load(PatientFixture fixture) throws Exception {
    JsonNode response =
        JSON.readTree(
            fhir()
                .body(fixture.transaction(unique("px-rights")))
                .post("/")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    return response.path("entry").get(0).path("response").path("location").asText().split("/")[1];
  }

  private String group(List<String> ids) {
    ObjectNode group =
        JSON.createObjectNode()
            .put("resourceType", "Group")
            .put("type", "person")
            .put("actual", true);
    ArrayNode members = group.putArray("member");
    ids.forEach(id -> members.addObject().putObject("entity").put("reference", "Patient/" + id));
    return "Group/"
        + fhir().body(group.toString()).post("/Group").then().statusCode(201).extract().path("id");
  }
}
