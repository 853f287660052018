package org.trialfhir.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.PatientFixture.CONSENT;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;
import static org.trialfhir.eligibility.PatientFixture.researchConsent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;
import org.trialfhir.eligibility.PatientFixture;

/**
 * Dates that cannot lie (issue 22): a Consent or an enrolment dated in the future is refused,
 * whether written by REST, in a transaction or by $enroll; one dated before today is a late entry
 * that needs its reason, is tagged record-label#late-entry and says so in its AuditEvent. And the
 * investigator's own sign-off: only a caller with the investigator role confirms manual-review
 * criteria, and the Provenance names that caller from the token.
 *
 * <p>Enrolments use {@link PatientFixture#eligibleChild()}, eligible as of {@value #DATE} only (its
 * labs age out after), so they are late entries with a reason unless a test says otherwise.
 */
@Tag("persistence")
class EnrolmentDatesIT extends IntegrationTestBase {

  private static final String DATE = "2026-06-15";
  private static final String LATE_ENTRY =
      "http://trialfhir.org/fhir/StructureDefinition/late-entry";
  private static final String RECORD_LABEL = "http://trialfhir.org/fhir/CodeSystem/record-label";
  private static final List<String> MANUAL_REVIEW =
      List.of(
          "exc-infection",
          "exc-organ-disease",
          "exc-pregnancy-plans",
          "exc-compliance",
          "exc-investigator");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String COORDINATOR =
      TestTokens.token("user/*.cruds", List.of("coordinator"), null);

  // ============================================================================ consents

  @Test
  void aConsentDatedInTheFutureIsRefusedByRestAndInATransaction() {
    String patient = createPatient(unique("Future"), "2014-01-10");
    String tomorrow = LocalDate.now().plusDays(1).toString();

    Response rest = fhir().body(consent(patient, tomorrow, null)).post("/Consent");
    assertThat(rest.statusCode()).as(rest.asString()).isEqualTo(422);
    assertThat(diagnostics(rest)).contains("Consent.dateTime", tomorrow, "in the future");

    Response transaction =
        fhir().body(transactionOf(consent(patient, "2027-01-15", null))).post("/");
    assertThat(transaction.statusCode()).as(transaction.asString()).isEqualTo(422);
    assertThat(transaction.asString()).contains("Consent.dateTime", "2027-01-15", "in the future");

    String provisionStart =
        consent(patient, null, null)
            .replace(
                "\"patient\":",
                "\"provision\":{\"period\":{\"start\":\"" + tomorrow + "\"}},\"patient\":");
    Response provision = fhir().body(provisionStart).post("/Consent");
    assertThat(provision.statusCode()).as(provision.asString()).isEqualTo(422);
    assertThat(diagnostics(provision)).contains("Consent.provision.period.start", tomorrow);

    assertThat(consentsOf(patient)).isZero();
  }

  @Test
  void aConsentDatedBeforeTodayNeedsAReasonAndIsLabelledAndAudited() throws Exception {
    String patient = createPatient(unique("Late"), "2014-01-10");
    String lastWeek = LocalDate.now().minusDays(7).toString();

    Response without = fhir().body(consent(patient, lastWeek, null)).post("/Consent");
    assertThat(without.statusCode()).as(without.asString()).isEqualTo(422);
    assertThat(diagnostics(without)).contains("Consent.dateTime", lastWeek, LATE_ENTRY);
    assertThat(consentsOf(patient)).isZero();

    String reason = "Signed on paper at the clinic on " + lastWeek + ", entered from the scan";
    Response with = fhir().body(consent(patient, lastWeek, reason)).post("/Consent");
    assertThat(with.statusCode()).as(with.asString()).isEqualTo(201);
    String id = with.jsonPath().getString("id");
    JsonNode stored =
        tree(fhir().get("/Consent/" + id).then().statusCode(200).extract().asString());
    assertThat(tags(stored)).contains(RECORD_LABEL + "|late-entry");
    assertThat(stored.path("extension").toString()).contains(LATE_ENTRY, reason);
    // Monitors find late entries by their tag.
    assertThat(
            fhir()
                .queryParam("patient", "Patient/" + patient)
                .queryParam("_tag", RECORD_LABEL + "|late-entry")
                .get("/Consent")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("entry.resource.id", String.class))
        .containsExactly(id);

    // The AuditEvent of the create says it is a late entry, and why.
    JsonNode detail = awaitLateEntryDetail("Consent/" + id);
    assertThat(detail.path("valueString").asText()).isEqualTo(reason);

    // A consent dated today is neither refused nor labelled.
    Response today =
        fhir().body(consent(patient, LocalDate.now().toString(), null)).post("/Consent");
    assertThat(today.statusCode()).as(today.asString()).isEqualTo(201);
    assertThat(tags(tree(today.asString()))).doesNotContain(RECORD_LABEL + "|late-entry");

    // Changing the status later (e.g. the patient withdraws consent) leaves its date alone: no new
    // reason is asked.
    String revoked =
        fhir()
            .get("/Consent/" + id)
            .then()
            .extract()
            .asString()
            .replace("\"active\"", "\"inactive\"");
    fhir().body(revoked).put("/Consent/" + id).then().statusCode(200);
  }

  // ============================================================================ $enroll dates

  @Test
  void anEnrolmentDatedInTheFutureIsRefusedByEnrollAndByADirectWrite() {
    String study = createStudy();
    String patient = load(eligibleFor(study));
    String tomorrow = LocalDate.now().plusDays(1).toString();

    Response enrol =
        fhir().body(enrolment(patient, tomorrow, null, MANUAL_REVIEW)).post(enroll(study));
    assertThat(enrol.statusCode()).as(enrol.asString()).isEqualTo(422);
    assertThat(diagnostics(enrol)).contains("'date'", tomorrow, "in the future");

    String direct =
        """
        {"resourceType":"ResearchSubject","status":"on-study","period":{"start":"%s"},
         "study":{"reference":"ResearchStudy/%s"},"individual":{"reference":"Patient/%s"}}"""
            .formatted("2027-01-15", study, patient);
    Response rest = fhir().body(direct).post("/ResearchSubject");
    assertThat(rest.statusCode()).as(rest.asString()).isEqualTo(422);
    assertThat(diagnostics(rest)).contains("ResearchSubject.period.start", "2027-01-15");
    Response transaction = fhir().body(transactionOf(direct)).post("/");
    assertThat(transaction.statusCode()).as(transaction.asString()).isEqualTo(422);

    assertThat(subjectsOf(study)).isZero();
  }

  @Test
  void aLateEnrolmentNeedsItsReasonAndIsLabelledInTheSubjectProvenanceAndAudit() throws Exception {
    String study = createStudy();
    String patient = load(eligibleFor(study));

    Response without =
        fhir().body(enrolment(patient, DATE, null, MANUAL_REVIEW)).post(enroll(study));
    assertThat(without.statusCode()).as(without.asString()).isEqualTo(422);
    assertThat(diagnostics(without)).contains(DATE, "lateEntryReason");
    assertThat(subjectsOf(study)).isZero();

    String reason = "Enrolled on " + DATE + " during the server outage; entered from the CRF";
    Response with =
        fhir().body(enrolment(patient, DATE, reason, MANUAL_REVIEW)).post(enroll(study));
    assertThat(with.statusCode()).as(with.asString()).isEqualTo(200);
    JsonNode subject = tree(with.asString());
    assertThat(subject.path("period").path("start").asText()).isEqualTo(DATE);
    assertThat(tags(subject)).contains(RECORD_LABEL + "|late-entry");
    assertThat(subject.path("extension").toString()).contains(LATE_ENTRY, reason);

    JsonNode provenance = provenance(subject.path("id").asText());
    assertThat(provenance.path("reason").path(0).path("text").asText())
        .isEqualTo("Late entry: " + reason);
    assertThat(provenance.path("occurredDateTime").asText()).isEqualTo(DATE);

    JsonNode detail = awaitLateEntryDetail("ResearchSubject/" + subject.path("id").asText());
    assertThat(detail.path("valueString").asText()).isEqualTo(reason);
  }

  @Test
  void aConsentDatedAfterTheEnrolmentDateIsRefused() {
    String study = createStudy();
    String patient = load(eligibleFor(study).remove(CONSENT));
    String yesterday = LocalDate.now().minusDays(1).toString();
    String consent =
        consent(patient, yesterday, "Entered the day after")
            .replace("ResearchStudy/nct06407297", "ResearchStudy/" + study);
    fhir().body(consent).post("/Consent").then().statusCode(201);

    Response enrol =
        fhir().body(enrolment(patient, DATE, "Late", MANUAL_REVIEW)).post(enroll(study));
    assertThat(enrol.statusCode()).as(enrol.asString()).isEqualTo(422);
    assertThat(diagnostics(enrol)).contains(yesterday, "after the enrolment date " + DATE);
    assertThat(subjectsOf(study)).isZero();
  }

  // ============================================================================ sign-off

  @Test
  void aCoordinatorCannotConfirmForTheInvestigator() {
    String study = createStudy();
    String patient = load(eligibleFor(study));

    // Ticking the investigator's confirmations as a coordinator: refused, whoever is named.
    Response confirming =
        fhirAs(COORDINATOR)
            .body(enrolment(patient, DATE, "Late", MANUAL_REVIEW))
            .post(enroll(study));
    assertThat(confirming.statusCode()).as(confirming.asString()).isEqualTo(403);
    assertThat(diagnostics(confirming)).contains("investigator", "'confirmed'");

    String naming =
        enrolment(patient, DATE, "Late", List.of())
            .replace(
                "\"parameter\":[",
                "\"parameter\":[{\"name\":\"confirmer\",\"valueReference\":{\"reference\":\"Practitioner/x\"}},");
    Response named = fhirAs(COORDINATOR).body(naming).post(enroll(study));
    assertThat(named.statusCode()).as(named.asString()).isEqualTo(400);
    assertThat(diagnostics(named)).contains("'confirmer'", "no longer accepted");

    // Without confirmations the enrolment waits: each manual-review criterion is named as awaiting
    // the investigator.
    Response waiting =
        fhirAs(COORDINATOR).body(enrolment(patient, DATE, "Late", List.of())).post(enroll(study));
    assertThat(waiting.statusCode()).as(waiting.asString()).isEqualTo(422);
    for (String criterion : MANUAL_REVIEW) {
      assertThat(waiting.asString()).contains(criterion + " awaits the investigator's sign-off");
    }
    assertThat(subjectsOf(study)).isZero();
  }

  @Test
  void theInvestigatorSignsOffInTheirOwnSessionAndTheProvenanceNamesThem() {
    String study = createStudy();
    String patient = load(eligibleFor(study));
    String practitioner =
        fhir()
            .body("{\"resourceType\":\"Practitioner\",\"name\":[{\"family\":\"Yin\"}]}")
            .post("/Practitioner")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String user = unique("dr-yin");
    // The investigator as the development issuer signs them in: reads all, writes subjects.
    String investigator =
        TestTokens.token(
            "user/*.rs user/ResearchSubject.cru",
            List.of("investigator"),
            null,
            Map.of("sub", user, "fhirUser", "Practitioner/" + practitioner));

    // The coordinator prepared everything; the enrolment waits for the investigator.
    assertThat(
            fhirAs(COORDINATOR)
                .body(enrolment(patient, DATE, "Late", List.of()))
                .post(enroll(study))
                .statusCode())
        .isEqualTo(422);

    Response signed =
        fhirAs(investigator)
            .body(enrolment(patient, DATE, "Late", MANUAL_REVIEW))
            .post(enroll(study));
    assertThat(signed.statusCode()).as(signed.asString()).isEqualTo(200);
    assertThat(signed.jsonPath().getString("status")).isEqualTo("on-study");

    JsonNode provenance = provenance(signed.jsonPath().getString("id"));
    JsonNode verifier = provenance.path("agent").path(0);
    assertThat(verifier.path("type").path("coding").path(0).path("code").asText())
        .isEqualTo("verifier");
    assertThat(verifier.path("who").path("reference").asText())
        .isEqualTo("Practitioner/" + practitioner);
    assertThat(verifier.path("who").path("identifier").path("system").asText())
        .isEqualTo(TestTokens.ISSUER);
    assertThat(verifier.path("who").path("identifier").path("value").asText()).isEqualTo(user);
    List<String> confirmed = new java.util.ArrayList<>();
    for (JsonNode extension : provenance.path("extension")) {
      for (JsonNode part : extension.path("extension")) {
        if ("criterion".equals(part.path("url").asText())) {
          confirmed.add(part.path("valueString").asText());
        }
      }
    }
    assertThat(confirmed).containsExactlyInAnyOrderElementsOf(MANUAL_REVIEW);
  }

  // ============================================================================ helpers

  /** An active, non-randomised study of one arm on NCT06407297's criteria; returns its id. */
  private String createStudy() {
    String id = unique("dates").toLowerCase();
    fhir()
        .body(
            """
            {"resourceType":"ResearchStudy","id":"%s","status":"active","title":"Dates %1$s",
             "enrollment":[{"reference":"Group/nct06407297-eligibility"}],
             "arm":[{"name":"Open"}]}"""
                .formatted(id))
        .put("/ResearchStudy/" + id)
        .then()
        .statusCode(201);
    return id;
  }

  private static PatientFixture eligibleFor(String study) {
    return eligibleChild().set(CONSENT, researchConsent("ResearchStudy/" + study));
  }

  /** Loads the fixture's record in one transaction; returns the patient's id. */
  private String load(PatientFixture fixture) {
    List<String> locations =
        fhir()
            .body(fixture.transaction(unique("dates")))
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("entry.response.location", String.class);
    return locations.stream()
        .filter(l -> l.startsWith("Patient/"))
        .map(l -> l.split("/")[1])
        .findFirst()
        .orElseThrow();
  }

  /** A research Consent for NCT06407297; a null date or reason leaves it out. */
  private static String consent(String patient, String dateTime, String lateEntryReason) {
    return """
        {"resourceType":"Consent","status":"active",
         "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext",
           "valueReference":{"reference":"ResearchStudy/nct06407297"}}%s],
         "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"research"}]},
         "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
         %s"patient":{"reference":"Patient/%s"},
         "policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]}}"""
        .formatted(
            lateEntryReason == null
                ? ""
                : ",{\"url\":\"" + LATE_ENTRY + "\",\"valueString\":\"" + lateEntryReason + "\"}",
            dateTime == null ? "" : "\"dateTime\":\"" + dateTime + "\",",
            patient);
  }

  private static String transactionOf(String resource) {
    String type = tree(resource).path("resourceType").asText();
    return """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"resource":%s,"request":{"method":"POST","url":"%s"}}]}"""
        .formatted(resource, type);
  }

  private static String enrolment(
      String patient, String date, String lateEntryReason, List<String> confirmed) {
    ObjectNode parameters = JSON.createObjectNode().put("resourceType", "Parameters");
    ArrayNode list = parameters.putArray("parameter");
    list.addObject()
        .put("name", "patient")
        .putObject("valueReference")
        .put("reference", "Patient/" + patient);
    for (String criterion : confirmed) {
      list.addObject().put("name", "confirmed").put("valueString", criterion);
    }
    list.addObject().put("name", "date").put("valueDate", date);
    if (lateEntryReason != null) {
      list.addObject().put("name", "lateEntryReason").put("valueString", lateEntryReason);
    }
    return parameters.toString();
  }

  private static String enroll(String study) {
    return "/ResearchStudy/" + study + "/$enroll";
  }

  private int consentsOf(String patient) {
    return fhir()
        .queryParam("patient", "Patient/" + patient)
        .get("/Consent")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getList("entry", Object.class)
        .size();
  }

  private int subjectsOf(String study) {
    return fhir()
        .queryParam("study", "ResearchStudy/" + study)
        .get("/ResearchSubject")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getList("entry", Object.class)
        .size();
  }

  private JsonNode provenance(String subjectId) {
    JsonNode bundle =
        tree(
            fhir()
                .queryParam("target", "ResearchSubject/" + subjectId)
                .get("/Provenance")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    assertThat(bundle.path("entry")).hasSize(1);
    return bundle.path("entry").path(0).path("resource");
  }

  /**
   * The late-entry detail of the AuditEvent that names this resource as an entity (stored by the
   * audit relay in the background: waits up to 10 s).
   */
  private JsonNode awaitLateEntryDetail(String reference) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      JsonNode bundle =
          tree(
              fhir()
                  .queryParam("entity", reference)
                  .queryParam("_count", 50)
                  .get("/AuditEvent")
                  .then()
                  .statusCode(200)
                  .extract()
                  .asString());
      for (JsonNode entry : bundle.path("entry")) {
        for (JsonNode entity : entry.path("resource").path("entity")) {
          for (JsonNode detail : entity.path("detail")) {
            if ("late-entry".equals(detail.path("type").asText())) {
              return detail;
            }
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no AuditEvent saying that " + reference + " is a late entry");
  }

  private static List<String> tags(JsonNode resource) {
    List<String> tags = new java.util.ArrayList<>();
    for (JsonNode tag : resource.path("meta").path("tag")) {
      tags.add(tag.path("system").asText() + "|" + tag.path("code").asText());
    }
    return tags;
  }

  private static String diagnostics(Response response) {
    return tree(response.asString()).path("issue").toString();
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
