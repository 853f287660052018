package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * Attacks on authorisation (joins into patient data, allocations and the audit trail, Group member
 * lists, tokens of another issuer or audience, an EHR reaching another hospital's patient,
 * conditional deletes, role operations without scopes), each tried as every role: anonymous, a
 * patient app, coordinator, investigator, registry, EHR system, auditor, unblinded pharmacist. A
 * refusal is 401 with a challenge (no token) or 403 (a token that does not allow it), always with
 * an OperationOutcome, and leaves nothing written and nothing counted.
 */
class AttackIT extends IntegrationTestBase {

  private static final String STUDY = "nct06407297";
  private static final String MRN = "urn:trialfhir:test:attack-mrn";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String REGISTRY_SCOPES =
      "system/ResearchStudy.cruds system/Group.cruds system/Organization.cruds"
          + " system/Location.cruds";
  private static final String EHR_SCOPES =
      "system/Patient.cruds system/Observation.cruds system/Condition.cruds";

  // ============================================================================ roles

  private enum Role {
    ANONYMOUS,
    PATIENT,
    COORDINATOR,
    INVESTIGATOR,
    REGISTRY,
    EHR,
    AUDITOR,
    UNBLINDED,
    ADMIN
  }

  /** Requests as each role; the patient app's patient and the EHR's organisation are given. */
  private Map<Role, Supplier<RequestSpecification>> roles(String patient, String organization) {
    Map<Role, Supplier<RequestSpecification>> roles = new LinkedHashMap<>();
    roles.put(Role.ANONYMOUS, this::anonymous);
    roles.put(Role.PATIENT, as(TestTokens.token("patient/*.rs", List.of(), patient)));
    roles.put(Role.COORDINATOR, as(TestTokens.token("user/*.cruds", List.of("coordinator"), null)));
    roles.put(Role.INVESTIGATOR, as(TestTokens.token("user/*.rs", List.of("investigator"), null)));
    roles.put(Role.REGISTRY, as(TestTokens.token(REGISTRY_SCOPES, List.of("registry"), null)));
    roles.put(
        Role.EHR,
        as(
            TestTokens.token(
                EHR_SCOPES,
                List.of("ehr-system"),
                null,
                Map.of("organization", "Organization/" + organization))));
    roles.put(Role.AUDITOR, as(TestTokens.token("system/AuditEvent.rs", List.of("auditor"), null)));
    roles.put(Role.UNBLINDED, as(TestTokens.token("user/*.rs", List.of("unblinded"), null)));
    roles.put(Role.ADMIN, this::fhir);
    return roles;
  }

  private Supplier<RequestSpecification> as(String token) {
    return () -> fhirAs(token);
  }

  /** A patient of its own organisation, with an MRN, an HbA1c and a candidate ResearchSubject. */
  private record Victim(String patient, String organization, String mrn, String observation) {}

  private Victim victim() {
    String organization = organization(unique("Attack Hospital"));
    String mrn = unique("MRN");
    String patient = patient(unique("Victim"), organization, mrn);
    String observation =
        fhir()
            .body(hba1c("Patient/" + patient, 9.1))
            .post("/Observation")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    fhir()
        .body(
            """
            {"resourceType":"ResearchSubject","status":"candidate",
             "study":{"reference":"ResearchStudy/%s"},"individual":{"reference":"Patient/%s"}}"""
                .formatted(STUDY, patient))
        .post("/ResearchSubject")
        .then()
        .statusCode(201);
    return new Victim(patient, organization, mrn, observation);
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

  private String patient(String family, String organization, String mrn) {
    return fhir()
        .body(patientJson(family, organization, mrn))
        .post("/Patient")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }

  private static String patientJson(String family, String organization, String mrn) {
    return """
        {"resourceType":"Patient","name":[{"family":"%s"}],"birthDate":"2014-01-10",
         "identifier":[{"system":"%s","value":"%s"}],
         "managingOrganization":{"reference":"Organization/%s"}}"""
        .formatted(family, MRN, mrn, organization);
  }

  private static String hba1c(String subject, double value) {
    return """
        {"resourceType":"Observation","status":"final",
         "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
         "subject":{"reference":"%s"},"effectiveDateTime":"2026-05-01",
         "valueQuantity":{"value":%s,"unit":"%%","system":"http://unitsofmeasure.org","code":"%%"}}"""
        .formatted(subject, value);
  }

  // ============================================================================ (a) joins

  /**
   * Reverse chains and chains from public types into patient data: only callers that may read every
   * type joined into get an answer; the rest learn nothing, not even Bundle.total.
   */
  @Test
  void joinsFromPublicTypesIntoPatientDataNeedReadAccessToEveryTypeJoined() {
    Victim v = victim();
    String inStudy = "/ResearchStudy?_has:ResearchSubject:study:patient=Patient/" + v.patient();
    String byMrn = "/Organization?_has:Patient:organization:identifier=" + MRN + "|" + v.mrn();
    String nestedToLabValues =
        "/Organization?_has:Patient:organization:_has:Observation:subject:value-quantity=gt9";
    String nestedToConditions =
        "/Organization?_has:Patient:organization:_has:Condition:subject:code=E10.9";
    String chainIntoGroupMembers = "/ResearchStudy?enrollment.member=Patient/" + v.patient();
    String typedChain = "/Observation?subject:Patient.identifier=" + MRN + "|" + v.mrn();

    Map<Role, Supplier<RequestSpecification>> roles = roles(v.patient(), v.organization());
    for (Map.Entry<Role, Supplier<RequestSpecification>> role : roles.entrySet()) {
      Role who = role.getKey();
      // Full readers of ResearchSubject: the user/* and system/* tokens.
      boolean readsSubjects =
          who == Role.COORDINATOR
              || who == Role.INVESTIGATOR
              || who == Role.UNBLINDED
              || who == Role.ADMIN;
      boolean readsPatients = readsSubjects || who == Role.EHR;
      boolean readsGroups = readsSubjects || who == Role.REGISTRY;
      expect(who, role.getValue().get().get(inStudy), readsSubjects);
      expect(who, role.getValue().get().get(byMrn), readsPatients);
      expect(who, role.getValue().get().get(nestedToLabValues), readsPatients);
      // The EHR may read Conditions and Patients, the others reading all as above.
      expect(who, role.getValue().get().get(nestedToConditions), readsPatients);
      expect(who, role.getValue().get().get(chainIntoGroupMembers), readsGroups);
      // The patient app may search its own Observations, but not chain out of them.
      expect(who, role.getValue().get().get(typedChain), readsPatients);
    }
    // What a full reader gets is the real answer (so the refusals above hide something).
    assertThat(total(fhir().get(inStudy))).isEqualTo(1);
    assertThat(total(fhir().get(byMrn))).isEqualTo(1);
  }

  @Test
  void refusedAccessesInTheAuditTrailAreForAuditorsOnly() {
    Victim v = victim();
    String refusals = "/Patient?_has:AuditEvent:patient:outcome=4&_id=" + v.patient();
    Map<Role, Supplier<RequestSpecification>> roles = roles(v.patient(), v.organization());
    for (Map.Entry<Role, Supplier<RequestSpecification>> role : roles.entrySet()) {
      expect(role.getKey(), role.getValue().get().get(refusals), role.getKey() == Role.ADMIN);
    }
    // Every type, and not only Patient, and in any spelling of the type.
    String coordinator = TestTokens.token("system/*.cruds", List.of("coordinator"), null);
    for (String query :
        List.of(
            "/Organization?_has:AuditEvent:entity:outcome=4",
            "/Patient?_has:auditevent:patient:outcome=4",
            "/Patient?_has:Observation:subject:_has:AuditEvent:entity:outcome=4")) {
      expect(Role.COORDINATOR, fhirAs(coordinator).get(query), false);
    }
    // An auditor that may read patients may ask.
    String auditor = TestTokens.token("system/*.rs", List.of("auditor"), null);
    fhirAs(auditor).get(refusals).then().statusCode(200);
  }

  @Test
  void allocationsCannotBeReachedByJoinsOfBlindedCallers() {
    String query = "/ResearchSubject?_has:Basic:subject:code=anything";
    expect(
        Role.COORDINATOR,
        fhirAs(TestTokens.token("user/*.cruds", List.of("coordinator"), null)).get(query),
        false);
    expect(
        Role.INVESTIGATOR,
        fhirAs(TestTokens.token("user/*.rs", List.of("investigator"), null)).get(query),
        false);
    expect(
        Role.UNBLINDED,
        fhirAs(TestTokens.token("user/*.rs", List.of("unblinded"), null)).get(query),
        true);
  }

  /** The same joins by other roads: POST _search, _sort, _list, batch entries, match URLs. */
  @Test
  void joinsAreRefusedOnEveryRoad() {
    Victim v = victim();
    String registry = TestTokens.token(REGISTRY_SCOPES, List.of("registry"), null);

    Response form =
        anonymous()
            .contentType("application/x-www-form-urlencoded")
            .formParam("_has:ResearchSubject:study:patient", "Patient/" + v.patient())
            .post("/ResearchStudy/_search");
    expect(Role.ANONYMOUS, form, false);

    expect(
        Role.REGISTRY,
        fhirAs(registry).get("/ResearchStudy?_sort=principalinvestigator.name&_count=1"),
        false);
    expect(Role.ANONYMOUS, anonymous().get("/ResearchStudy?_list=some-list"), false);

    String batch =
        """
        {"resourceType":"Bundle","type":"batch","entry":[
          {"request":{"method":"GET",
           "url":"ResearchStudy?_has:ResearchSubject:study:patient=Patient/%s"}}]}"""
            .formatted(v.patient());
    expect(Role.REGISTRY, fhirAs(registry).body(batch).post(""), false);
    expect(Role.ADMIN, fhir().body(batch).post(""), true);

    // A conditional create probes with its If-None-Exist search.
    String family = unique("Probe");
    Response probe =
        fhirAs(TestTokens.token("user/*.cruds", List.of("coordinator"), null))
            .header("If-None-Exist", "_has:AuditEvent:patient:outcome=4")
            .body(patientJson(family, v.organization(), unique("MRN")))
            .post("/Patient");
    expect(Role.COORDINATOR, probe, false);
    assertThat(total(fhir().queryParam("family", family).get("/Patient"))).isZero();

    // The documented public hops stay public: a study's sponsor and sites.
    anonymous().get("/ResearchStudy?sponsor.name=Naval").then().statusCode(200);
    anonymous().get("/ResearchStudy?site.address-city=Nanjing").then().statusCode(200);
  }

  /**
   * A match URL put into a resource by PATCH is a search too: a caller who may write Observations
   * but not read Patients cannot learn by JSON Patch, FHIRPath Patch or a Bundle's PATCH entry
   * whether a patient has an identifier (a 200 or a 412 would tell). The same answer, 403, whether
   * the identifier exists or not; the Observation is unchanged.
   */
  @Test
  void matchUrlsCannotBePatchedIntoAResource() {
    Victim v = victim();
    String writer = TestTokens.token("user/Observation.cruds", List.of("coordinator"), null);
    String own = patient(unique("Own"), v.organization(), unique("MRN"));
    String observation =
        fhirAs(writer)
            .body(hba1c("Patient/" + own, 6.1))
            .post("/Observation")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    // The writer may patch the Observation otherwise.
    fhirAs(writer)
        .contentType("application/json-patch+json")
        .body("[{\"op\":\"replace\",\"path\":\"/valueQuantity/value\",\"value\":6.2}]")
        .patch("/Observation/" + observation)
        .then()
        .statusCode(200);
    // The direct road is refused already.
    assertOutcome(
        fhirAs(writer)
            .body(hba1c("Patient?identifier=" + MRN + "|" + v.mrn(), 7.0))
            .post("/Observation"),
        403);

    for (String mrn : List.of(v.mrn(), unique("nobody"))) {
      String match = "Patient?identifier=" + MRN + "|" + mrn;
      String jsonPatch =
          """
          [{"op":"replace","path":"/subject","value":{"reference":"%s"}}]"""
              .formatted(match);
      assertOutcome(
          fhirAs(writer)
              .contentType("application/json-patch+json")
              .body(jsonPatch)
              .patch("/Observation/" + observation),
          403);
      String fhirPathPatch =
          """
          {"resourceType":"Parameters","parameter":[{"name":"operation","part":[
            {"name":"type","valueCode":"replace"},
            {"name":"path","valueString":"Observation.subject"},
            {"name":"value","valueReference":{"reference":"%s"}}]}]}"""
              .formatted(match);
      assertOutcome(fhirAs(writer).body(fhirPathPatch).patch("/Observation/" + observation), 403);
      String joined =
          """
          [{"op":"replace","path":"/subject","value":{"reference":"%s"}}]"""
              .formatted(
                  "Patient?_has:Observation:subject:code=4548-4&identifier=" + MRN + "|" + mrn);
      String transaction =
          """
          {"resourceType":"Bundle","type":"transaction","entry":[
            {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json",
              "data":"%s"},
             "request":{"method":"PATCH","url":"Observation/%s"}}]}"""
              .formatted(
                  java.util.Base64.getEncoder()
                      .encodeToString(joined.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                  observation);
      assertOutcome(fhirAs(writer).body(transaction).post(""), 403);
    }
    assertThat(
            tree(fhir().get("/Observation/" + observation).asString())
                .path("subject")
                .path("reference")
                .asText())
        .isEqualTo("Patient/" + own);

    // A caller who may read Patients in full may patch one in: the road itself works.
    fhir()
        .contentType("application/json-patch+json")
        .body(
            """
            [{"op":"replace","path":"/subject","value":{"reference":"Patient?identifier=%s|%s"}}]"""
                .formatted(MRN, v.mrn()))
        .patch("/Observation/" + observation)
        .then()
        .statusCode(200);
    assertThat(
            tree(fhir().get("/Observation/" + observation).asString())
                .path("subject")
                .path("reference")
                .asText())
        .isEqualTo("Patient/" + v.patient());
  }

  // ============================================================================ (b) Groups

  @Test
  void groupsWithMembersArePatientDataButEligibilityCriteriaStayPublic() {
    Victim v = victim();
    String name = unique("Candidates");
    String candidates =
        fhir()
            .body(
                """
                {"resourceType":"Group","type":"person","actual":true,
                 "identifier":[{"system":"urn:trialfhir:test:attack-group","value":"%s"}],
                 "member":[{"entity":{"reference":"Patient/%s"}}]}"""
                    .formatted(name, v.patient()))
            .post("/Group")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String criteriaName = unique("Criteria");
    String criteria =
        fhir()
            .body(
                """
                {"resourceType":"Group","type":"person","actual":false,
                 "identifier":[{"system":"urn:trialfhir:test:attack-group","value":"%s"}],
                 "characteristic":[{"code":{"text":"age"},"valueBoolean":true,
                  "exclude":false}]}"""
                    .formatted(criteriaName))
            .post("/Group")
            .then()
            .statusCode(201)
            .extract()
            .path("id");

    Map<Role, Supplier<RequestSpecification>> roles = roles(v.patient(), v.organization());
    for (Map.Entry<Role, Supplier<RequestSpecification>> role : roles.entrySet()) {
      Role who = role.getKey();
      boolean readsGroups =
          who != Role.ANONYMOUS && who != Role.PATIENT && who != Role.EHR && who != Role.AUDITOR;
      Supplier<RequestSpecification> request = role.getValue();
      // Criteria are public to everyone, by id and by search.
      request.get().get("/Group/" + criteria).then().statusCode(200);
      assertThat(
              total(
                  request
                      .get()
                      .queryParam("identifier", "urn:trialfhir:test:attack-group|" + criteriaName)
                      .get("/Group")))
          .as(who.name())
          .isEqualTo(1);
      request.get().get("/Group/" + STUDY + "-eligibility").then().statusCode(200);
      // The candidate list is not, however asked for.
      expect(who, request.get().get("/Group/" + candidates), readsGroups);
      expect(who, request.get().get("/Group?member=Patient/" + v.patient()), readsGroups);
      expect(who, request.get().get("/Group/" + candidates + "/_history"), readsGroups);
      String byIdentifier = "urn:trialfhir:test:attack-group|" + name;
      Response byName = request.get().queryParam("identifier", byIdentifier).get("/Group");
      assertThat(byName.statusCode()).as(who + ": " + byName.asString()).isEqualTo(200);
      assertThat(total(byName)).as(who.name()).isEqualTo(readsGroups ? 1 : 0);
      Response count =
          request
              .get()
              .queryParam("identifier", byIdentifier)
              .queryParam("_summary", "count")
              .get("/Group");
      assertThat(total(count)).as(who.name()).isEqualTo(readsGroups ? 1 : 0);
    }
    // The patient app's own record does not bring the list along.
    Response everything =
        fhirAs(TestTokens.token("patient/*.rs", List.of(), v.patient()))
            .get("/Patient/" + v.patient() + "/$everything");
    assertThat(everything.statusCode()).as(everything.asString()).isEqualTo(200);
    assertThat(everything.asString()).doesNotContain("Group/" + candidates);

    // Deleted, its history still lists members: refused as well.
    fhir().delete("/Group/" + candidates).then().statusCode(200);
    expect(Role.ANONYMOUS, anonymous().get("/Group/" + candidates + "/_history"), false);
    expect(
        Role.PATIENT,
        fhirAs(TestTokens.token("patient/*.rs", List.of(), v.patient()))
            .get("/Group/" + candidates + "/_history/1"),
        false);
    fhir().get("/Group/" + candidates + "/_history").then().statusCode(200);
  }

  // ============================================================================ (c) tokens

  @Test
  void aTokenFromAnotherIssuerOrForAnotherAudienceIsA401() {
    Map<String, Map<String, Object>> bad = new LinkedHashMap<>();
    bad.put("foreign iss", Map.of("iss", "http://evil.example", "aud", TestTokens.AUDIENCE));
    bad.put("no iss", Map.of("aud", TestTokens.AUDIENCE));
    bad.put("wrong aud", Map.of("iss", TestTokens.ISSUER, "aud", "https://other.example/fhir"));
    bad.put("no aud", Map.of("iss", TestTokens.ISSUER));
    for (Map.Entry<String, Map<String, Object>> claims : bad.entrySet()) {
      String token = TestTokens.exactly(claims.getValue());
      for (Response response :
          List.of(
              fhirAs(token).get("/Patient?_count=1"),
              fhirAs(token).get("/ResearchStudy/" + STUDY),
              fhirAs(token).header("Host", "evil.example").get("/Patient?_count=1"))) {
        assertThat(response.statusCode()).as(claims.getKey()).isEqualTo(401);
        assertThat(response.getHeader("WWW-Authenticate")).as(claims.getKey()).startsWith("Bearer");
        assertThat(tree(response.asString()).path("resourceType").asText())
            .as(claims.getKey())
            .isEqualTo("OperationOutcome");
      }
    }
    Map<String, Object> good = new HashMap<>();
    good.put("iss", TestTokens.ISSUER);
    good.put("aud", List.of("https://other.example", TestTokens.AUDIENCE));
    fhirAs(TestTokens.exactly(good)).get("/Patient?_count=1").then().statusCode(200);
  }

  // ============================================================================ (d) ehr

  @Test
  void anEhrCannotReachAnotherHospitalsPatientByIdentifierFocusOrMatchUrl() {
    Victim theirs = victim();
    String ours = organization(unique("Own Hospital"));
    String ownMrn = unique("MRN");
    String own = patient(unique("Own"), ours, ownMrn);
    Supplier<RequestSpecification> ehrs =
        () ->
            fhirAs(
                TestTokens.token(
                    EHR_SCOPES, List.of("ehr-system"), null, Map.of("organization", ours)));
    int before = observationsOf(theirs.patient());

    // Another hospital's patient by identifier alone, or an identifier of no patient: the same 403
    // (a different answer would tell which identifiers other hospitals hold).
    assertOutcome(ehrs.get().body(byIdentifier(theirs.mrn())).post("/Observation"), 403);
    assertOutcome(ehrs.get().body(byIdentifier(unique("nobody"))).post("/Observation"), 403);
    // Its own patient by identifier alone is fine.
    ehrs.get().body(byIdentifier(ownMrn)).post("/Observation").then().statusCode(201);
    // Typed Patient, in another element than subject.
    String typed =
        hba1c("Patient/" + own, 7.0)
            .replace(
                "\"effectiveDateTime\"",
                "\"focus\":[{\"type\":\"Patient\",\"identifier\":{\"system\":\""
                    + MRN
                    + "\",\"value\":\""
                    + theirs.mrn()
                    + "\"}}],\"effectiveDateTime\"");
    assertOutcome(ehrs.get().body(typed).post("/Observation"), 403);
    // focus with a literal reference.
    String focus =
        hba1c("Patient/" + own, 7.0)
            .replace(
                "\"effectiveDateTime\"",
                "\"focus\":[{\"reference\":\"Patient/"
                    + theirs.patient()
                    + "\"}],\"effectiveDateTime\"");
    assertOutcome(ehrs.get().body(focus).post("/Observation"), 403);
    // A match URL in a transaction, resolved by the server to their patient.
    String transaction =
        """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"resource":%s,"request":{"method":"POST","url":"Observation"}}]}"""
            .formatted(hba1c("Patient?identifier=" + MRN + "|" + theirs.mrn(), 7.0));
    assertOutcome(ehrs.get().body(transaction).post(""), 403);
    // The same match URL in a single create.
    assertOutcome(
        ehrs.get()
            .body(hba1c("Patient?identifier=" + MRN + "|" + theirs.mrn(), 7.0))
            .post("/Observation"),
        403);
    assertThat(observationsOf(theirs.patient())).isEqualTo(before);
    assertThat(total(fhir().queryParam("focus", "Patient/" + theirs.patient()).get("/Observation")))
        .isZero();

    // Nor may it change or delete their data: PATCH, DELETE, conditional DELETE.
    String patch =
        """
        [{"op":"replace","path":"/valueQuantity/value","value":5.0}]""";
    assertOutcome(
        ehrs.get()
            .contentType("application/json-patch+json")
            .body(patch)
            .patch("/Observation/" + theirs.observation()),
        403);
    assertOutcome(ehrs.get().delete("/Observation/" + theirs.observation()), 403);
    Response conditional = ehrs.get().delete("/Observation?subject=Patient/" + theirs.patient());
    assertThat(conditional.statusCode()).as(conditional.asString()).isIn(403, 412);
    fhir().get("/Observation/" + theirs.observation()).then().statusCode(200);
    // Re-pointing its own Observation at their patient by PATCH is refused too.
    String ownObservation =
        ehrs.get()
            .body(hba1c("Patient/" + own, 6.5))
            .post("/Observation")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String repoint =
        """
        [{"op":"replace","path":"/subject","value":{"identifier":{"system":"%s","value":"%s"}}}]"""
            .formatted(MRN, theirs.mrn());
    assertOutcome(
        ehrs.get()
            .contentType("application/json-patch+json")
            .body(repoint)
            .patch("/Observation/" + ownObservation),
        403);
  }

  /** An HbA1c whose subject is given by MRN alone, no reference. */
  private static String byIdentifier(String mrn) {
    return hba1c("x", 7.0)
        .replace(
            "\"subject\":{\"reference\":\"x\"}",
            "\"subject\":{\"identifier\":{\"system\":\"" + MRN + "\",\"value\":\"" + mrn + "\"}}");
  }

  private int observationsOf(String patient) {
    return total(fhir().queryParam("subject", "Patient/" + patient).get("/Observation"));
  }

  // ============================================================================ (e) delete

  @Test
  void aConditionalDeleteIsJudgedByTheCallersRulesForItsType() {
    String code = unique("cond-delete");
    String observation =
        """
        {"resourceType":"Observation","status":"final",
         "identifier":[{"system":"urn:trialfhir:test:attack","value":"%s"}],
         "code":{"text":"x"}}""";
    for (String token :
        List.of(
            TestTokens.admin(),
            TestTokens.token("user/*.cruds", List.of("coordinator"), null),
            TestTokens.token("system/Observation.cruds", List.of(), null))) {
      String value = unique(code);
      fhir().body(observation.formatted(value)).post("/Observation").then().statusCode(201);
      Response deleted =
          fhirAs(token).delete("/Observation?identifier=urn:trialfhir:test:attack|" + value);
      assertThat(deleted.statusCode()).as(deleted.asString()).isIn(200, 204);
      assertThat(
              total(
                  fhir()
                      .queryParam("identifier", "urn:trialfhir:test:attack|" + value)
                      .get("/Observation")))
          .isZero();
    }
    // A token that may not delete Observations still may not, conditionally or not.
    String value = unique(code);
    fhir().body(observation.formatted(value)).post("/Observation").then().statusCode(201);
    assertOutcome(
        fhirAs(TestTokens.token("user/*.rs", List.of("coordinator"), null))
            .delete("/Observation?identifier=urn:trialfhir:test:attack|" + value),
        403);
    // AuditEvents and allocations stay undeletable, conditionally too.
    assertOutcome(fhir().delete("/AuditEvent?outcome=0"), 403);
    assertOutcome(
        fhirAs(TestTokens.token("user/*.cruds", List.of("coordinator"), null))
            .delete("/Basic?code=anything"),
        403);
  }

  // ============================================================================ (f) operations

  @Test
  void roleGrantedOperationsAlsoNeedScopesForWhatTheyDo() {
    String patient = createPatient(unique("Op"), "2014-01-10");
    Map<String, Response> refused = new LinkedHashMap<>();
    for (String scopes : List.of("", "openid", "system/ResearchStudy.rs", "patient/*.cruds")) {
      String registry = TestTokens.token(scopes, List.of("registry"), "example-t1d-child");
      refused.put(
          "import [" + scopes + "]",
          fhirAs(registry)
              .body("{\"resourceType\":\"Parameters\"}")
              .post("/ResearchStudy/$import-ctgov"));
      refused.put(
          "report [" + scopes + "]",
          fhirAs(registry).get("/ResearchStudy/" + STUDY + "/$endpoint-report"));
      String coordinator =
          TestTokens.token(scopes, List.of("coordinator", "investigator"), "example-t1d-child");
      refused.put(
          "eligibility [" + scopes + "]",
          fhirAs(coordinator)
              .get(
                  "/ResearchStudy/"
                      + STUDY
                      + "/$eligibility?patient=Patient/"
                      + patient
                      + "&date=2026-06-15"));
      refused.put(
          "screen [" + scopes + "]",
          fhirAs(coordinator)
              .header("Prefer", "respond-async")
              .get("/ResearchStudy/" + STUDY + "/$screen"));
      refused.put(
          "enroll [" + scopes + "]",
          fhirAs(coordinator)
              .body(enrolment(patient))
              .post("/ResearchStudy/" + STUDY + "/$enroll"));
      refused.put(
          "withdraw [" + scopes + "]",
          fhirAs(coordinator)
              .body("{\"resourceType\":\"Parameters\"}")
              .post("/ResearchSubject/no-such-subject/$withdraw"));
    }
    // Reading all is not writing: $enroll and $withdraw store a ResearchSubject.
    String readOnly = TestTokens.token("user/*.rs", List.of("coordinator"), null);
    refused.put(
        "enroll read-only",
        fhirAs(readOnly).body(enrolment(patient)).post("/ResearchStudy/" + STUDY + "/$enroll"));
    refused.put(
        "withdraw read-only",
        fhirAs(readOnly)
            .body("{\"resourceType\":\"Parameters\"}")
            .post("/ResearchSubject/no-such-subject/$withdraw"));
    // Reading studies is not reading records.
    refused.put(
        "eligibility with study scope only",
        fhirAs(TestTokens.token("user/ResearchStudy.rs", List.of("coordinator"), null))
            .get(
                "/ResearchStudy/"
                    + STUDY
                    + "/$eligibility?patient=Patient/"
                    + patient
                    + "&date=2026-06-15"));
    for (Map.Entry<String, Response> response : refused.entrySet()) {
      assertThat(response.getValue().statusCode())
          .as(response.getKey() + ": " + response.getValue().asString())
          .isEqualTo(403);
      assertThat(tree(response.getValue().asString()).path("resourceType").asText())
          .isEqualTo("OperationOutcome");
    }
    assertThat(total(fhir().queryParam("individual", "Patient/" + patient).get("/ResearchSubject")))
        .isZero();

    // With the scopes the operations are let through (and then judge their input).
    String registry = TestTokens.token(REGISTRY_SCOPES, List.of("registry"), null);
    Response imported =
        fhirAs(registry)
            .body("{\"resourceType\":\"Parameters\"}")
            .post("/ResearchStudy/$import-ctgov");
    assertThat(imported.statusCode()).as(imported.asString()).isNotIn(401, 403);
    fhirAs(TestTokens.token("user/*.rs", List.of("coordinator"), null))
        .get(
            "/ResearchStudy/"
                + STUDY
                + "/$eligibility?patient=Patient/"
                + patient
                + "&date=2026-06-15")
        .then()
        .statusCode(200);
  }

  private static String enrolment(String patient) {
    return """
        {"resourceType":"Parameters","parameter":[
          {"name":"patient","valueReference":{"reference":"Patient/%s"}},
          {"name":"date","valueDate":"2026-06-15"}]}"""
        .formatted(patient);
  }

  // ============================================================================ helpers

  /** Allowed: 200. Refused: 401 with a challenge for anonymous, else 403; an OperationOutcome. */
  private static void expect(Role who, Response response, boolean allowed) {
    String body = response.asString();
    if (allowed) {
      assertThat(response.statusCode()).as(who + " should be allowed: " + body).isEqualTo(200);
      return;
    }
    assertOutcome(response, who == Role.ANONYMOUS ? 401 : 403);
    if (who == Role.ANONYMOUS) {
      assertThat(response.getHeader("WWW-Authenticate")).as(body).startsWith("Bearer");
    }
    assertThat(body).as(who.name()).doesNotContain("\"total\"");
  }

  private static void assertOutcome(Response response, int status) {
    String body = response.asString();
    assertThat(response.statusCode()).as(body).isEqualTo(status);
    assertThat(tree(body).path("resourceType").asText()).as(body).isEqualTo("OperationOutcome");
    assertThat(body).doesNotContain("Exception").doesNotContain("\tat ");
  }

  private static int total(Response response) {
    String body = response.asString();
    assertThat(response.statusCode()).as(body).isEqualTo(200);
    return tree(body).path("total").asInt();
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }
}
