package org.trialfhir.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.api.IJobPersistence;
import ca.uhn.fhir.batch2.coordinator.JobDefinitionRegistry;
import io.restassured.path.json.JsonPath;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.StuckJobs;
import org.trialfhir.TestTokens;
import org.trialfhir.screen.StaleChunks;

/**
 * {@code $rebuild-projection}: an administrator's Batch2 job that puts rows back in step with the
 * resources (lost rows recomputed, wrong rows replaced, rows of resources that are gone removed)
 * while the projection stays in use; nobody else may start it.
 */
class ProjectionRebuildJobIT extends IntegrationTestBase {

  private static final String NO_PARAMETERS = "{\"resourceType\":\"Parameters\"}";

  @Autowired Projection projection;
  @Autowired IJobPersistence persistence;
  @Autowired JobDefinitionRegistry definitions;
  @Autowired IJobMaintenanceService maintenance;
  @Autowired StaleChunks staleChunks;
  @Autowired EntityManager entityManager;
  @Autowired PlatformTransactionManager transactions;

  @Test
  void aRebuildJobPutsLostWrongAndLeftoverRowsRight() {
    String patient = createPatient(unique("px-job"), "2011-04");
    String observation =
        fhir()
            .body(
                """
                {"resourceType":"Observation","status":"final","subject":{"reference":"Patient/%s"},
                 "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
                 "effectiveDateTime":"2026-06-01",
                 "valueQuantity":{"value":7.1,"unit":"%%","system":"http://unitsofmeasure.org","code":"%%"}}
                """
                    .formatted(patient))
            .post("/Observation")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    List<Map<String, Object>> before = rowsOf("Observation", observation);
    assertThat(before).hasSize(1);
    var jdbc = projection.tables().jdbc();
    // Lost, wrong and leftover rows, as a node without the interceptor or a restore would leave.
    jdbc.update("DELETE FROM TRIALFHIR_PX_PATIENT WHERE ID = ?", patient);
    jdbc.update("UPDATE TRIALFHIR_PX_OBSERVATION SET CODE = 'wrong' WHERE ID = ?", observation);
    String gone = unique("gone");
    jdbc.update(
        "INSERT INTO TRIALFHIR_PX_OBSERVATION (ID, ROW_NO, PATIENT_ID, CODE) VALUES (?, 0, ?, ?)",
        gone,
        patient,
        "4548-4");

    String job = value(startRebuild(), "job", "valueString");
    JsonPath done = awaitCompletion(job);

    assertThat(rowsOf("Patient", patient))
        .singleElement()
        .satisfies(r -> assertThat(r).containsEntry("birth_date", "2011-04"));
    assertThat(rowsOf("Observation", observation)).isEqualTo(before);
    assertThat(rowsOf("Observation", gone)).isEmpty();
    assertThat(done.getList("parameter.find { it.name == 'type' }.part.name"))
        .containsExactly("resourceType", "recomputed", "removed");
    assertThat(
            done.getInt(
                "parameter.findAll { it.name == 'type' }.find { it.part[0].valueString =="
                    + " 'Observation' }.part[2].valueInteger"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void aRebuildWhosePageANodeHeldWhenItDiedIsFinishedByAnother() {
    String patient = createPatient(unique("px-stuck"), "2012-05");
    String job = value(startRebuild(), "job", "valueString");
    awaitCompletion(job);

    String stuck =
        new StuckJobs(persistence, definitions, entityManager, transactions)
            .copyOf(job, ProjectionRebuildJob.JOB, "IN_PROGRESS");
    projection.tables().jdbc().update("DELETE FROM TRIALFHIR_PX_PATIENT WHERE ID = ?", patient);
    maintenance.runMaintenancePass();
    assertThat(
            value(
                fhir()
                    .get("/$rebuild-projection?job=" + stuck)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath(),
                "status",
                "valueString"))
        .as("without anyone reclaiming it, the held page is never done")
        .isNotEqualTo("COMPLETED");

    assertThat(staleChunks.reclaim()).isGreaterThanOrEqualTo(1);
    awaitCompletion(stuck);
    assertThat(rowsOf("Patient", patient))
        .as("the reclaimed job recomputed the lost row")
        .singleElement()
        .satisfies(r -> assertThat(r).containsEntry("birth_date", "2012-05"));
  }

  @Test
  void onlyAnAdministratorReadingEverythingMayRebuild() {
    String coordinator =
        TestTokens.token("system/*.cruds", List.of("coordinator", "investigator"), null);
    fhirAs(coordinator).body(NO_PARAMETERS).post("/$rebuild-projection").then().statusCode(403);
    String adminOfOneType =
        TestTokens.token("system/Observation.cruds", List.of("administrator"), null);
    fhirAs(adminOfOneType).body(NO_PARAMETERS).post("/$rebuild-projection").then().statusCode(403);
    // GET is safe: it reports, never starts.
    fhir()
        .get("/$rebuild-projection")
        .then()
        .statusCode(400)
        .body("issue[0].diagnostics", org.hamcrest.Matchers.containsString("only with POST"));
    fhir().get("/$rebuild-projection?job=no-such-job").then().statusCode(404);
  }

  private JsonPath startRebuild() {
    return fhir()
        .body(NO_PARAMETERS)
        .post("/$rebuild-projection")
        .then()
        .statusCode(200)
        .body("resourceType", equalTo("Parameters"))
        .extract()
        .jsonPath();
  }

  private JsonPath awaitCompletion(String job) {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (true) {
      JsonPath status =
          fhir().get("/$rebuild-projection?job=" + job).then().statusCode(200).extract().jsonPath();
      String state = value(status, "status", "valueString");
      if ("COMPLETED".equals(state)) {
        return status;
      }
      assertThat(state).as("rebuild %s", job).isNotIn("FAILED", "ERRORED", "CANCELLED");
      assertThat(Instant.now()).as("rebuild %s finished in time", job).isBefore(deadline);
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static String value(JsonPath parameters, String name, String type) {
    return parameters.getString("parameter.find { it.name == '" + name + "' }." + type);
  }

  private List<Map<String, Object>> rowsOf(String type, String id) {
    return projection.tables().rows(projection.views().get(type)).stream()
        .filter(r -> id.equals(r.get("id")))
        .toList();
  }
}
