package org.trialfhir.screen;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.api.IJobPersistence;
import ca.uhn.fhir.batch2.coordinator.JobDefinitionRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.response.Response;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.StuckJobs;

/**
 * A screening whose chunk a node took and never finished (the node died: its in-memory queue and
 * running step are gone, the database still says "queued" or "in progress") is finished by another
 * node once the chunk is stale, with the report an undisturbed run gives. The dead node is
 * simulated ({@link StuckJobs}).
 */
class ScreenReclaimIT extends IntegrationTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STUDY = "nct06407297";

  @Autowired IJobPersistence persistence;
  @Autowired JobDefinitionRegistry definitions;
  @Autowired IJobMaintenanceService maintenance;
  @Autowired StaleChunks staleChunks;
  @Autowired EntityManager entityManager;
  @Autowired PlatformTransactionManager transactions;

  @Test
  void aChunkQueuedOnADeadNodeIsHandedOutAgain() throws Exception {
    reclaimedRunEqualsTheUndisturbedOne("QUEUED");
  }

  @Test
  void aChunkInProgressOnADeadNodeIsHandedOutAgain() throws Exception {
    reclaimedRunEqualsTheUndisturbedOne("IN_PROGRESS");
  }

  private void reclaimedRunEqualsTheUndisturbedOne(String heldAs) throws Exception {
    String group = group();
    Response started =
        fhir()
            .header("Prefer", "respond-async")
            .queryParam("group", group)
            .queryParam("date", "2026-06-15")
            .get("/ResearchStudy/" + STUDY + "/$screen");
    assertThat(started.statusCode()).as(started.asString()).isEqualTo(202);
    String firstJob = job(started.header("Content-Location"));
    JsonNode undisturbed = awaitReport(firstJob);

    String stuckJob =
        new StuckJobs(persistence, definitions, entityManager, transactions)
            .copyOf(firstJob, ScreenJobConfig.JOB, heldAs);
    maintenance.runMaintenancePass();
    Response stuck = fhir().get("/$screen-status?job=" + stuckJob);
    assertThat(stuck.statusCode())
        .as("without anyone reclaiming it, the held chunk is never done")
        .isEqualTo(202);

    assertThat(staleChunks.reclaim()).isGreaterThanOrEqualTo(1);
    JsonNode reclaimed = awaitReport(stuckJob);
    assertThat(results(reclaimed)).isEqualTo(results(undisturbed)).isNotEmpty();
  }

  private String group() {
    List<String> members = new ArrayList<>();
    for (String born : List.of("2012-03-01", "1990-07-20", "1958-01-05")) {
      String id =
          fhir()
              .body("{\"resourceType\":\"Patient\",\"birthDate\":\"" + born + "\"}")
              .post("/Patient")
              .then()
              .statusCode(201)
              .extract()
              .path("id");
      members.add("{\"entity\":{\"reference\":\"Patient/" + id + "\"}}");
    }
    return "Group/"
        + fhir()
            .body(
                "{\"resourceType\":\"Group\",\"type\":\"person\",\"actual\":true,\"member\":["
                    + String.join(",", members)
                    + "]}")
            .post("/Group")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
  }

  private JsonNode awaitReport(String job) throws Exception {
    long deadline = System.currentTimeMillis() + 300_000;
    while (System.currentTimeMillis() < deadline) {
      Response status = fhir().get("/$screen-status?job=" + job);
      if (status.statusCode() == 200) {
        return JSON.readTree(status.asString());
      }
      assertThat(status.statusCode()).as(status.asString()).isEqualTo(202);
      Thread.sleep(500);
    }
    throw new AssertionError("screening " + job + " not finished after 300 s");
  }

  /** Each patient's verdict, in the report's order. */
  private static List<String> results(JsonNode report) {
    List<String> results = new ArrayList<>();
    for (JsonNode parameter : report.path("parameter")) {
      if ("result".equals(parameter.path("name").asText())) {
        StringBuilder one = new StringBuilder();
        parameter
            .path("part")
            .forEach(part -> one.append(part.path("name").asText()).append('=').append(part));
        results.add(one.toString());
      }
    }
    return results;
  }

  private static String job(String contentLocation) {
    return contentLocation.substring(contentLocation.indexOf("job=") + 4);
  }
}
