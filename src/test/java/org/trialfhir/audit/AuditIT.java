package org.trialfhir.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

@Tag("persistence")
class AuditIT extends IntegrationTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long WAIT_MILLIS = 10_000;

  /** The patient's AuditEvents by subtype, once all the expected subtypes have been stored. */
  private Map<String, List<JsonNode>> awaitEvents(String patientId, Set<String> subtypes)
      throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    Map<String, List<JsonNode>> bySubtype = Map.of();
    while (System.currentTimeMillis() < deadline) {
      // Storing is asynchronous: poll until the writer has caught up.
      String bundle =
          fhir()
              .queryParam("patient", "Patient/" + patientId)
              .queryParam("_count", 200)
              .get("/AuditEvent")
              .then()
              .statusCode(200)
              .extract()
              .asString();
      bySubtype = new HashMap<>();
      for (JsonNode entry : JSON.readTree(bundle).path("entry")) {
        JsonNode event = entry.path("resource");
        bySubtype
            .computeIfAbsent(
                event.path("subtype").path(0).path("code").asText(), k -> new ArrayList<>())
            .add(event);
      }
      if (bySubtype.keySet().containsAll(subtypes)) {
        return bySubtype;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "AuditEvents for Patient/"
            + patientId
            + " after 10 s: "
            + bySubtype.keySet()
            + ", expected "
            + subtypes);
  }

  private static List<String> entities(JsonNode event, String role) {
    List<String> references = new ArrayList<>();
    for (JsonNode entity : event.path("entity")) {
      if (role.equals(entity.path("role").path("code").asText())) {
        references.add(entity.path("what").path("reference").asText());
      }
    }
    return references;
  }

  @Test
  void everyAccessToAPatientIsAuditedAndTheTrailCannotBeChanged() throws Exception {
    String family = unique("Audit");
    String id = createPatient(family, "2014-01-10");
    fhir().get("/Patient/" + id).then().statusCode(200);
    fhir().queryParam("family", family).get("/Patient").then().statusCode(200);
    fhir()
        .body(
            """
            {"resourceType":"Patient","id":"%s","name":[{"family":"%s"}],"birthDate":"2014-01-11"}
            """
                .formatted(id, family))
        .put("/Patient/" + id)
        .then()
        .statusCode(200);
    fhir().get("/Patient/" + id + "/_history").then().statusCode(200);
    eligibility("nct06407297", id, "2026-06-15");

    Map<String, List<JsonNode>> events =
        awaitEvents(
            id, Set.of("create", "read", "search-type", "update", "history-instance", "operation"));

    Map<String, String> actions =
        Map.of(
            "create", "C",
            "read", "R",
            "search-type", "E",
            "update", "U",
            "history-instance", "E",
            "operation", "E");
    actions.forEach(
        (subtype, action) -> {
          JsonNode event = events.get(subtype).get(0);
          assertThat(event.path("type").path("code").asText()).as(subtype).isEqualTo("rest");
          assertThat(event.path("subtype").path(0).path("system").asText())
              .isEqualTo("http://hl7.org/fhir/restful-interaction");
          assertThat(event.path("action").asText()).as(subtype).isEqualTo(action);
          assertThat(event.path("outcome").asText()).as(subtype).isEqualTo("0");
          assertThat(entities(event, "1"))
              .as("%s names the patient, version-specific", subtype)
              .allMatch(reference -> reference.startsWith("Patient/" + id + "/_history/"))
              .isNotEmpty();
        });
    // The operation read the patient too, but as the server: that is not a user's read.
    assertThat(events.get("read")).hasSize(1);

    JsonNode operation = events.get("operation").get(0);
    assertThat(operation.path("outcomeDesc").asText()).isEqualTo("HTTP 200");
    assertThat(entities(operation, "4"))
        .singleElement()
        .asString()
        .startsWith("ResearchStudy/nct06407297/_history/");
    assertThat(entities(operation, "24")).hasSize(1);

    String auditId = events.get("read").get(0).path("id").asText();
    String before =
        fhir().get("/AuditEvent/" + auditId).then().statusCode(200).extract().asString();
    ObjectNode tampered = (ObjectNode) JSON.readTree(before);
    tampered.put("outcomeDesc", "nothing happened");
    fhir()
        .body(tampered.toString())
        .put("/AuditEvent/" + auditId)
        .then()
        .statusCode(anyOf(is(403), is(405)))
        .body("resourceType", equalTo("OperationOutcome"));
    fhir()
        .delete("/AuditEvent/" + auditId)
        .then()
        .statusCode(anyOf(is(403), is(405)))
        .body("resourceType", equalTo("OperationOutcome"));
    ObjectNode forged = (ObjectNode) JSON.readTree(before);
    forged.remove("id");
    forged.remove("meta");
    fhir()
        .body(forged.toString())
        .post("/AuditEvent")
        .then()
        .statusCode(anyOf(is(403), is(405)))
        .body("resourceType", equalTo("OperationOutcome"));

    String after = fhir().get("/AuditEvent/" + auditId).then().statusCode(200).extract().asString();
    assertThat(JSON.readTree(after)).isEqualTo(JSON.readTree(before));
  }

  @Test
  void theTrailDoesNotStopAPatientBeingDeletedAndRecordsTheDelete() throws Exception {
    String id = createPatient(unique("Deleted"), "2014-01-10");
    fhir().get("/Patient/" + id).then().statusCode(200);
    awaitEvents(id, Set.of("create", "read"));

    // Entity references are version-specific, and HAPI lets only unversioned ones block a delete.
    fhir().delete("/Patient/" + id).then().statusCode(200);

    // A deleted patient can no longer be referenced, so the delete names it in text.
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    JsonNode delete = null;
    while (delete == null && System.currentTimeMillis() < deadline) {
      String bundle =
          fhir()
              .queryParam("subtype", "delete")
              .queryParam("_sort", "-date")
              .queryParam("_count", 50)
              .get("/AuditEvent")
              .then()
              .statusCode(200)
              .extract()
              .asString();
      for (JsonNode entry : JSON.readTree(bundle).path("entry")) {
        for (JsonNode entity : entry.path("resource").path("entity")) {
          if (entity.path("what").path("display").asText().startsWith("Patient/" + id + "/")) {
            delete = entry.path("resource");
          }
        }
      }
      Thread.sleep(200);
    }
    assertThat(delete).as("AuditEvent of the delete of Patient/%s", id).isNotNull();
    assertThat(delete.path("action").asText()).isEqualTo("D");
    // What was recorded before the delete still names the patient.
    awaitEvents(id, Set.of("create", "read"));
  }

  /**
   * HAPI runs a batch's GET entries on its own thread pool, where the caller's security context is
   * not: they were audited as {@code anonymous}. Each read names the client and the user.
   */
  @Test
  void readsInsideABatchNameTheRealClientAndUser() throws Exception {
    String id = createPatient(unique("Batch"), "2014-01-10");
    String client = unique("batch-client");
    String user = unique("batch-user");
    String token =
        TestTokens.token(
            "system/*.cruds", TestTokens.ALL_ROLES, null, Map.of("client_id", client, "sub", user));
    for (String type : List.of("batch", "transaction")) {
      fhirAs(token)
          .body(
              """
              {"resourceType":"Bundle","type":"%s","entry":[
                {"request":{"method":"GET","url":"Patient/%s"}},
                {"request":{"method":"GET","url":"Patient?_id=%s"}}]}
              """
                  .formatted(type, id, id))
          .post("/")
          .then()
          .statusCode(200);
    }

    List<JsonNode> reads = new ArrayList<>();
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (reads.size() < 4 && System.currentTimeMillis() < deadline) {
      Map<String, List<JsonNode>> events = awaitEvents(id, Set.of("search-type"));
      reads.clear();
      // HAPI hands a Bundle's read entry to BALP as a vread.
      reads.addAll(events.getOrDefault("vread", List.of()));
      reads.addAll(events.getOrDefault("read", List.of()));
      reads.addAll(events.get("search-type"));
      Thread.sleep(200);
    }
    assertThat(reads).as("two reads and two searches, one per Bundle entry").hasSize(4);
    for (JsonNode event : reads) {
      List<String> agents = new ArrayList<>();
      event
          .path("agent")
          .forEach(
              agent -> agents.add(agent.path("who").path("identifier").path("value").asText()));
      assertThat(agents).as(event.toString()).contains(client, user).doesNotContain("anonymous");
    }
  }

  /** A refused attempt is part of the trail: who tried to read what, and that it was refused. */
  @Test
  void aReadRefusedForWantOfATokenIsAudited() throws Exception {
    String id = createPatient(unique("Refused"), "2014-01-10");
    anonymous().get("/Patient/" + id).then().statusCode(401);

    JsonNode refused = awaitFailure("read", "Patient/" + id);
    assertThat(refused.path("outcomeDesc").asText()).contains("401");
  }

  /** So is any other failure: looking for a patient who is not there, a write that is rejected. */
  @Test
  void aReadOfAMissingPatientAndARejectedWriteAreAudited() throws Exception {
    String missing = unique("missing").toLowerCase(java.util.Locale.ROOT);
    fhir().get("/Patient/" + missing).then().statusCode(404);
    assertThat(awaitFailure("read", "Patient/" + missing).path("outcomeDesc").asText())
        .contains("404");

    String id = createPatient(unique("Rejected"), "2014-01-10");
    fhir()
        .contentType(FHIR_JSON)
        .body("{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"birthDate\":\"not-a-date\"}")
        .put("/Patient/" + id)
        .then()
        .statusCode(400);
    assertThat(awaitFailure("update", "Patient/" + id).path("outcomeDesc").asText())
        .contains("400");
  }

  private JsonNode awaitFailure(String subtype, String reference) throws Exception {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      String bundle =
          fhir()
              .queryParam("subtype", subtype)
              .queryParam("outcome", "4")
              .queryParam("_sort", "-date")
              .queryParam("_count", 50)
              .get("/AuditEvent")
              .then()
              .statusCode(200)
              .extract()
              .asString();
      for (JsonNode entry : JSON.readTree(bundle).path("entry")) {
        if (entry.path("resource").toString().contains(reference)) {
          assertThat(entry.path("resource").path("outcome").asText()).isEqualTo("4");
          return entry.path("resource");
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no AuditEvent of the failed " + subtype + " of " + reference);
  }
}
