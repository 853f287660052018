package org.trialfhir.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * Access control over HTTP: what is public without a token, 401 for a missing or invalid token and
 * 403 for a token whose SMART scopes or roles do not allow the call (each with an OperationOutcome
 * and no stack trace), the roles behind $eligibility, $enroll and $import-ctgov, a patient-scoped
 * token confined to its own patient on every search path (narrowing, _include, chains, _has,
 * $everything), who may read AuditEvents and that nobody may change them, SMART discovery
 * (.well-known/smart-configuration and the CapabilityStatement) and that CORS is closed when not
 * configured.
 *
 * <p>The test configuration trusts the public key of {@link TestTokens} (no development issuer, no
 * token endpoint configured), so the discovery assertions stick to what holds in that setup.
 */
class SecurityIT extends IntegrationTestBase {

  private static final String STUDY = "nct06407297";
  private static final String DATE = "2026-06-15";
  private static final String CODES = "urn:trialfhir:test:security";
  private static final String HBA1C_VALUE_SET = "http://trialfhir.org/fhir/ValueSet/hba1c";
  private static final String OAUTH_URIS =
      "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

  private static final ObjectMapper JSON = new ObjectMapper();

  // ============================================================================ public

  @Test
  void whatDescribesAStudyIsPublic() {
    anonymous().get("/metadata").then().statusCode(200);
    anonymous().get("/ResearchStudy/" + STUDY).then().statusCode(200);
    anonymous()
        .get("/ResearchStudy?identifier=http://clinicaltrials.gov|NCT06407297")
        .then()
        .statusCode(200);
    anonymous().get("/Group/" + STUDY + "-eligibility").then().statusCode(200);
    anonymous().queryParam("url", HBA1C_VALUE_SET).get("/ValueSet").then().statusCode(200);
    anonymous().queryParam("url", HBA1C_VALUE_SET).get("/ValueSet/$expand").then().statusCode(200);
  }

  // ============================================================================ 401

  @Test
  void patientDataWithoutATokenIsA401WithAChallenge() {
    String patient = createPatient(unique("Sec"), "2014-01-10");

    for (Response response :
        List.of(
            anonymous().get("/Patient/" + patient),
            anonymous().queryParam("subject", "Patient/" + patient).get("/Observation"),
            anonymous().queryParam("code", CODES + "|anything").get("/Observation"),
            anonymous().queryParam("study", "ResearchStudy/" + STUDY).get("/ResearchSubject"))) {
      assertUnauthorized(response);
    }
  }

  @Test
  void aCreateWithoutATokenIsA401AndCreatesNothing() {
    String family = unique("SecAnon");

    assertUnauthorized(anonymous().body(patientJson(family)).post("/Patient"));

    assertThat(patientsNamed(family)).isZero();
  }

  @Test
  void anExpiredAForeignOrAGarbageTokenIsA401() {
    String patient = createPatient(unique("Sec"), "2014-01-10");

    for (String token : List.of(TestTokens.expired(), TestTokens.foreign(), "garbage")) {
      assertUnauthorized(fhirAs(token).get("/Patient/" + patient));
      // A broken token is refused even where no token is needed: the client must hear of it.
      assertUnauthorized(fhirAs(token).get("/ResearchStudy/" + STUDY));
    }
  }

  // ============================================================================ 403: scopes

  @Test
  void aTokenForObservationsCannotReadAPatient() {
    String patient = createPatient(unique("Sec"), "2014-01-10");
    String token = TestTokens.token("user/Observation.rs", List.of(), null);

    assertForbidden(fhirAs(token).get("/Patient/" + patient));
  }

  @Test
  void aReadOnlyTokenCannotCreateAndNothingIsCreated() {
    String family = unique("SecReadOnly");
    String token = TestTokens.token("user/*.rs", List.of("coordinator"), null);

    assertForbidden(fhirAs(token).body(patientJson(family)).post("/Patient"));

    assertThat(patientsNamed(family)).isZero();
  }

  @Test
  void smartV1ReadMayReadButNotWrite() {
    String patient = createPatient(unique("Sec"), "2014-01-10");
    String family = unique("SecV1");
    String token = TestTokens.token("user/*.read", List.of(), null);

    fhirAs(token).get("/Patient/" + patient).then().statusCode(200);
    assertForbidden(fhirAs(token).body(patientJson(family)).post("/Patient"));

    assertThat(patientsNamed(family)).isZero();
  }

  @Test
  void smartV2CrudsMayCreate() {
    String family = unique("SecV2");
    String token = TestTokens.token("user/Patient.cruds", List.of(), null);

    fhirAs(token).body(patientJson(family)).post("/Patient").then().statusCode(201);

    assertThat(patientsNamed(family)).isEqualTo(1);
  }

  // ============================================================================ 403: roles

  @Test
  void eligibilityIsForTheStudyTeam() {
    String patient = createPatient(unique("Sec"), "2014-01-10");

    eligibilityAs(TestTokens.token("user/*.rs", List.of("coordinator"), null), patient)
        .then()
        .statusCode(200);
    eligibilityAs(TestTokens.token("user/*.rs", List.of("investigator"), null), patient)
        .then()
        .statusCode(200);
    assertForbidden(eligibilityAs(TestTokens.token("user/*.rs", List.of(), null), patient));
  }

  @Test
  void enrolmentIsForCoordinatorsAndInvestigators() {
    // Without data the patient could never be enrolled: should the rule let the call through, the
    // answer is a refusal, not a subject on the seed study.
    String patient = createPatient(unique("Sec"), "2014-01-10");
    List<String> notStudyTeam = List.of("unblinded", "registry", "ehr-system", "auditor");

    for (List<String> roles : List.of(List.<String>of(), notStudyTeam)) {
      assertForbidden(
          fhirAs(TestTokens.token("user/*.cruds", roles, null))
              .body(
                  """
                  {"resourceType":"Parameters","parameter":[
                    {"name":"patient","valueReference":{"reference":"Patient/%s"}},
                    {"name":"date","valueDate":"%s"}]}
                  """
                      .formatted(patient, DATE))
              .post("/ResearchStudy/" + STUDY + "/$enroll"));
    }
    assertThat(
            count(
                "/ResearchSubject",
                "study",
                "ResearchStudy/" + STUDY,
                "patient",
                "Patient/" + patient))
        .isZero();
  }

  @Test
  void registryImportIsForTheRegistryRole() {
    assertForbidden(
        fhirAs(TestTokens.token("system/*.cruds", allRolesBut("registry"), null))
            .body("{\"resourceType\":\"Parameters\"}")
            .post("/ResearchStudy/$import-ctgov"));
  }

  // ============================================================================ patient scope

  /** P1 and P2 of one family, P2 also under a family of its own, each with one Observation. */
  private record TwoPatients(
      String p1, String p2, String obs1, String obs2, String family, String p2Family, String code) {

    /**
     * Asserts that nothing of P2 is shown: no P2 resource, and no reference to P2 or its
     * Observation. The Bundle's own links (which echo the caller's query) and a refusal's text
     * (which may name what was asked for) are not data and are left out.
     */
    void assertNoP2(String body) {
      assertThat(resourceIds(body, "Patient")).as(body).doesNotContain(p2);
      assertThat(resourceIds(body, "Observation")).as(body).doesNotContain(obs2);
      JsonNode shown = tree(body);
      if ("OperationOutcome".equals(shown.path("resourceType").asText())) {
        return;
      }
      if (shown.isObject()) {
        ((ObjectNode) shown).remove("link");
      }
      String data = shown.toString();
      assertThat(mentions(data, "Patient/" + p2)).as(body).isFalse();
      assertThat(mentions(data, "Observation/" + obs2)).as(body).isFalse();
      assertThat(data).as(body).doesNotContain(p2Family);
    }
  }

  private TwoPatients twoPatients() {
    String family = unique("SecFamily");
    String p2Family = unique("SecOnlyP2");
    String code = unique("code");
    String p1 = createPatient(family, "2014-01-10");
    String p2 =
        fhir()
            .body(
                """
                {"resourceType":"Patient","name":[{"family":"%s"},{"family":"%s"}],
                 "birthDate":"2013-05-06"}
                """
                    .formatted(family, p2Family))
            .post("/Patient")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    return new TwoPatients(
        p1, p2, createObservation(p1, code), createObservation(p2, code), family, p2Family, code);
  }

  private static String patientToken(String patient) {
    return TestTokens.token("patient/*.rs", List.of(), patient);
  }

  @Test
  void aPatientTokenReadsItsOwnPatientAndObservations() {
    TwoPatients t = twoPatients();
    String token = patientToken(t.p1());

    fhirAs(token).get("/Patient/" + t.p1()).then().statusCode(200);
    fhirAs(token).get("/Observation/" + t.obs1()).then().statusCode(200);
    String body =
        fhirAs(token)
            .queryParam("subject", "Patient/" + t.p1())
            .get("/Observation")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(resourceIds(body, "Observation")).containsExactly(t.obs1());
  }

  @Test
  void aPatientTokenCannotReadAnotherPatientById() {
    TwoPatients t = twoPatients();
    String token = patientToken(t.p1());

    Response patient = fhirAs(token).get("/Patient/" + t.p2());
    assertForbidden(patient);
    Response observation = fhirAs(token).get("/Observation/" + t.obs2());
    assertForbidden(observation);
  }

  @Test
  void aPatientTokensSearchesAreNarrowedToItsPatient() {
    TwoPatients t = twoPatients();
    String token = patientToken(t.p1());
    // The same searches as an all-powerful caller find both patients' data.
    assertThat(
            resourceIds(
                search(fhir(), "/Observation", "code", CODES + "|" + t.code()), "Observation"))
        .containsExactlyInAnyOrder(t.obs1(), t.obs2());
    assertThat(resourceIds(search(fhir(), "/Patient", "family", t.family()), "Patient"))
        .containsExactlyInAnyOrder(t.p1(), t.p2());

    String observations = search(fhirAs(token), "/Observation", "code", CODES + "|" + t.code());
    assertThat(resourceIds(observations, "Observation")).containsExactly(t.obs1());
    t.assertNoP2(observations);

    String patients = search(fhirAs(token), "/Patient", "family", t.family());
    assertThat(resourceIds(patients, "Patient")).containsExactly(t.p1());
    t.assertNoP2(patients);
  }

  @Test
  void aPatientTokenAskingForAnotherPatientsObservationsGetsNone() {
    TwoPatients t = twoPatients();

    Response response =
        fhirAs(patientToken(t.p1())).queryParam("subject", "Patient/" + t.p2()).get("/Observation");

    assertThat(response.statusCode()).as(response.asString()).isIn(200, 403);
    if (response.statusCode() == 403) {
      assertOutcome(response, 403);
    } else {
      assertThat(resourceIds(response.asString(), "Observation")).isEmpty();
    }
    t.assertNoP2(response.asString());
  }

  @Test
  void includesChainsAndHasNeverReachAnotherPatient() {
    TwoPatients t = twoPatients();
    String token = patientToken(t.p1());

    List<Response> responses =
        List.of(
            fhirAs(token)
                .queryParam("code", CODES + "|" + t.code())
                .queryParam("_include", "Observation:subject")
                .get("/Observation"),
            fhirAs(token).queryParam("_include", "Observation:subject").get("/Observation"),
            fhirAs(token).queryParam("subject:Patient.family", t.p2Family()).get("/Observation"),
            fhirAs(token)
                .queryParam("_has:Observation:subject:code", CODES + "|" + t.code())
                .get("/Patient"),
            fhirAs(token)
                .queryParam("_id", t.p2())
                .queryParam("_revinclude", "Observation:subject")
                .get("/Patient"));
    for (Response response : responses) {
      String body = response.asString();
      assertThat(response.statusCode()).as(body).isIn(200, 403);
      if (response.statusCode() == 403) {
        assertOutcome(response, 403);
      }
      t.assertNoP2(body);
    }
    // The include does bring the caller's own patient.
    assertThat(resourceIds(responses.get(0).asString(), "Patient")).containsExactly(t.p1());
  }

  @Test
  void aPatientTokenMayAskEverythingOnlyAboutItsPatient() throws InterruptedException {
    TwoPatients t = twoPatients();
    String token = patientToken(t.p1());
    // A real patient has an audit trail (every access is recorded); have it before asking.
    awaitAuditEventFor(t.p1());

    Response own =
        fhirAs(token).queryParam("_count", 200).get("/Patient/" + t.p1() + "/$everything");
    assertThat(own.statusCode()).as(own.asString()).isEqualTo(200);
    assertThat(resourceIds(own.asString(), "Patient")).containsExactly(t.p1());
    assertThat(resourceIds(own.asString(), "Observation")).containsExactly(t.obs1());
    t.assertNoP2(own.asString());

    assertForbidden(fhirAs(token).get("/Patient/" + t.p2() + "/$everything"));
  }

  @Test
  void aPatientScopeWithoutAPatientGrantsNothing() {
    TwoPatients t = twoPatients();
    String token = TestTokens.token("patient/*.rs", List.of(), null);

    assertForbidden(fhirAs(token).get("/Patient/" + t.p1()));
  }

  // ============================================================================ AuditEvent

  @Test
  void auditorsMaySearchAuditEvents() {
    fhirAs(TestTokens.token("system/AuditEvent.rs", List.of("auditor"), null))
        .queryParam("_count", 1)
        .get("/AuditEvent")
        .then()
        .statusCode(200)
        .body("resourceType", equalTo("Bundle"));
  }

  @Test
  void auditEventsAreForAuditorsOnly() {
    assertForbidden(
        fhirAs(TestTokens.token("system/*.cruds", allRolesBut("auditor"), null))
            .queryParam("_count", 1)
            .get("/AuditEvent"));
  }

  @Test
  void evenTheAllPowerfulTokenCannotChangeOrDeleteAnAuditEvent() throws InterruptedException {
    String patient = createPatient(unique("SecAudit"), "2014-01-10");
    JsonNode event = awaitAuditEventFor(patient);
    String id = event.path("id").asText();
    String before = fhir().get("/AuditEvent/" + id).then().statusCode(200).extract().asString();
    ObjectNode tampered = (ObjectNode) tree(before);
    tampered.put("outcomeDesc", "nothing happened");

    Response put = fhir().body(tampered.toString()).put("/AuditEvent/" + id);
    assertThat(put.statusCode()).as(put.asString()).isIn(403, 405);
    assertNoStackTrace(put.asString());
    Response delete = fhir().delete("/AuditEvent/" + id);
    assertThat(delete.statusCode()).as(delete.asString()).isIn(403, 405);
    assertNoStackTrace(delete.asString());

    String after = fhir().get("/AuditEvent/" + id).then().statusCode(200).extract().asString();
    assertThat(tree(after)).isEqualTo(tree(before));
  }

  // ============================================================================ discovery

  @Test
  void smartConfigurationIsPublished() {
    for (String path :
        List.of("/fhir/.well-known/smart-configuration", "/.well-known/smart-configuration")) {
      JsonPath configuration =
          given()
              .accept("application/json")
              .get(path)
              .then()
              .statusCode(200)
              .contentType(startsWith("application/json"))
              .extract()
              .jsonPath();
      assertThat(configuration.getList("scopes_supported", String.class))
          .as(path)
          .contains("patient/*.rs", "user/*.rs", "system/*.rs");
      assertThat(configuration.getList("capabilities", String.class))
          .as(path)
          .contains("permission-v2");
      // No token endpoint is configured in the tests (the key is trusted, the dev issuer is off):
      // one is only advertised when known.
      String tokenEndpoint = configuration.getString("token_endpoint");
      if (tokenEndpoint != null) {
        assertThat(tokenEndpoint).as(path).matches("https?://.+");
      }
    }
  }

  @Test
  void theCapabilityStatementAdvertisesSmartOnFhir() {
    JsonNode capability =
        tree(anonymous().get("/metadata").then().statusCode(200).extract().asString());
    JsonNode security = capability.path("rest").path(0).path("security");

    assertThat(security.path("service").path(0).path("coding").path(0).path("code").asText())
        .isEqualTo("SMART-on-FHIR");
    assertThat(security.path("cors").asBoolean(true)).as("CORS is not configured").isFalse();

    // The oauth-uris extension carries the token (and authorize) endpoints. With none known, as
    // in this configuration, it would be empty, and an empty extension is not valid FHIR (ext-1):
    // HAPI leaves it out. So: when discovery names a token endpoint, the extension names the same.
    String tokenEndpoint =
        given()
            .accept("application/json")
            .get("/fhir/.well-known/smart-configuration")
            .then()
            .statusCode(200)
            .extract()
            .path("token_endpoint");
    JsonNode oauthUris = null;
    for (JsonNode extension : security.path("extension")) {
      if (OAUTH_URIS.equals(extension.path("url").asText())) {
        oauthUris = extension;
      }
    }
    if (tokenEndpoint != null) {
      assertThat(oauthUris).as("oauth-uris in %s", security).isNotNull();
      List<String> tokens = new ArrayList<>();
      oauthUris
          .path("extension")
          .forEach(
              e -> {
                if ("token".equals(e.path("url").asText())) {
                  tokens.add(e.path("valueUri").asText());
                }
              });
      assertThat(tokens).containsExactly(tokenEndpoint);
    }
  }

  // ============================================================================ CORS

  @Test
  void corsIsClosedWhenNotConfigured() {
    Response preflight =
        given()
            .header("Origin", "https://evil.example")
            .header("Access-Control-Request-Method", "GET")
            .options("/fhir/Patient");
    // Spring answers a rejected preflight with 403; whatever the status, no origin is allowed.
    assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isNull();

    Response simple =
        anonymous().header("Origin", "https://evil.example").get("/ResearchStudy/" + STUDY);
    assertThat(simple.statusCode()).isEqualTo(200);
    assertThat(simple.getHeader("Access-Control-Allow-Origin")).isNull();
  }

  // ============================================================================ no stack traces

  @Test
  void refusalsCarryNoStackTrace() {
    String patient = createPatient(unique("Sec"), "2014-01-10");
    List<Response> refusals =
        List.of(
            anonymous().get("/Patient/" + patient),
            fhirAs("garbage").get("/Patient/" + patient),
            fhirAs(TestTokens.expired()).get("/Patient/" + patient),
            fhirAs(TestTokens.foreign()).get("/Patient/" + patient),
            fhirAs(TestTokens.token("user/Observation.rs", List.of(), null))
                .get("/Patient/" + patient),
            fhirAs(TestTokens.token("user/*.rs", List.of(), null))
                .body("{\"resourceType\":\"Parameters\"}")
                .post("/ResearchStudy/$import-ctgov"),
            fhirAs(TestTokens.token("user/*.rs", List.of(), null))
                .body("{\"resourceType\":\"Parameters\"}")
                .post("/ResearchStudy/" + STUDY + "/$enroll"));
    for (Response refusal : refusals) {
      assertThat(refusal.statusCode()).as(refusal.asString()).isIn(401, 403);
      assertOutcome(refusal, refusal.statusCode());
    }
  }

  // ============================================================================ helpers

  /** Every role except the one named: a token that may do much, but not that. */
  private static List<String> allRolesBut(String role) {
    List<String> roles = new ArrayList<>(TestTokens.ALL_ROLES);
    roles.remove(role);
    return roles;
  }

  private static String patientJson(String family) {
    return """
    {"resourceType":"Patient","name":[{"family":"%s"}],"birthDate":"2014-01-10"}
    """
        .formatted(family);
  }

  private String createObservation(String patient, String code) {
    return fhir()
        .body(
            """
            {"resourceType":"Observation","status":"final",
             "code":{"coding":[{"system":"%s","code":"%s"}]},
             "subject":{"reference":"Patient/%s"},"effectiveDateTime":"2026-06-01"}
            """
                .formatted(CODES, code, patient))
        .post("/Observation")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }

  private Response eligibilityAs(String token, String patient) {
    return fhirAs(token)
        .queryParam("patient", "Patient/" + patient)
        .queryParam("date", DATE)
        .get("/ResearchStudy/" + STUDY + "/$eligibility");
  }

  /** A search's body (200 expected), up to 200 entries. */
  private static String search(
      RequestSpecification request, String path, String parameter, String value) {
    return request
        .queryParam(parameter, value)
        .queryParam("_count", 200)
        .get(path)
        .then()
        .statusCode(200)
        .extract()
        .asString();
  }

  private int patientsNamed(String family) {
    return count("/Patient", "family", family);
  }

  /** The total of a search as the all-powerful caller; parameters as name, value, name, ... */
  private int count(String path, String... parameters) {
    RequestSpecification request = fhir();
    for (int i = 0; i < parameters.length; i += 2) {
      request.queryParam(parameters[i], parameters[i + 1]);
    }
    return request
        .queryParam("_summary", "count")
        .get(path)
        .then()
        .statusCode(200)
        .extract()
        .path("total");
  }

  /**
   * Waits (up to 10 s; AuditEvents are stored in the background) until the patient has an
   * AuditEvent, and returns one.
   */
  private JsonNode awaitAuditEventFor(String patient) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      JsonNode entries =
          tree(fhir()
                  .queryParam("patient", "Patient/" + patient)
                  .queryParam("_count", 1)
                  .get("/AuditEvent")
                  .then()
                  .statusCode(200)
                  .extract()
                  .asString())
              .path("entry");
      if (entries.size() > 0) {
        return entries.path(0).path("resource");
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no AuditEvent for Patient/" + patient + " after 10 s");
  }

  private static void assertUnauthorized(Response response) {
    assertOutcome(response, 401);
    assertThat(response.getHeader("WWW-Authenticate")).as(response.asString()).startsWith("Bearer");
  }

  private static void assertForbidden(Response response) {
    assertOutcome(response, 403);
  }

  /** The status, an OperationOutcome body, and no stack trace or exception name in it. */
  private static void assertOutcome(Response response, int status) {
    String body = response.asString();
    assertThat(response.statusCode()).as(body).isEqualTo(status);
    assertThat(tree(body).path("resourceType").asText()).as(body).isEqualTo("OperationOutcome");
    assertNoStackTrace(body);
  }

  private static void assertNoStackTrace(String body) {
    assertThat(body).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("\\tat ");
  }

  /** The client declares 20 MB; the server answers before reading it (no 20 MB upload needed). */
  @Test
  void aBodyOverTheSizeLimitIsRefusedWith413() throws IOException {
    try (java.net.Socket socket = new java.net.Socket("localhost", port)) {
      socket
          .getOutputStream()
          .write(
              ("POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\n"
                      + "Content-Type: application/fhir+json\r\n"
                      + "Authorization: Bearer "
                      + TestTokens.admin()
                      + "\r\nContent-Length: 20971520\r\nConnection: close\r\n\r\n{")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String response =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(response)
          .startsWith("HTTP/1.1 413")
          .contains("OperationOutcome")
          .contains("limit");
    }
  }

  /** A few KB of gzip that inflate beyond the limit: refused, not inflated without end. */
  @Test
  void aGzipBodyThatInflatesOverTheLimitIsRefused() throws IOException {
    java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(zipped)) {
      gzip.write("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"".getBytes());
      byte[] block = new byte[1024 * 1024];
      java.util.Arrays.fill(block, (byte) 'x');
      for (int i = 0; i < 12; i++) {
        gzip.write(block);
      }
      gzip.write("\"}]}".getBytes());
    }
    Response response =
        fhir().header("Content-Encoding", "gzip").body(zipped.toByteArray()).post("/Patient");
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(413);
  }

  /** _has and chains on a public type would reveal patient data: not without a token. */
  @Test
  void anonymousJoinsFromPublicTypesIntoPatientDataAreRefused() {
    anonymous()
        .get("/ResearchStudy?_has:ResearchSubject:study:patient=Patient/example-t1d-child")
        .then()
        .statusCode(401);
    anonymous().get("/ResearchStudy?principalinvestigator.name=Li").then().statusCode(401);
    // One hop to a study's sites or sponsor stays public: those are public too.
    anonymous().get("/ResearchStudy?sponsor.name=Naval").then().statusCode(200);
    fhirAs(TestTokens.token("user/ResearchStudy.rs", List.of(), null))
        .get("/ResearchStudy?_has:ResearchSubject:study:patient=Patient/example-t1d-child")
        .then()
        .statusCode(403);
    fhir()
        .get("/ResearchStudy?_has:ResearchSubject:study:patient=Patient/example-t1d-child")
        .then()
        .statusCode(200);
  }

  @Test
  void aPatientScopedCoordinatorCannotScreenOtherPatients() {
    fhirAs(TestTokens.token("patient/*.rs", List.of("coordinator"), "example-t1d-child"))
        .get(
            "/ResearchStudy/nct06407297/$eligibility?patient=Patient/example-t1d-child&date=2026-06-15")
        .then()
        .statusCode(403);
  }

  /** The ids of the resources of this type anywhere in the body (entries, contained, ...). */
  private static List<String> resourceIds(String body, String type) {
    List<String> ids = new ArrayList<>();
    collect(tree(body), type, ids);
    return ids;
  }

  private static void collect(JsonNode node, String type, List<String> ids) {
    if (node.isObject() && type.equals(node.path("resourceType").asText())) {
      ids.add(node.path("id").asText());
    }
    node.forEach(child -> collect(child, type, ids));
  }

  /** Whether the body names {@code Type/id} (and not merely an id that starts the same). */
  private static boolean mentions(String body, String typeAndId) {
    return Pattern.compile(Pattern.quote(typeAndId) + "(?![A-Za-z0-9.\\-])").matcher(body).find();
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }
}
