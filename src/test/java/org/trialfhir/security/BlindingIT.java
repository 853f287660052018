package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.trialfhir.eligibility.PatientFixture.CONSENT;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;
import static org.trialfhir.eligibility.PatientFixture.researchConsent;

import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * Blinding over HTTP: a caller without the {@code unblinded} role never sees a treatment allocation
 * of a masked study, on any path that shows resources (read, vread, search, _revinclude, _include,
 * instance, type and system history, $everything, batch and transaction responses), and sees a
 * masked study's ResearchSubject without {@code assignedArm}; the unblinded caller sees all of it.
 * Bulk export is blinded (and de-identified) for everyone; GraphQL is not offered.
 *
 * <p>One masked, randomised study (as in the enrolment tests) is set up for the whole class: one
 * patient enrolled through {@code $enroll}, so that there are an allocation Basic and the study's
 * sequence Basic (both labelled {@code treatment-allocation}), and one ResearchSubject written
 * directly, on study (entered late) with {@code assignedArm}, for another patient (a subject not
 * enrolled has no arm).
 */
@Tag("persistence")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BlindingIT extends IntegrationTestBase {

  private static final String DATE = "2026-06-15";
  private static final String CRITERIA_GROUP = "Group/nct06407297-eligibility";
  private static final String EXPERIMENTAL = "Experimental group";
  private static final String PLACEBO = "Placebo Comparator group";
  private static final List<String> MANUAL_REVIEW =
      List.of(
          "exc-infection",
          "exc-organ-disease",
          "exc-pregnancy-plans",
          "exc-compliance",
          "exc-investigator");
  private static final String TREATMENT_ALLOCATION =
      "http://trialfhir.org/fhir/StructureDefinition/treatment-allocation";
  private static final String ALLOCATION_KIND =
      "http://trialfhir.org/fhir/CodeSystem/allocation-kind";
  private static final String SECURITY_LABEL =
      "http://trialfhir.org/fhir/CodeSystem/security-label";

  /** The study team without the unblinded role: may read everything, but is blinded. */
  private static final String BLINDED = TestTokens.token("user/*.rs", List.of("coordinator"), null);

  /** The same, allowed to write too (for batch and transaction responses). */
  private static final String BLINDED_WRITER =
      TestTokens.token("user/*.cruds", List.of("coordinator"), null);

  /** E.g. the pharmacist who dispenses by arm. */
  private static final String UNBLINDED = TestTokens.token("user/*.rs", List.of("unblinded"), null);

  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired private IJobMaintenanceService jobMaintenance;

  private String study;

  /** The enrolled patient, its ResearchSubject, its allocation Basic, the sequence Basic. */
  private String pid;

  private String sid;
  private String aid;
  private String sequenceId;

  /** The directly written on-study ResearchSubject with assignedArm, and its JSON (no id). */
  private String directSid;

  private String directJson;

  @BeforeAll
  void oneEnrolledAndOneDirectlyWrittenSubject() throws InterruptedException {
    // Runs before the base class's @BeforeEach, which would point RestAssured at the server.
    RestAssured.port = port;
    RestAssured.basePath = "";

    study = createStudy(24, unique("seed"));
    pid = loadEligiblePatient(study);
    JsonPath subject = enroll(study, pid);
    sid = subject.getString("id");
    String allocation =
        subject.getString(
            "extension.find { it.url == '" + TREATMENT_ALLOCATION + "' }.valueReference.reference");
    assertThat(allocation).as(subject.prettify()).isNotNull();
    aid = typeAndId(allocation).substring("Basic/".length());
    sequenceId =
        fhir()
            .queryParam("code", ALLOCATION_KIND + "|allocation-sequence")
            .queryParam("subject", "ResearchStudy/" + study)
            .get("/Basic")
            .then()
            .statusCode(200)
            .extract()
            .path("entry[0].resource.id");
    assertThat(sequenceId).isNotNull();
    // What is to be hidden really is there, labelled, for a caller who may see it.
    for (String basic : List.of(aid, sequenceId)) {
      String body = fhir().get("/Basic/" + basic).then().statusCode(200).extract().asString();
      assertThat(body).contains(SECURITY_LABEL);
      assertThat(hasArm(body)).as(body).isTrue();
    }

    String other = createPatient(unique("Blinding"), "2014-01-10");
    directJson =
        """
        {"resourceType":"ResearchSubject","status":"on-study","period":{"start":"%s"},
         "extension":[{"url":"http://trialfhir.org/fhir/StructureDefinition/late-entry",
                       "valueString":"Entered from the paper CRF"}],
         "study":{"reference":"ResearchStudy/%s"},
         "individual":{"reference":"Patient/%s"},
         "assignedArm":"%s"}
        """
            .formatted(DATE, study, other, EXPERIMENTAL);
    directSid =
        fhir()
            .body(directJson)
            .post("/ResearchSubject")
            .then()
            .statusCode(201)
            .extract()
            .path("id");

    // A real patient has an audit trail (every access is recorded); have it before $everything.
    awaitAuditEventFor(pid);
  }

  // ============================================================================ read, vread

  @Test
  void aBlindedCallerCannotReadAnAllocation() {
    for (String basic : List.of(aid, sequenceId)) {
      assertHidden(fhirAs(BLINDED).get("/Basic/" + basic));
    }

    for (String basic : List.of(aid, sequenceId)) {
      String body =
          fhirAs(UNBLINDED).get("/Basic/" + basic).then().statusCode(200).extract().asString();
      assertThat(hasArm(body)).as(body).isTrue();
    }
  }

  @Test
  void aBlindedCallerCannotReadAVersionOfAnAllocation() {
    assertHidden(fhirAs(BLINDED).get("/Basic/" + aid + "/_history/1"));

    String body =
        fhirAs(UNBLINDED)
            .get("/Basic/" + aid + "/_history/1")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(hasArm(body)).as(body).isTrue();
  }

  // ============================================================================ search

  @Test
  void aBlindedCallerFindsNoAllocation() {
    List<Map<String, String>> searches =
        List.of(
            Map.of("subject", "Patient/" + pid),
            Map.of("code", ALLOCATION_KIND + "|allocation"),
            Map.of("code", ALLOCATION_KIND + "|allocation-sequence"),
            Map.of("subject", "ResearchStudy/" + study),
            Map.of("_id", aid + "," + sequenceId));
    for (Map<String, String> search : searches) {
      assertHidden(fhirAs(BLINDED).queryParams(search).get("/Basic"));
    }

    assertThat(basicIds(searchAs(UNBLINDED, "/Basic", Map.of("subject", "Patient/" + pid))))
        .containsExactly(aid);
    assertThat(
            basicIds(
                searchAs(UNBLINDED, "/Basic", Map.of("code", ALLOCATION_KIND + "|allocation"))))
        .isNotEmpty();
    assertThat(basicIds(searchAs(UNBLINDED, "/Basic", Map.of("subject", "ResearchStudy/" + study))))
        .containsExactly(sequenceId);
  }

  @Test
  void aBlindedCallersRevincludeBringsNoAllocation() {
    Map<String, String> query = Map.of("_id", pid, "_revinclude", "Basic:subject");

    String blinded = searchAs(BLINDED, "/Patient", query);
    assertThat(ids(blinded, "Patient")).containsExactly(pid);
    assertNoArm(blinded);
    assertThat(basicIds(blinded)).isEmpty();

    assertThat(basicIds(searchAs(UNBLINDED, "/Patient", query))).containsExactly(aid);
  }

  @Test
  void aBlindedCallersIncludeBringsNoAllocation() {
    Map<String, String> query = Map.of("_id", sid, "_include", "*");

    String blinded = searchAs(BLINDED, "/ResearchSubject", query);
    assertThat(ids(blinded, "ResearchSubject")).containsExactly(sid);
    assertNoArm(blinded);
    assertThat(basicIds(blinded)).isEmpty();

    searchAs(UNBLINDED, "/ResearchSubject", query);
  }

  // ============================================================================ history

  @Test
  void aBlindedCallerSeesNoAllocationInAnyHistory() {
    List<Response> histories =
        List.of(
            fhirAs(BLINDED).get("/Basic/" + aid + "/_history"),
            fhirAs(BLINDED).get("/Basic/" + sequenceId + "/_history"),
            fhirAs(BLINDED).get("/Basic/_history"),
            fhirAs(BLINDED).queryParam("_type", "Basic").get("/_history"));
    for (Response history : histories) {
      assertHidden(history);
    }

    String unblinded =
        fhirAs(UNBLINDED)
            .get("/Basic/" + aid + "/_history")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(basicIds(unblinded)).contains(aid);
    assertThat(hasArm(unblinded)).as(unblinded).isTrue();
  }

  // ============================================================================ writes

  @Test
  void aBlindedCallerCannotProbeOrChangeAllocations() {
    String patch =
        """
        [{"op":"test","path":"/extension/0/extension/0/valueString","value":"Experimental group"}]
        """;
    fhirAs(BLINDED_WRITER)
        .contentType("application/json-patch+json")
        .body(patch)
        .patch("/Basic/" + aid)
        .then()
        .statusCode(403);
    fhirAs(BLINDED_WRITER).delete("/Basic/" + aid).then().statusCode(403);
    fhirAs(BLINDED_WRITER)
        .body(
            """
            {"resourceType":"SearchParameter","url":"http://example.org/sp/arm","name":"arm",
             "status":"active","code":"arm","base":["Basic"],"type":"string",
             "expression":"Basic.extension.extension.value"}
            """)
        .post("/SearchParameter")
        .then()
        .statusCode(403);
    fhir().get("/Basic/" + aid).then().statusCode(200);

    String unmasked =
        fhir()
            .get("/ResearchStudy/" + study)
            .then()
            .extract()
            .asString()
            .replace("QUADRUPLE", "NONE");
    fhirAs(BLINDED_WRITER).body(unmasked).put("/ResearchStudy/" + study).then().statusCode(403);
  }

  // ============================================================================ $everything

  @Test
  void aBlindedCallersEverythingHoldsNoAllocation() {
    Response blinded =
        fhirAs(BLINDED).queryParam("_count", 200).get("/Patient/" + pid + "/$everything");
    assertHidden(blinded);

    Response unblinded =
        fhirAs(UNBLINDED).queryParam("_count", 200).get("/Patient/" + pid + "/$everything");
    assertThat(unblinded.statusCode()).as(unblinded.asString()).isEqualTo(200);
    assertThat(basicIds(unblinded.asString())).contains(aid);
    assertThat(hasArm(unblinded.asString())).isTrue();

    // The blinded caller may run $everything at all (what it sees is only without allocations).
    assertThat(blinded.statusCode()).as(blinded.asString()).isEqualTo(200);
    assertThat(ids(blinded.asString(), "Patient")).containsExactly(pid);
    assertThat(ids(blinded.asString(), "ResearchSubject")).contains(sid);
  }

  // ============================================================================ bundles

  @Test
  void aBlindedCallerCannotPatchASubjectToLearnItsArm() {
    String copy =
        """
        [{"op":"add","path":"/identifier","value":[{"system":"urn:probe","value":"x"}]},
         {"op":"copy","from":"/assignedArm","path":"/identifier/0/value"}]
        """;
    String test = "[{\"op\":\"test\",\"path\":\"/assignedArm\",\"value\":\"%s\"}]";
    for (String patch : List.of(copy, test.formatted(EXPERIMENTAL), test.formatted(PLACEBO))) {
      Response response =
          fhirAs(BLINDED_WRITER)
              .contentType("application/json-patch+json")
              .body(patch)
              .patch("/ResearchSubject/" + directSid);
      assertThat(response.statusCode()).as(response.asString()).isEqualTo(403);
      assertThat(response.asString()).doesNotContain(EXPERIMENTAL).doesNotContain(PLACEBO);
    }
    String encoded =
        java.util.Base64.getEncoder()
            .encodeToString(copy.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String transaction =
        """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json",
                       "data":"%s"},
           "request":{"method":"PATCH","url":"ResearchSubject/%s"}}]}
        """
            .formatted(encoded, directSid);
    Response inBundle = fhirAs(BLINDED_WRITER).body(transaction).post("/");
    assertThat(inBundle.statusCode()).as(inBundle.asString()).isEqualTo(403);
    assertThat(fhir().get("/ResearchSubject/" + directSid).asString()).doesNotContain("urn:probe");
  }

  @Test
  void aBlindedCallerCannotCreateASubjectWithAnArm() {
    String other = createPatient(unique("Blinding"), "2013-05-02");
    String withArm = directJson.replaceAll("Patient/[^\"]+", "Patient/" + other);
    Response refused = fhirAs(BLINDED_WRITER).body(withArm).post("/ResearchSubject");
    assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(403);
    assertThat(refused.asString()).doesNotContain(EXPERIMENTAL);
    Response actual =
        fhirAs(BLINDED_WRITER)
            .body(withArm.replace("\"assignedArm\"", "\"actualArm\""))
            .post("/ResearchSubject");
    assertThat(actual.statusCode()).as(actual.asString()).isEqualTo(403);

    String withoutArm = withArm.replaceAll(",\\s*\"assignedArm\":\"[^\"]*\"", "");
    assertThat(withoutArm).doesNotContain("assignedArm");
    String created =
        fhirAs(BLINDED_WRITER)
            .body(withoutArm)
            .post("/ResearchSubject")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    // The other tests count this study's subjects.
    fhir().delete("/ResearchSubject/" + created).then().statusCode(200);
  }

  @Test
  void aBlindedCallerCannotMoveASubjectWithAnArmToAnOpenLabelStudy() {
    String open = unique("open");
    fhir()
        .body(
            """
            {"resourceType":"ResearchStudy","id":"%s","status":"active","title":"Open %s",
             "extension":[
               {"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign",
                "valueCodeableConcept":{"coding":[
                  {"system":"http://trialfhir.org/fhir/CodeSystem/ctgov-masking","code":"NONE"}]}}]}
            """
                .formatted(open, open))
        .put("/ResearchStudy/" + open)
        .then()
        .statusCode(201);
    String moved =
        directJson
            .replace("ResearchStudy/" + study, "ResearchStudy/" + open)
            .replaceFirst("\\{", "{\"id\":\"" + directSid + "\",");
    Response response = fhirAs(BLINDED_WRITER).body(moved).put("/ResearchSubject/" + directSid);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(403);
    assertThat(response.asString()).doesNotContain(EXPERIMENTAL);
    assertNoArm(fhirAs(BLINDED).get("/ResearchSubject/" + directSid).asString());
  }

  @Test
  void theRandomisationSeedIsShownOnlyToTheUnblinded() {
    String seedPart = "\"url\":\"seed\"";
    assertThat(fhir().get("/ResearchStudy/" + study).asString()).contains(seedPart);
    assertThat(fhirAs(UNBLINDED).get("/ResearchStudy/" + study).asString()).contains(seedPart);
    String shown =
        fhirAs(BLINDED).get("/ResearchStudy/" + study).then().statusCode(200).extract().asString();
    assertThat(shown).contains("randomisation").doesNotContain(seedPart);
    assertThat(anonymous().get("/ResearchStudy/" + study).asString()).doesNotContain(seedPart);
    assertThat(anonymous().queryParam("_id", study).get("/ResearchStudy").asString())
        .contains(study)
        .doesNotContain(seedPart);
    // A blinded writer's PUT of the study as shown keeps the stored seed.
    Response put = fhirAs(BLINDED_WRITER).body(shown).put("/ResearchStudy/" + study);
    assertThat(put.statusCode()).as(put.asString()).isEqualTo(200);
    assertThat(put.asString()).doesNotContain(seedPart);
    assertThat(fhir().get("/ResearchStudy/" + study).asString()).contains(seedPart);
  }

  @Test
  void aBlindedCallersBatchResponseHoldsNoArm() {
    ObjectNode bundle = JSON.createObjectNode().put("resourceType", "Bundle").put("type", "batch");
    ArrayNode entries = bundle.putArray("entry");
    entries.add(putEntry());
    entries.add(getEntry("Basic/" + aid));
    entries.add(getEntry("ResearchSubject/" + directSid));

    Response response =
        fhirAs(BLINDED_WRITER)
            .header("Prefer", "return=representation")
            .body(bundle.toString())
            .post("/");

    String body = response.asString();
    assertThat(response.statusCode()).as(body).isEqualTo(200);
    assertNoArm(body);
    assertThat(basicIds(body)).isEmpty();
    JsonNode read = tree(body).path("entry").path(2);
    assertThat(read.path("resource").path("resourceType").asText())
        .as(body)
        .isEqualTo("ResearchSubject");
    assertThat(read.path("resource").has("assignedArm")).as(body).isFalse();
  }

  @Test
  void aBlindedCallersTransactionResponseHoldsNoArm() {
    ObjectNode bundle =
        JSON.createObjectNode().put("resourceType", "Bundle").put("type", "transaction");
    bundle.putArray("entry").add(putEntry());

    Response response =
        fhirAs(BLINDED_WRITER)
            .header("Prefer", "return=representation")
            .body(bundle.toString())
            .post("/");

    String body = response.asString();
    assertThat(response.statusCode()).as(body).isEqualTo(200);
    assertNoArm(body);
    assertThat(body).doesNotContain("assignedArm");
  }

  // ============================================================================ ResearchSubject

  @Test
  void aMaskedStudysSubjectIsShownWithoutItsArm() {
    JsonNode blinded =
        tree(
            fhirAs(BLINDED)
                .get("/ResearchSubject/" + directSid)
                .then()
                .statusCode(200)
                .extract()
                .asString());
    assertThat(blinded.path("resourceType").asText()).isEqualTo("ResearchSubject");
    assertThat(blinded.has("assignedArm")).as(blinded.toString()).isFalse();
    assertThat(blinded.has("actualArm")).as(blinded.toString()).isFalse();
    assertNoArm(blinded.toString());

    fhirAs(UNBLINDED)
        .get("/ResearchSubject/" + directSid)
        .then()
        .statusCode(200)
        .body("assignedArm", equalTo(EXPERIMENTAL));

    // The enrolled subject: no arm on it, and the allocation it points to stays hidden.
    String enrolled =
        fhirAs(BLINDED).get("/ResearchSubject/" + sid).then().statusCode(200).extract().asString();
    assertNoArm(enrolled);
  }

  @Test
  void aBlindedSearchOfTheStudysSubjectsShowsNoArm() {
    Map<String, String> query = Map.of("study", "ResearchStudy/" + study);

    String blinded = searchAs(BLINDED, "/ResearchSubject", query);
    assertThat(ids(blinded, "ResearchSubject")).containsExactlyInAnyOrder(sid, directSid);
    assertThat(blinded).doesNotContain("assignedArm").doesNotContain("actualArm");
    assertNoArm(blinded);

    assertThat(searchAs(UNBLINDED, "/ResearchSubject", query)).contains("assignedArm");
  }

  // ============================================================================ closed paths

  /**
   * Bulk Data export is the registry's channel: refused to the study team, and what it writes is
   * blinded even for a registry that also holds the unblinded role, de-identified, and readable
   * only by the client that asked for it.
   */
  @Test
  void bulkExportIsTheRegistrysAndIsBlindedAndDeidentified() throws Exception {
    fhirAs(BLINDED).header("Prefer", "respond-async").get("/$export").then().statusCode(403);
    String registry =
        TestTokens.token(
            "system/Patient.rs system/ResearchSubject.rs",
            List.of("registry", "unblinded"),
            null,
            Map.of("client_id", "registry-a"));
    // The audit trail and allocations are not the registry's to export.
    for (String type : List.of("AuditEvent", "Basic")) {
      fhirAs(registry)
          .header("Prefer", "respond-async")
          .queryParam("_type", type)
          .get("/$export")
          .then()
          .statusCode(400)
          .body(org.hamcrest.Matchers.containsString("can be exported"));
    }
    // Filters run on identifiable data: no singling out a known person.
    fhirAs(registry)
        .header("Prefer", "respond-async")
        .queryParam("_type", "Patient")
        .queryParam("_typeFilter", "Patient?family=Smith")
        .get("/$export")
        .then()
        .statusCode(400);
    fhirAs(registry)
        .header("Prefer", "respond-async")
        .body(
            "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\","
                + "\"valueReference\":{\"reference\":\"Patient/"
                + pid
                + "\"}}]}")
        .post("/Patient/$export")
        .then()
        .statusCode(400)
        .body(org.hamcrest.Matchers.containsString("chosen patients"));

    Response started =
        fhirAs(registry)
            .header("Prefer", "respond-async")
            .queryParam("_type", "Patient,ResearchSubject")
            .get("/$export");
    assertThat(started.statusCode()).as(started.asString()).isEqualTo(202);
    String poll = started.header("Content-Location");

    JsonNode manifest = awaitExport(registry, poll);
    String someoneElse =
        TestTokens.token("system/*.rs", List.of("auditor"), null, Map.of("client_id", "other"));
    StringBuilder exported = new StringBuilder();
    for (JsonNode output : manifest.path("output")) {
      String url = output.path("url").asText();
      String binary = url.substring(url.indexOf("/Binary/"));
      fhirAs(someoneElse).get(binary).then().statusCode(403);
      JsonNode file =
          tree(fhirAs(registry).get(binary).then().statusCode(200).extract().asString());
      exported
          .append(new String(java.util.Base64.getDecoder().decode(file.path("data").asText())))
          .append('\n');
    }
    String ndjson = exported.toString();
    String family = fhir().get("/Patient/" + pid).then().extract().path("name[0].family");
    assertThat(ndjson)
        .contains("\"resourceType\":\"ResearchSubject\"", "\"resourceType\":\"Patient\"");
    assertThat(ndjson).doesNotContain(family, pid, sid, directSid, aid, sequenceId, "lastUpdated");
    assertThat(ndjson).doesNotContainPattern("\"code\"\\s*:\\s*\"treatment-allocation\"");
    int ofThisStudy = 0;
    for (String line : ndjson.split("\n")) {
      if (!line.isBlank() && line.contains("\"ResearchSubject\"")) {
        JsonNode subject = tree(line);
        assertThat(subject.path("individual").path("reference").asText())
            .matches("Patient/[0-9a-f]{32}");
        if (subject.path("study").path("reference").asText().equals("ResearchStudy/" + study)) {
          ofThisStudy++;
          assertThat(subject.has("assignedArm")).as(line).isFalse();
        }
      }
    }
    assertThat(ofThisStudy).isEqualTo(2);
  }

  private JsonNode awaitExport(String token, String poll) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      jobMaintenance.runMaintenancePass();
      Response status = fhirAs(token).get(poll.substring(poll.indexOf("/$export-poll-status")));
      if (status.statusCode() == 200) {
        return tree(status.asString());
      }
      assertThat(status.statusCode()).as(status.asString()).isEqualTo(202);
      Thread.sleep(500);
    }
    throw new AssertionError("export not complete after 120 s: " + poll);
  }

  /** GraphQL would show resources outside the paths above; it is not offered. */
  @Test
  void graphQlIsNotOffered() {
    Response graphql =
        fhirAs(BLINDED).queryParam("query", "{BasicList{id extension{url}}}").get("/$graphql");
    assertNotSuccessful(graphql);
    assertNoArm(graphql.asString());

    Response instanceGraphql =
        fhirAs(BLINDED).queryParam("query", "{id}").get("/Basic/" + aid + "/$graphql");
    assertNotSuccessful(instanceGraphql);
    assertNoArm(instanceGraphql.asString());
  }

  // ============================================================================ assertions

  /**
   * Neither arm's name nor the treatment-allocation label is in the body. ResearchStudy resources
   * (e.g. brought by _include or $everything) are left out first: a study's arms are public.
   */
  private static void assertNoArm(String body) {
    String shown = withoutStudies(body);
    assertThat(shown).as(body).doesNotContain(EXPERIMENTAL, PLACEBO);
    assertThat(shown).as(body).doesNotContainPattern("\"code\"\\s*:\\s*\"treatment-allocation\"");
  }

  private static void assertNotSuccessful(Response response) {
    assertThat(response.statusCode() / 100).as(response.asString()).isNotEqualTo(2);
  }

  /**
   * The response shows no allocation, whatever its status: no arm, no label, and neither of this
   * test's Basics (other tests' allocations, labelled too, are caught by the label).
   */
  private void assertHidden(Response response) {
    String body = response.asString();
    assertNoArm(body);
    assertThat(basicIds(body)).as(body).doesNotContain(aid, sequenceId);
  }

  private static boolean hasArm(String body) {
    String shown = withoutStudies(body);
    return shown.contains(EXPERIMENTAL) || shown.contains(PLACEBO);
  }

  /** The body with every ResearchStudy taken out (as JSON null); a body that is no JSON as is. */
  private static String withoutStudies(String body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      return body;
    }
    if (root == null) {
      return body;
    }
    if (isStudy(root)) {
      return "null";
    }
    dropStudies(root);
    return root.toString();
  }

  private static void dropStudies(JsonNode node) {
    if (node instanceof ObjectNode object) {
      List<String> studies = new ArrayList<>();
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        if (isStudy(field.getValue())) {
          studies.add(field.getKey());
        } else {
          dropStudies(field.getValue());
        }
      }
      studies.forEach(object::remove);
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (isStudy(array.get(i))) {
          array.set(i, NullNode.getInstance());
        } else {
          dropStudies(array.get(i));
        }
      }
    }
  }

  private static boolean isStudy(JsonNode node) {
    return node.isObject() && "ResearchStudy".equals(node.path("resourceType").asText());
  }

  private static List<String> basicIds(String body) {
    return ids(body, "Basic");
  }

  /** The ids of the resources of this type anywhere in a JSON body; none if it is no JSON. */
  private static List<String> ids(String body, String type) {
    List<String> ids = new ArrayList<>();
    try {
      collect(JSON.readTree(body), type, ids);
    } catch (IOException e) {
      // not JSON (e.g. an error page): no resources
    }
    return ids;
  }

  private static void collect(JsonNode node, String type, List<String> ids) {
    if (node == null) {
      return;
    }
    if (node.isObject() && type.equals(node.path("resourceType").asText())) {
      ids.add(node.path("id").asText());
    }
    node.forEach(child -> collect(child, type, ids));
  }

  // ============================================================================ helpers: calls

  /** A search as this caller (200 expected), up to 200 entries; returns the body. */
  private String searchAs(String token, String path, Map<String, String> query) {
    return fhirAs(token)
        .queryParams(query)
        .queryParam("_count", 200)
        .get(path)
        .then()
        .statusCode(200)
        .extract()
        .asString();
  }

  /** A batch or transaction entry that PUTs the direct-write subject unchanged. */
  private ObjectNode putEntry() {
    ObjectNode resource = (ObjectNode) tree(directJson);
    resource.put("id", directSid);
    ObjectNode entry = JSON.createObjectNode();
    entry.set("resource", resource);
    entry.putObject("request").put("method", "PUT").put("url", "ResearchSubject/" + directSid);
    return entry;
  }

  private static ObjectNode getEntry(String url) {
    ObjectNode entry = JSON.createObjectNode();
    entry.putObject("request").put("method", "GET").put("url", url);
    return entry;
  }

  // ============================================================================ helpers: data

  /**
   * PUTs an active, randomised (permuted blocks of 4, this seed), quadruple masked study with the
   * two arms and this target number of subjects, on the seed study's criteria Group; returns its
   * id. As in the enrolment tests.
   */
  private String createStudy(int target, String seed) {
    String id = unique("blind");
    fhir()
        .body(
            """
{"resourceType":"ResearchStudy","id":"%1$s",
 "extension":[
   {"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign",
    "valueCodeableConcept":{"coding":[
      {"system":"http://trialfhir.org/fhir/CodeSystem/ctgov-allocation",
       "code":"RANDOMIZED"}]}},
   {"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign",
    "valueCodeableConcept":{"coding":[
      {"system":"http://trialfhir.org/fhir/CodeSystem/ctgov-masking",
       "code":"QUADRUPLE"}]}},
   {"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.recruitment",
    "extension":[{"url":"targetNumber","valueUnsignedInt":%2$d}]},
   {"url":"http://trialfhir.org/fhir/StructureDefinition/randomisation",
    "extension":[{"url":"blockSize","valuePositiveInt":4},
                 {"url":"seed","valueString":"%3$s"}]}],
 "title":"Blinding test study %1$s",
 "status":"active",
 "enrollment":[{"reference":"%4$s"}],
 "arm":[{"name":"%5$s"},{"name":"%6$s"}]}
"""
                .formatted(id, target, seed, CRITERIA_GROUP, EXPERIMENTAL, PLACEBO))
        .put("/ResearchStudy/" + id)
        .then()
        .statusCode(201);
    return id;
  }

  /**
   * Loads, as one transaction, a child who meets every computable criterion, with a research
   * consent for this study; returns the patient's id.
   */
  private String loadEligiblePatient(String study) {
    String bundle =
        eligibleChild()
            .set(CONSENT, researchConsent("ResearchStudy/" + study))
            .transaction(unique("blind"));
    List<String> locations =
        fhir()
            .body(bundle)
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("entry.response.location", String.class);
    String patient = typeAndId(locations.get(0));
    assertThat(patient).startsWith("Patient/");
    return patient.substring("Patient/".length());
  }

  /** $enroll with every manual-review criterion confirmed; returns the on-study subject. */
  private JsonPath enroll(String study, String patient) {
    ObjectNode parameters = JSON.createObjectNode().put("resourceType", "Parameters");
    ArrayNode list = parameters.putArray("parameter");
    list.addObject()
        .put("name", "patient")
        .putObject("valueReference")
        .put("reference", "Patient/" + patient);
    for (String criterion : MANUAL_REVIEW) {
      list.addObject().put("name", "confirmed").put("valueString", criterion);
    }
    list.addObject().put("name", "date").put("valueDate", DATE);
    // DATE is past: a late entry, which needs its reason (subject/EntryDateRule).
    list.addObject().put("name", "lateEntryReason").put("valueString", "Test data dated " + DATE);
    Response response =
        fhir().body(parameters.toString()).post("/ResearchStudy/" + study + "/$enroll");
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    JsonPath subject = response.jsonPath();
    assertThat(subject.getString("status")).isEqualTo("on-study");
    assertThat(subject.getString("assignedArm")).as("masked study: no arm on the subject").isNull();
    return subject;
  }

  /** Waits (up to 10 s; AuditEvents are stored in the background) for one about the patient. */
  private void awaitAuditEventFor(String patient) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      int found =
          tree(fhir()
                  .queryParam("patient", "Patient/" + patient)
                  .queryParam("_count", 1)
                  .get("/AuditEvent")
                  .then()
                  .statusCode(200)
                  .extract()
                  .asString())
              .path("entry")
              .size();
      if (found > 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no AuditEvent for Patient/" + patient + " after 10 s");
  }

  /** "Type/id" of a reference or a response location, absolute or relative, versioned or not. */
  private static String typeAndId(String reference) {
    String withoutVersion = reference.replaceFirst("/_history/.*$", "");
    String[] segments = withoutVersion.split("/");
    return segments.length < 2
        ? withoutVersion
        : segments[segments.length - 2] + "/" + segments[segments.length - 1];
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }
}
