package org.trialfhir.screeninglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.PatientFixture.CONSENT;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;
import static org.trialfhir.eligibility.PatientFixture.researchConsent;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * The worklist's statuses as pre-enrolment ResearchSubjects, their log as CSV, and enrolment from
 * such a subject: never counted as enrolled, never with an arm, one subject per patient.
 */
@Tag("persistence")
class ScreeningLogIT extends IntegrationTestBase {

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
  private static final String ON_STUDY =
      "on-study,on-study-intervention,on-study-observation,follow-up";

  private static final String COORDINATOR =
      TestTokens.token("user/*.cruds", List.of("coordinator"), null);
  private static final String INVESTIGATOR =
      TestTokens.token("user/*.rs user/ResearchSubject.cru", List.of("investigator"), null);

  /** Reads everything, writes subjects, but is not of the study team. */
  private static final String READER =
      TestTokens.token("user/*.rs user/ResearchSubject.cru", List.of(), null);

  @Test
  void aCandidateIsLoggedStepByStepThenEnrolledAsTheSameSubjectWithoutCountingBefore() {
    String study = createStudy();
    String patient = loadEligible(study);

    JsonPath contacted = record(COORDINATOR, study, patient, "contacted", null, 200).jsonPath();
    String subject = contacted.getString("id");
    assertThat(contacted.getString("status")).isEqualTo("candidate");
    assertThat(contacted.getString("assignedArm")).isNull();
    assertThat(
            record(INVESTIGATOR, study, patient, "screening", null, 200).jsonPath().getString("id"))
        .as("one subject per patient and study")
        .isEqualTo(subject);
    // Consenting while the screening goes on (the fixture's record is dated months ago, so today
    // a criterion fails on it: "eligible" would be refused, see the other test).
    JsonPath consented =
        record(COORDINATOR, study, patient, "consented", "Signed at the clinic", 200).jsonPath();
    assertThat(consented.getString("status")).isEqualTo("pending-on-study");
    assertThat(consented.getString("consent.reference")).startsWith("Consent/");
    assertThat(count("study=ResearchStudy/" + study + "&status=" + ON_STUDY))
        .as("a candidate is not enrolled")
        .isZero();

    Response enrolled =
        fhir().body(enrolBody(patient)).post("/ResearchStudy/" + study + "/$enroll");
    assertThat(enrolled.statusCode()).as(enrolled.asString()).isEqualTo(200);
    assertThat(enrolled.jsonPath().getString("id")).isEqualTo(subject);
    assertThat(enrolled.jsonPath().getString("status")).isEqualTo("on-study");
    assertThat(enrolled.jsonPath().getList("extension.url"))
        .as("the screening's note stays in the log, not on the enrolled subject")
        .noneMatch(url -> url.toString().endsWith("screening-reason"));
    assertThat(count("study=ResearchStudy/" + study)).as("no second subject").isEqualTo(1);
    assertThat(count("study=ResearchStudy/" + study + "&status=" + ON_STUDY)).isEqualTo(1);

    // Once enrolled, the screening is over.
    record(COORDINATOR, study, patient, "declined", "Changed their mind", 409);

    String csv = log(COORDINATOR, study);
    List<String> lines = Arrays.asList(csv.split("\r\n"));
    assertThat(lines.get(0))
        .isEqualTo("screening_id,recorded,recorded_by,status,status_text,subject_status,reason");
    assertThat(lines.subList(1, lines.size()).stream().map(l -> l.split(",")[3]))
        .containsExactly("contacted", "screening", "consented", "enrolled");
    assertThat(lines.subList(1, lines.size())).allMatch(l -> l.startsWith(subject + ","));
    assertThat(lines.get(1)).contains(",test-client user-");
    assertThat(csv).as("no arm in the log").doesNotContain(EXPERIMENTAL).doesNotContain(PLACEBO);
    assertThat(csv).as("no patient id in the log").doesNotContain(patient);
  }

  @Test
  void screenFailuresAndRefusalsCarryTheirReasonAndTheLogIsSafeInASpreadsheet() {
    String study = createStudy();
    String adult = createPatient(unique("Adult"), "1950-01-01");
    String other = createPatient(unique("Other"), "2014-01-10");

    record(COORDINATOR, study, adult, "screen-failure", null, 400);
    record(COORDINATOR, study, adult, "enrolled", null, 400);
    Response eligible = record(COORDINATOR, study, adult, "eligible", null, 422);
    assertThat(eligible.asString()).contains("not eligible on today's record").contains("inc-age");
    record(COORDINATOR, study, adult, "consented", null, 422);
    record(READER, study, adult, "contacted", null, 403);

    String reason = "=HYPERLINK(\"http://evil\"), aged 76";
    JsonPath failed = record(COORDINATOR, study, adult, "screen-failure", reason, 200).jsonPath();
    assertThat(failed.getString("status")).isEqualTo("ineligible");
    assertThat(
            failed.getString("extension.find { it.url.endsWith('screening-reason') }.valueString"))
        .isEqualTo(reason);
    Response enrolAnyway =
        fhir().body(enrolBody(adult)).post("/ResearchStudy/" + study + "/$enroll");
    assertThat(enrolAnyway.statusCode()).as(enrolAnyway.asString()).isEqualTo(409);
    assertThat(enrolAnyway.asString()).contains("screening for").contains("screen failure");
    Response backwards = record(COORDINATOR, study, adult, "contacted", null, 422);
    assertThat(backwards.asString()).contains("moves forward only");

    record(COORDINATOR, study, other, "contacted", null, 200);
    record(COORDINATOR, study, other, "declined", "Lives too far from the site", 200);

    String csv = log(INVESTIGATOR, study);
    assertThat(csv)
        .contains(
            ",screen-failure,Screen failure,ineligible,\"'=HYPERLINK(\"\"http://evil\"\"), aged 76\"\r\n")
        .contains(",declined,Declined,not-registered,Lives too far from the site\r\n");
    fhirAs(READER).get("/ResearchStudy/" + study + "/$screening-log").then().statusCode(403);

    // As a FHIR client asks for it: a Binary of type text/csv.
    fhirAs(COORDINATOR)
        .get("/ResearchStudy/" + study + "/$screening-log")
        .then()
        .statusCode(200)
        .body("resourceType", org.hamcrest.Matchers.equalTo("Binary"))
        .body("contentType", org.hamcrest.Matchers.equalTo("text/csv"));
  }

  /**
   * A Provenance a client writes may name anyone: the log counts only the server's own records, and
   * a client cannot pass its Provenance off as one.
   */
  @Test
  void aProvenanceAClientWritesIsNotInTheLogAndCannotPassForTheServers() {
    String study = createStudy();
    String patient = createPatient(unique("Forged"), "2014-01-10");
    String subject =
        record(COORDINATOR, study, patient, "contacted", null, 200).jsonPath().getString("id");
    String forged =
        """
        {"resourceType":"Provenance",%s
         "target":[{"reference":"ResearchSubject/%s"}],
         "recorded":"2026-01-01T00:00:00Z",
         "activity":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/screening-status",
                                "code":"screen-failure"}]},
         "reason":[{"text":"Forged reason"}],
         "agent":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                                      "code":"author"}]},
                   "who":{"display":"Dr Forged"}}]}
        """;
    Response marked =
        fhirAs(COORDINATOR)
            .body(
                forged.formatted(
                    "\"meta\":{\"tag\":[{\"system\":\"http://trialfhir.org/fhir/CodeSystem/record-label\","
                        + "\"code\":\"server-record\"}]},",
                    subject))
            .post("/Provenance");
    assertThat(marked.statusCode()).as(marked.asString()).isEqualTo(422);
    assertThat(marked.asString()).contains("server-record");
    Response unmarked = fhirAs(COORDINATOR).body(forged.formatted("", subject)).post("/Provenance");
    assertThat(unmarked.statusCode()).as(unmarked.asString()).isEqualTo(201);

    // Nor can a client change the server's record of the contact.
    String serverRecord =
        fhir()
            .get("/Provenance?target=ResearchSubject/" + subject)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getString(
                "entry.resource.find { it.meta.tag?.any { t -> t.code == 'server-record' } }.id");
    assertThat(serverRecord).isNotNull();
    Response changed =
        fhirAs(COORDINATOR)
            .body(forged.formatted("\"id\":\"" + serverRecord + "\",", subject))
            .put("/Provenance/" + serverRecord);
    assertThat(changed.statusCode()).as(changed.asString()).isEqualTo(422);
    Response deleted = fhirAs(COORDINATOR).delete("/Provenance/" + serverRecord);
    assertThat(deleted.statusCode()).as(deleted.asString()).isEqualTo(422);

    String csv = log(COORDINATOR, study);
    assertThat(csv).doesNotContain("Dr Forged").doesNotContain("Forged reason");
    List<String> lines = Arrays.asList(csv.split("\r\n"));
    assertThat(lines.subList(1, lines.size()).stream().map(l -> l.split(",")[3]))
        .containsExactly("contacted");
  }

  /** Several people recording a patient's first status at once still make one subject. */
  @Test
  void concurrentFirstRecordsOfAPatientMakeOneSubject() throws Exception {
    String study = createStudy();
    String patient = createPatient(unique("Concurrent"), "2014-01-10");
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Response>> answers = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        answers.add(pool.submit(() -> record(COORDINATOR, study, patient, "contacted", null, 200)));
      }
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (var answer : answers) {
        ids.add(answer.get().jsonPath().getString("id"));
      }
      assertThat(ids).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(count("study=ResearchStudy/" + study)).isEqualTo(1);
  }

  private Response record(
      String token, String study, String patient, String status, String reason, int expected) {
    String body =
        """
        {"resourceType":"Parameters","parameter":[
          {"name":"patient","valueReference":{"reference":"Patient/%s"}},
          {"name":"status","valueCode":"%s"}%s]}
        """
            .formatted(
                patient,
                status,
                reason == null
                    ? ""
                    : ",{\"name\":\"reason\",\"valueString\":"
                        + com.fasterxml.jackson.databind.node.TextNode.valueOf(reason)
                        + "}");
    Response response =
        fhirAs(token).body(body).post("/ResearchStudy/" + study + "/$record-screening");
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(expected);
    return response;
  }

  private String log(String token, String study) {
    Response response =
        io.restassured.RestAssured.given()
            .basePath("/fhir")
            .header("Authorization", "Bearer " + token)
            .header("Accept", "text/csv")
            .get("/ResearchStudy/" + study + "/$screening-log");
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("text/csv");
    assertThat(response.header("Content-Disposition")).startsWith("Attachment");
    return response.asString();
  }

  private int count(String query) {
    return fhir()
        .get("/ResearchSubject?" + query + "&_summary=count")
        .then()
        .statusCode(200)
        .extract()
        .path("total");
  }

  /** A masked, randomised study on NCT06407297's criteria, with a target of 10. */
  private String createStudy() {
    String id = unique("log").toLowerCase();
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
                "extension":[{"url":"targetNumber","valueUnsignedInt":10}]},
               {"url":"http://trialfhir.org/fhir/StructureDefinition/randomisation",
                "extension":[{"url":"blockSize","valuePositiveInt":4}]}],
             "title":"Screening log test study %1$s",
             "status":"active",
             "enrollment":[{"reference":"%2$s"}],
             "arm":[{"name":"%3$s"},{"name":"%4$s"}]}
            """
                .formatted(id, CRITERIA_GROUP, EXPERIMENTAL, PLACEBO))
        .put("/ResearchStudy/" + id)
        .then()
        .statusCode(201);
    return id;
  }

  /** The eligible child of the fixtures, consenting to this study; its Patient id. */
  private String loadEligible(String study) {
    String bundle =
        eligibleChild()
            .set(CONSENT, researchConsent("ResearchStudy/" + study))
            .transaction(unique("log"));
    String location =
        fhir()
            .body(bundle)
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getString("entry[0].response.location");
    assertThat(location).startsWith("Patient/");
    return location.split("/")[1];
  }

  /** $enroll as of the fixture's date (a late entry, with its reason), confirming the reviews. */
  private static String enrolBody(String patient) {
    StringBuilder confirmed = new StringBuilder();
    MANUAL_REVIEW.forEach(
        c -> confirmed.append(",{\"name\":\"confirmed\",\"valueString\":\"" + c + "\"}"));
    return """
        {"resourceType":"Parameters","parameter":[
          {"name":"patient","valueReference":{"reference":"Patient/%s"}}%s,
          {"name":"date","valueDate":"%s"},
          {"name":"lateEntryReason","valueString":"Test data judged as of %s"}]}
        """
        .formatted(patient, confirmed, DATE, DATE);
  }
}
