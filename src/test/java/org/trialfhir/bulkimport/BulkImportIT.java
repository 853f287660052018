package org.trialfhir.bulkimport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * {@code $import}: NDJSON from this server's Binary resources and from allowed URLs, asynchronous
 * (202, Content-Location, progress, report, cancel), each chunk stored whole or not at all as the
 * caller, under the rules a REST write of each resource meets, with one AuditEvent per chunk.
 */
class BulkImportIT extends IntegrationTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NDJSON = "application/fhir+ndjson";
  private static final long WAIT_MILLIS = 120_000;

  // ---- helpers ------------------------------------------------------------------------------

  private String binary(String contentType, String data) {
    String body =
        """
        {"resourceType":"Binary","contentType":"%s","data":"%s"}"""
            .formatted(
                contentType,
                Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8)));
    return "Binary/"
        + fhir().body(body).post("/Binary").then().statusCode(201).extract().path("id");
  }

  private static String manifest(String... typeAndUrl) {
    StringBuilder inputs = new StringBuilder();
    for (int i = 0; i < typeAndUrl.length; i += 2) {
      inputs.append(
          """
          ,{"name":"input","part":[{"name":"type","valueString":"%s"},
            {"name":"url","valueUri":"%s"}]}"""
              .formatted(typeAndUrl[i], typeAndUrl[i + 1]));
    }
    return """
        {"resourceType":"Parameters","parameter":[
          {"name":"inputFormat","valueString":"application/fhir+ndjson"}%s]}"""
        .formatted(inputs);
  }

  private static Response kickOff(RequestSpecification as, String manifest) {
    return as.header("Prefer", "respond-async").body(manifest).post("/$import");
  }

  /** Starts an import and returns its status URL. */
  private static String start(RequestSpecification as, String manifest) {
    Response response = kickOff(as, manifest);
    response.then().statusCode(202);
    String location = response.header("Content-Location");
    assertThat(location).contains("/$import-poll-status?_jobId=");
    return location;
  }

  /** Polls until the import is no longer running; returns the last answer. */
  private Response await(String token, String location) throws Exception {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      // A fresh request each time: RestAssured keeps the URL's query parameters in a spec.
      Response response = fhirAs(token).get(location);
      if (response.statusCode() != 202) {
        return response;
      }
      assertThat(response.header("X-Progress")).isNotBlank();
      Thread.sleep(300);
    }
    throw new AssertionError("import still running after " + WAIT_MILLIS + " ms: " + location);
  }

  private JsonNode report(String token, String manifest) throws Exception {
    Response done = await(token, start(fhirAs(token), manifest));
    assertThat(done.statusCode()).as(done.asString()).isEqualTo(200);
    return JSON.readTree(done.asString());
  }

  private static int total(JsonNode report, String name) {
    for (JsonNode parameter : report.path("parameter")) {
      if (parameter.path("name").asText().equals(name)) {
        return parameter.path("valueInteger").asInt();
      }
    }
    throw new AssertionError("no " + name + " in " + report);
  }

  /** The report's part for one file, by its URL. */
  private static JsonNode file(JsonNode report, String url) {
    for (JsonNode parameter : report.path("parameter")) {
      if (parameter.path("name").asText().equals("file")
          && part(parameter, "url").path("valueUri").asText().equals(url)) {
        return parameter;
      }
    }
    throw new AssertionError("no file " + url + " in " + report);
  }

  private static JsonNode part(JsonNode parameter, String name) {
    for (JsonNode part : parameter.path("part")) {
      if (part.path("name").asText().equals(name)) {
        return part;
      }
    }
    return JSON.missingNode();
  }

  private static int count(JsonNode file, String name) {
    return part(file, name).path("valueInteger").asInt(-1);
  }

  /** The diagnostics of a file's OperationOutcome. */
  private static List<String> issues(JsonNode file) {
    List<String> issues = new ArrayList<>();
    for (JsonNode issue : part(file, "outcome").path("resource").path("issue")) {
      issues.add(issue.path("severity").asText() + ": " + issue.path("diagnostics").asText());
    }
    return issues;
  }

  private static String patient(String id, String family) {
    return """
        {"resourceType":"Patient","id":"%s","name":[{"family":"%s"}],"birthDate":"2014-01-10"}"""
        .formatted(id, family);
  }

  private static String observation(String patientReference) {
    return """
        {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},"subject":{"reference":"%s"},"effectiveDateTime":"2026-05-01","valueQuantity":{"value":58,"unit":"mmol/mol","system":"http://unitsofmeasure.org","code":"mmol/mol"}}"""
        .formatted(patientReference);
  }

  private int observationsOf(String patientId) {
    return fhir()
        .queryParam("subject", "Patient/" + patientId)
        .queryParam("_summary", "count")
        .get("/Observation")
        .then()
        .statusCode(200)
        .extract()
        .path("total");
  }

  private static String subjectOf(String token) throws Exception {
    String payload = token.split("\\.")[1];
    return JSON.readTree(Base64.getUrlDecoder().decode(payload)).path("sub").asText();
  }

  // ---- tests --------------------------------------------------------------------------------

  @Test
  void importsBinariesAsyncAsTheCallerWithOneAuditEventPerChunk() throws Exception {
    String id = unique("imp");
    String family = unique("Bulk");
    String observations =
        binary(NDJSON, observation("Patient/" + id) + "\n" + observation("Patient/" + id) + "\n");
    String patients = binary(NDJSON, patient(id, family) + "\n");
    String token = TestTokens.admin();

    // Observations listed first: the server stores the Patients first, as HAPI orders an import.
    Response accepted =
        kickOff(fhirAs(token), manifest("Observation", observations, "Patient", patients));
    accepted.then().statusCode(202);
    assertThat(accepted.jsonPath().getString("resourceType")).isEqualTo("OperationOutcome");
    String location = accepted.header("Content-Location");
    Response first = fhirAs(token).get(location);
    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(first.header("X-Progress")).contains("%");

    Response done = await(token, location);
    assertThat(done.statusCode()).as(done.asString()).isEqualTo(200);
    JsonNode report = JSON.readTree(done.asString());
    assertThat(total(report, "resources")).as(report.toString()).isEqualTo(3);
    assertThat(total(report, "stored")).isEqualTo(3);
    assertThat(total(report, "refused")).isZero();
    assertThat(count(file(report, patients), "created")).isEqualTo(1);
    assertThat(count(file(report, observations), "created")).isEqualTo(2);
    assertThat(issues(file(report, observations)))
        .containsExactly("information: All 2 resource(s) stored");

    fhir().get("/Patient/" + id).then().statusCode(200);
    assertThat(observationsOf(id)).isEqualTo(2);

    // The report is its requester's only.
    fhirAs(TestTokens.token("system/*.cruds", TestTokens.ALL_ROLES, null))
        .get(location)
        .then()
        .statusCode(404);

    // One AuditEvent per chunk (the Patient file's and the Observation file's), naming the
    // client and the user; none per resource.
    String user = subjectOf(token);
    List<JsonNode> chunks = new ArrayList<>();
    List<String> subtypes = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      JsonNode bundle =
          JSON.readTree(
              fhir()
                  .queryParam("patient", "Patient/" + id)
                  .queryParam("_count", 200)
                  .get("/AuditEvent")
                  .then()
                  .statusCode(200)
                  .extract()
                  .asString());
      chunks.clear();
      subtypes.clear();
      for (JsonNode entry : bundle.path("entry")) {
        JsonNode event = entry.path("resource");
        subtypes.add(event.path("subtype").path(0).path("code").asText());
        for (JsonNode entity : event.path("entity")) {
          if (entity.path("description").asText().startsWith("POST $import chunk of ")) {
            chunks.add(event);
          }
        }
      }
      if (chunks.size() >= 2) {
        break;
      }
      Thread.sleep(300);
    }
    assertThat(chunks).hasSize(2);
    assertThat(subtypes).doesNotContain("create", "update");
    for (JsonNode event : chunks) {
      assertThat(event.path("outcome").asText()).isEqualTo("0");
      assertThat(event.path("action").asText()).isEqualTo("C");
      List<String> agents = new ArrayList<>();
      for (JsonNode agent : event.path("agent")) {
        agents.add(agent.path("who").path("identifier").path("value").asText());
      }
      assertThat(agents).contains("test-client", user);
    }
  }

  @Test
  void aChunkWithARefusedResourceStoresNothingOfThatChunkAndTheReportSaysWhy() throws Exception {
    String prefix = unique("chunk");
    StringBuilder ndjson = new StringBuilder();
    for (int line = 1; line <= 150; line++) {
      if (line == 120) {
        // Refused by storage (a reference to nothing), after others of its chunk were written.
        ndjson.append(
            """
            {"resourceType":"Patient","id":"%s-120","generalPractitioner":[{"reference":"Practitioner/%s-none"}]}"""
                .formatted(prefix, prefix));
      } else if (line == 130) {
        ndjson.append("this is not JSON");
      } else if (line == 140) {
        ndjson.append(observation("Patient/" + prefix + "-1"));
      } else if (line == 145) {
        // Invalid against the base specification: validation refuses it.
        ndjson.append(
            """
            {"resourceType":"Patient","id":"%s-145","gender":"robot"}"""
                .formatted(prefix));
      } else {
        ndjson.append(patient(prefix + "-" + line, "Chunk"));
      }
      ndjson.append('\n');
    }
    String patients = binary(NDJSON, ndjson.toString());

    JsonNode report = report(TestTokens.admin(), manifest("Patient", patients));
    assertThat(total(report, "resources")).isEqualTo(150);
    assertThat(total(report, "stored")).isEqualTo(100);
    assertThat(total(report, "refused")).isEqualTo(4);
    assertThat(total(report, "notStored")).isEqualTo(46);
    List<String> issues = issues(file(report, patients));
    assertThat(issues).hasSize(5);
    assertThat(issues.get(0))
        .startsWith("error: line 120 (HTTP 4")
        .contains("Practitioner/" + prefix + "-none");
    assertThat(issues.get(1)).startsWith("error: line 130 (HTTP 400)");
    assertThat(issues.get(2))
        .startsWith("error: line 140 (HTTP 400)")
        .contains("Observation", "declared to hold Patient");
    assertThat(issues.get(3)).startsWith("error: line 145 (HTTP 4").contains("robot");
    assertThat(issues.get(4)).startsWith("warning: 46 resource(s)");

    // The first chunk (lines 1-100) is stored; nothing of the second (101-150).
    fhir().get("/Patient/" + prefix + "-1").then().statusCode(200);
    fhir().get("/Patient/" + prefix + "-100").then().statusCode(200);
    fhir().get("/Patient/" + prefix + "-101").then().statusCode(404);
    fhir().get("/Patient/" + prefix + "-119").then().statusCode(404);
    fhir().get("/Patient/" + prefix + "-150").then().statusCode(404);
  }

  @Test
  void idsResolvedOnceForAChunkGiveTheOutcomesOfWritingOneByOne() throws Exception {
    String p = unique("pre");
    fhir().body(patient(p + "-kept", "Kept")).put("/Patient/" + p + "-kept").then().statusCode(201);
    for (String gone : List.of(p + "-back", p + "-gone")) {
      fhir().body(patient(gone, "Gone")).put("/Patient/" + gone).then().statusCode(201);
      fhir().delete("/Patient/" + gone).then().statusCode(200);
    }
    // What REST answers a write that refers to a deleted patient.
    String rest =
        fhir()
            .body(observation("Patient/" + p + "-gone"))
            .post("/Observation")
            .then()
            .statusCode(400)
            .extract()
            .path("issue[0].diagnostics");

    // A new patient, and one whose id was deleted (a PUT stores it again, as by REST).
    String patients =
        binary(NDJSON, patient(p + "-new", "New") + "\n" + patient(p + "-back", "Back") + "\n");
    // Stored before, stored by the file before, stored again by the file before, twice the same.
    String good =
        binary(
            NDJSON,
            String.join(
                "\n",
                observation("Patient/" + p + "-kept"),
                observation("Patient/" + p + "-new"),
                observation("Patient/" + p + "-back"),
                observation("Patient/" + p + "-kept")));
    String deleted = binary(NDJSON, observation("Patient/" + p + "-gone") + "\n");
    String missing = binary(NDJSON, observation("Patient/" + p + "-never") + "\n");

    JsonNode report =
        report(
            TestTokens.admin(),
            manifest(
                "Patient",
                patients,
                "Observation",
                good,
                "Observation",
                deleted,
                "Observation",
                missing));
    assertThat(count(file(report, patients), "created") + count(file(report, patients), "updated"))
        .isEqualTo(2);
    fhir().get("/Patient/" + p + "-back").then().statusCode(200);
    assertThat(count(file(report, good), "created")).isEqualTo(4);
    assertThat(observationsOf(p + "-kept")).isEqualTo(2);
    assertThat(observationsOf(p + "-back")).isEqualTo(1);
    assertThat(issues(file(report, deleted)))
        .singleElement()
        .asString()
        .startsWith("error: line 1 (HTTP 400)")
        // Up to the search parameter path, which names whichever of subject and patient HAPI
        // happens to index first, by REST as by import.
        .contains(rest.substring(0, rest.indexOf(" specified in path")));
    assertThat(issues(file(report, missing)))
        .singleElement()
        .asString()
        .startsWith("error: line 1 (HTTP 400)")
        .contains("Patient/" + p + "-never");
    fhir().get("/Patient/" + p + "-gone").then().statusCode(410);
  }

  @Test
  void aFileOfManyRefusalsListsTheFirstHundredAndCountsTheRest() throws Exception {
    // 130 lines that are not JSON: each refused, lines 1-100 listed, 30 counted in one issue.
    String bad = binary(NDJSON, "this is not JSON\n".repeat(130));

    JsonNode report = report(TestTokens.admin(), manifest("Patient", bad));
    assertThat(total(report, "refused")).isEqualTo(130);
    JsonNode file = file(report, bad);
    assertThat(count(file, "refused")).isEqualTo(130);
    List<String> issues = issues(file);
    assertThat(issues).hasSize(101);
    assertThat(issues.get(0)).startsWith("error: line 1 (HTTP 400)");
    assertThat(issues.get(99)).startsWith("error: line 100 (HTTP 400)");
    assertThat(issues.get(100))
        .startsWith("error: 30 more resource(s)")
        .contains("trialfhir.bulk-import.max-refusals-listed");
  }

  @Test
  void aRequestNamingMoreInputsThanTheLimitIsRefusedBeforeAnyIsRead() {
    String[] inputs = new String[2 * 1001];
    for (int i = 0; i < 1001; i++) {
      inputs[2 * i] = "Patient";
      // Not allowed sources: checked one by one, each would be refused with its own message.
      inputs[2 * i + 1] = "http://nowhere.invalid/" + i + ".ndjson";
    }
    Response refused = kickOff(fhir(), manifest(inputs));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.asString())
        .contains("at most 1000 inputs", "trialfhir.bulk-import.max-inputs", "has 1001")
        .doesNotContain("nowhere.invalid");
  }

  @Test
  void urlsFromAllowedSourcesAndEveryProblemOfAFileAreReported() throws Exception {
    String id = unique("url");
    String good = NdjsonTestServer.serve(NDJSON, patient(id, "Url") + "\n");
    String missing = NdjsonTestServer.allowedSource() + unique("gone") + ".ndjson";
    String html =
        NdjsonTestServer.serve("text/html", "<html>" + patient(unique("h"), "H") + "</html>\n");
    String huge =
        NdjsonTestServer.serve(
            NDJSON,
            "{\"resourceType\":\"Patient\",\"id\":\""
                + unique("huge")
                + "\",\"name\":[{\"family\":\""
                + "x".repeat(1_000_100)
                + "\"}]}\n");
    String unknown =
        NdjsonTestServer.serve(NDJSON, "{\"resourceType\":\"Spaceship\",\"id\":\"x\"}\n");
    String empty = NdjsonTestServer.serve(NDJSON, "\n\n");

    JsonNode report =
        report(
            TestTokens.admin(),
            manifest(
                "Patient", good, "Patient", missing, "Patient", html, "Patient", huge, "Patient",
                unknown, "Patient", empty));
    assertThat(count(file(report, good), "created")).isEqualTo(1);
    fhir().get("/Patient/" + id).then().statusCode(200);
    assertThat(issues(file(report, missing))).singleElement().asString().contains("HTTP 404");
    assertThat(issues(file(report, html)))
        .singleElement()
        .asString()
        .contains("text/html", "not NDJSON");
    assertThat(issues(file(report, huge)))
        .first()
        .asString()
        .startsWith("error: line 1 (HTTP 413)")
        .contains("max-line-length");
    assertThat(issues(file(report, unknown)))
        .first()
        .asString()
        .startsWith("error: line 1 (HTTP 400)")
        .contains("Spaceship");
    assertThat(issues(file(report, empty))).singleElement().asString().contains("no resources");
    assertThat(total(report, "stored")).isEqualTo(1);
  }

  @Test
  void badRequestsAreRefusedAtKickOffWithAnOperationOutcome() {
    String ok = binary(NDJSON, patient(unique("k"), "K") + "\n");
    String json = binary("application/fhir+json", patient(unique("k"), "K"));
    String port =
        NdjsonTestServer.allowedSource().replaceAll("^http://127\\.0\\.0\\.1:(\\d+)/.*$", "$1");
    Map<String, String> refused =
        Map.ofEntries(
            Map.entry(
                manifest("Patient", ok).replace("application/fhir+ndjson", "application/json"),
                "inputFormat"),
            Map.entry(manifest("Spaceship", ok), "Spaceship"),
            Map.entry(manifest(), "at least one 'input'"),
            Map.entry(
                manifest("Patient", ok)
                    .replace("\"parameter\":[", "\"parameter\":[{\"valueString\":\"x\"},"),
                "parameter 1 of the $import body has no name"),
            Map.entry(
                manifest("Patient", ok).replace("{\"name\":\"type\",", "{"),
                "a part of an 'input' of the $import body has no name"),
            Map.entry(manifest("Patient", json), "not NDJSON"),
            Map.entry(
                manifest("Patient", "http://169.254.169.254/latest/meta-data/"), "allowed-sources"),
            Map.entry(manifest("Patient", "file:///etc/passwd"), "allowed-sources"),
            Map.entry(
                manifest("Patient", "http://127.0.0.1:" + port + "/elsewhere/x.ndjson"),
                "allowed-sources"),
            Map.entry(
                manifest("Patient", "http://127.0.0.1:" + port + "@evil.example/ndjson/x.ndjson"),
                "allowed-sources"),
            Map.entry(
                manifest("Patient", "http://127.0.0.1:" + port + "/ndjson/../admin/x.ndjson"),
                "allowed-sources"));
    refused.forEach(
        (manifest, named) -> {
          Response response = kickOff(fhir(), manifest);
          assertThat(response.statusCode()).as(manifest).isEqualTo(400);
          assertThat(response.jsonPath().getString("resourceType")).isEqualTo("OperationOutcome");
          assertThat(response.asString()).as(manifest).contains(named);
        });

    // Without Prefer: respond-async
    fhir().body(manifest("Patient", ok)).post("/$import").then().statusCode(400);
    // A Binary that is not there
    kickOff(fhir(), manifest("Patient", "Binary/" + unique("none"))).then().statusCode(404);
    // Status of an import that does not exist, and cancelling one
    fhir().get("/$import-poll-status?_jobId=" + unique("job")).then().statusCode(404);
    fhir().delete("/$import-poll-status?_jobId=" + unique("job")).then().statusCode(404);
  }

  @Test
  void anImportMayStoreOnlyWhatItsCallerMayWrite() throws Exception {
    // No write scope on Observation: refused before anything is queued.
    String labs = NdjsonTestServer.serve(NDJSON, observation("Patient/x") + "\n");
    Response refused =
        kickOff(
            fhirAs(TestTokens.token("system/Patient.cruds", List.of("coordinator"), null)),
            manifest("Observation", labs));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.asString()).contains("Observation");
    // A Binary the caller may not read (no Binary scope) is not read for them either.
    String file = binary(NDJSON, patient(unique("nb"), "NoBinary") + "\n");
    Response unreadable =
        kickOff(
            fhirAs(TestTokens.token("system/Patient.cruds", List.of("coordinator"), null)),
            manifest("Patient", file));
    assertThat(unreadable.statusCode()).as(unreadable.asString()).isEqualTo(403);
    // No write scope at all: not even the operation.
    kickOff(
            fhirAs(TestTokens.token("system/*.rs", List.of("coordinator"), null)),
            manifest("Patient", labs))
        .then()
        .statusCode(403);

    // An EHR system imports only its own organisation's patients' data.
    String ours = organization(unique("Ours"));
    String theirs = organization(unique("Theirs"));
    String foreign = unique("foreign");
    fhir().body(patientOf(foreign, theirs)).put("/Patient/" + foreign).then().statusCode(201);
    String ehr =
        TestTokens.token(
            "system/Patient.cruds system/Observation.cruds",
            List.of("ehr-system"),
            null,
            Map.of("organization", "Organization/" + ours));
    String own = unique("own");
    String ownPatients = NdjsonTestServer.serve(NDJSON, patientOf(own, ours) + "\n");
    String foreignLabs =
        NdjsonTestServer.serve(
            NDJSON,
            observation("Patient/" + own) + "\n" + observation("Patient/" + foreign) + "\n");
    String takeOver = NdjsonTestServer.serve(NDJSON, patientOf(unique("stolen"), theirs) + "\n");
    JsonNode report =
        report(
            ehr, manifest("Patient", ownPatients, "Observation", foreignLabs, "Patient", takeOver));
    assertThat(count(file(report, ownPatients), "created")).isEqualTo(1);
    assertThat(count(file(report, foreignLabs), "refused")).isEqualTo(1);
    assertThat(count(file(report, foreignLabs), "notStored")).isEqualTo(1);
    assertThat(issues(file(report, foreignLabs)).get(0)).startsWith("error: line 2 (HTTP 403)");
    assertThat(count(file(report, takeOver), "refused")).isEqualTo(1);
    assertThat(observationsOf(foreign)).isZero();
    assertThat(observationsOf(own)).isZero(); // same chunk as the refused one: not stored

    // A blinded caller cannot write treatment allocations, by import either.
    String allocation = unique("alloc");
    String allocations =
        NdjsonTestServer.serve(
            NDJSON,
            """
            {"resourceType":"Basic","id":"%s","code":{"text":"treatment allocation"}}
            """
                .formatted(allocation));
    JsonNode blinded =
        report(
            TestTokens.token("system/*.cruds", List.of("coordinator"), null),
            manifest("Basic", allocations));
    assertThat(count(file(blinded, allocations), "refused")).isEqualTo(1);
    assertThat(issues(file(blinded, allocations)).get(0)).contains("HTTP 403", "allocations");
    fhir().get("/Basic/" + allocation).then().statusCode(404);
  }

  @Test
  void aLineIsAuthorisedAsItsRestWriteBeforeAnythingIsStoredOrChecked() throws Exception {
    // A line with an id is a PUT: a create-only scope may not choose the id, exactly as by REST.
    String createOnly = TestTokens.token("system/Patient.c", List.of("coordinator"), null);
    String put = unique("put");
    String rest =
        fhirAs(createOnly)
            .body(patient(put, "Put"))
            .put("/Patient/" + put)
            .then()
            .statusCode(403)
            .extract()
            .path("issue[0].diagnostics");
    String chosen = unique("chosen");
    String withId = NdjsonTestServer.serve(NDJSON, patient(chosen, "Chosen") + "\n");
    String withoutId =
        NdjsonTestServer.serve(
            NDJSON,
            """
            {"resourceType":"Patient","name":[{"family":"NoId"}],"birthDate":"2014-01-10"}
            """);
    JsonNode report = report(createOnly, manifest("Patient", withId, "Patient", withoutId));
    assertThat(count(file(report, withId), "refused")).isEqualTo(1);
    assertThat(issues(file(report, withId)))
        .singleElement()
        .asString()
        .isEqualTo("error: line 1 (HTTP 403): " + rest + "; nothing of its chunk was stored");
    fhir().get("/Patient/" + chosen).then().statusCode(404);
    assertThat(count(file(report, withoutId), "created")).isEqualTo(1);

    // Writing an AuditEvent is refused the same way whether or not the id exists: no oracle.
    String existing =
        fhir()
            .queryParam("_count", 1)
            .get("/AuditEvent")
            .then()
            .statusCode(200)
            .extract()
            .path("entry[0].resource.id");
    assertThat(existing).isNotBlank();
    String event =
        """
        {"resourceType":"AuditEvent","id":"%s","type":{"code":"rest"},"recorded":"2026-01-01T00:00:00Z","agent":[{"requestor":true}],"source":{"observer":{"display":"import"}}}
        """;
    String overwrite = NdjsonTestServer.serve(NDJSON, event.formatted(existing));
    String invent = NdjsonTestServer.serve(NDJSON, event.formatted(unique("invented")));
    JsonNode audit =
        report(
            TestTokens.token("system/*.cruds", List.of("coordinator"), null),
            manifest("AuditEvent", overwrite, "AuditEvent", invent));
    List<String> overwritten = issues(file(audit, overwrite));
    assertThat(overwritten)
        .singleElement()
        .asString()
        .startsWith("error: line 1 (HTTP 403)")
        .contains("AuditEvents are written by the server only");
    assertThat(issues(file(audit, invent))).isEqualTo(overwritten);
  }

  @Test
  void anImportCanBeCancelled() throws Exception {
    StringBuilder ndjson = new StringBuilder();
    String prefix = unique("cancel");
    for (int line = 1; line <= 400; line++) {
      ndjson.append(patient(prefix + "-" + line, "Cancel")).append('\n');
    }
    String location = start(fhir(), manifest("Patient", binary(NDJSON, ndjson.toString())));
    fhir().delete(location).then().statusCode(202);
    Response done = await(TestTokens.admin(), location);
    assertThat(done.statusCode()).isEqualTo(404);
    assertThat(done.asString()).contains("cancelled");
  }

  private String organization(String name) {
    return fhir()
        .body("{\"resourceType\":\"Organization\",\"name\":\"" + name + "\"}")
        .post("/Organization")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }

  private static String patientOf(String id, String organization) {
    return """
        {"resourceType":"Patient","id":"%s","name":[{"family":"Ehr"}],"managingOrganization":{"reference":"Organization/%s"}}"""
        .formatted(id, organization);
  }
}
