package org.trialfhir.subject;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

@Tag("persistence")
class SubjectLifecycleIT extends IntegrationTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A study of this test class's own, so that its subjects never fill a shared study. */
  private String study;

  private String subject(String status) {
    return subject(status, "2026-06-20");
  }

  /** A subject written directly; a start before today is a late entry, so it says why. */
  private String subject(String status, String start) {
    if (study == null) {
      study = unique("lifecycle").toLowerCase();
      fhir()
          .body(
              """
              {"resourceType":"ResearchStudy","id":"%s","status":"active","title":"Lifecycle"}
              """
                  .formatted(study))
          .put("/ResearchStudy/" + study)
          .then()
          .statusCode(201);
    }
    String patient = createPatient(unique("Subject"), "2014-01-10");
    return fhir()
        .body(
            """
            {"resourceType":"ResearchSubject","status":"%s","period":{"start":"%s"},
             "extension":[{"url":"http://trialfhir.org/fhir/StructureDefinition/late-entry",
                           "valueString":"Test data dated 2026-06-20"}],
             "study":{"reference":"ResearchStudy/%s"},
             "individual":{"reference":"Patient/%s"}}
            """
                .formatted(status, start, study, patient))
        .post("/ResearchSubject")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }

  /** The stored subject with another status, ready to PUT back. */
  private String withStatus(String id, String status) {
    try {
      ObjectNode subject =
          (ObjectNode)
              JSON.readTree(fhir().get("/ResearchSubject/" + id).then().extract().asString());
      subject.put("status", status);
      return subject.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String withdrawBody(String reason, String date) {
    return """
        {"resourceType":"Parameters","parameter":[
          {"name":"reason","valueString":"%s"},{"name":"date","valueDate":"%s"}]}
        """
        .formatted(reason, date);
  }

  @Test
  void withdrawEndsThePeriodAndKeepsTheReason() {
    String id = subject("on-study");
    fhir()
        .body(withdrawBody("Family moved away", "2026-09-01"))
        .post("/ResearchSubject/" + id + "/$withdraw")
        .then()
        .statusCode(200)
        .body("status", equalTo("withdrawn"))
        .body("period.end", equalTo("2026-09-01"))
        .body(
            "extension.find { it.url == 'http://trialfhir.org/fhir/StructureDefinition/withdrawal-reason' }.valueString",
            equalTo("Family moved away"));
    fhir().get("/ResearchSubject/" + id).then().body("status", equalTo("withdrawn"));
  }

  @Test
  void aWithdrawnSubjectCannotComeBackByPutOrTransaction() {
    String id = subject("on-study");
    fhir()
        .body(withdrawBody("Adverse event", "2026-08-01"))
        .post("/ResearchSubject/" + id + "/$withdraw")
        .then()
        .statusCode(200);
    String back = withStatus(id, "on-study");
    fhir()
        .body(back)
        .put("/ResearchSubject/" + id)
        .then()
        .statusCode(422)
        .body(
            "issue[0].diagnostics",
            containsString("cannot go from status 'withdrawn' to 'on-study'"));
    fhir()
        .body(
            """
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":%s,"request":{"method":"PUT","url":"ResearchSubject/%s"}}]}
            """
                .formatted(back, id))
        .post("/")
        .then()
        .statusCode(422);
    fhir().get("/ResearchSubject/" + id).then().body("status", equalTo("withdrawn"));
    fhir()
        .body(withdrawBody("Again", "2026-08-02"))
        .post("/ResearchSubject/" + id + "/$withdraw")
        .then()
        .statusCode(422)
        .body("issue[0].diagnostics", containsString("final"));
  }

  @Test
  void forwardChangesByPutAreAllowed() {
    String id = subject("candidate");
    fhir()
        .body(withStatus(id, "screening"))
        .put("/ResearchSubject/" + id)
        .then()
        .statusCode(200)
        .body("status", equalTo("screening"));
    String enrolled = subject("on-study");
    fhir()
        .body(withStatus(enrolled, "follow-up"))
        .put("/ResearchSubject/" + enrolled)
        .then()
        .statusCode(200)
        .body("status", equalTo("follow-up"));
  }

  /** An arm is drawn by $enroll: a subject not enrolled has none, whoever writes it. */
  @Test
  void aSubjectNotEnrolledIsGivenNoArm() {
    String id = subject("candidate");
    String withArm;
    try {
      ObjectNode subject = (ObjectNode) JSON.readTree(withStatus(id, "screening"));
      subject.put("assignedArm", "Placebo");
      withArm = subject.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    fhir()
        .body(withArm)
        .put("/ResearchSubject/" + id)
        .then()
        .statusCode(422)
        .body("issue[0].diagnostics", containsString("has no arm"));
    fhir()
        .body(withArm.replaceFirst("\"id\":\"[^\"]+\",", ""))
        .post("/ResearchSubject")
        .then()
        .statusCode(422);
    fhir().get("/ResearchSubject/" + id).then().body("status", equalTo("candidate"));
  }

  /** Eligibility, consent and randomisation are $enroll's: a PUT cannot skip them. */
  @Test
  void aCandidateIsPutOnStudyByEnrolOnlyNotByPut() {
    String id = subject("candidate");
    fhir()
        .body(withStatus(id, "on-study"))
        .put("/ResearchSubject/" + id)
        .then()
        .statusCode(422)
        .body("issue[0].diagnostics", containsString("$enroll"));
    fhir().get("/ResearchSubject/" + id).then().body("status", equalTo("candidate"));
  }

  @Test
  void badWithdrawalRequests() {
    String id = subject("on-study");
    fhir()
        .body(
            "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"date\",\"valueDate\":\"2026-09-01\"}]}")
        .post("/ResearchSubject/" + id + "/$withdraw")
        .then()
        .statusCode(400)
        .body("issue[0].diagnostics", containsString("reason"));
    fhir()
        .body(withdrawBody("Too early", "2026-06-01"))
        .post("/ResearchSubject/" + id + "/$withdraw")
        .then()
        .statusCode(400)
        .body("issue[0].diagnostics", containsString("before the subject's start"));
    fhir()
        .body(withdrawBody("Nobody", "2026-09-01"))
        .post("/ResearchSubject/" + unique("nobody") + "/$withdraw")
        .then()
        .statusCode(404);
    fhir()
        .body(withdrawBody("Not yet", LocalDate.now().plusDays(2).toString()))
        .post("/ResearchSubject/" + id + "/$withdraw")
        .then()
        .statusCode(400)
        .body("issue[0].diagnostics", containsString("in the future"));
  }

  /**
   * A start that is still to come never happened (a subject stored before enrolment dates were
   * checked, or a candidate's planned start): withdrawing it today is possible, and the start goes.
   */
  @Test
  void aSubjectWhoseStartIsInTheFutureCanBeWithdrawnToday() {
    String id = subject("candidate", LocalDate.now().plusDays(30).toString());
    fhir()
        .body(
            """
            {"resourceType":"Parameters","parameter":[
              {"name":"reason","valueString":"Entered with a wrong start date"}]}""")
        .post("/ResearchSubject/" + id + "/$withdraw")
        .then()
        .statusCode(200)
        .body("status", equalTo("withdrawn"))
        .body("period.end", equalTo(LocalDate.now().toString()))
        .body("period.start", org.hamcrest.Matchers.nullValue());
  }
}
