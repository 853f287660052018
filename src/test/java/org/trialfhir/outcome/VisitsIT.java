package org.trialfhir.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.path.json.JsonPath;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * ResearchSubject/$visits against stored data: a masked study of its own with a three-visit
 * schedule, a subject on it since 60 days with an assigned arm, HbA1c at baseline and nothing
 * since. Read by the blinded study team, who learn the visits and never the arm.
 */
class VisitsIT extends IntegrationTestBase {

  private static final String VS = "http://trialfhir.org/fhir/ValueSet/";
  private static final String ARM = "Cellular therapy arm VisitsIT";

  /** A coordinator without the unblinded role. */
  private static final String BLINDED =
      TestTokens.token("user/*.cruds", List.of("coordinator"), null);

  private final LocalDate today = LocalDate.now();
  private final LocalDate start = today.minusDays(60);

  private String window(int low, int high, String... valueSets) {
    StringBuilder inputs = new StringBuilder();
    for (String vs : valueSets) {
      inputs
          .append(inputs.isEmpty() ? "" : ",")
          .append(
              """
              {"type":"Observation","codeFilter":[{"path":"code","valueSet":"%s%s"}]}"""
                  .formatted(VS, vs));
    }
    return """
        "timingRange":{"low":{"value":%d,"code":"d","system":"http://unitsofmeasure.org"},
                       "high":{"value":%d,"code":"d","system":"http://unitsofmeasure.org"}},
        "input":[%s]"""
        .formatted(low, high, inputs);
  }

  /** A masked study with the schedule, and one subject on it; answers the subject's id. */
  private String subjectOnMaskedStudy(String patient) {
    String plan =
        fhir()
            .body(
                """
                {"resourceType":"PlanDefinition","status":"active","action":[
                  {"id":"baseline","title":"Baseline",%s},
                  {"id":"month-1","title":"1 month",%s},
                  {"id":"month-3","title":"3 months",%s}]}
                """
                    .formatted(
                        window(-14, 0, "hba1c", "fasting-glucose"),
                        window(16, 44, "hba1c", "fasting-glucose"),
                        window(77, 105, "hba1c")))
            .post("/PlanDefinition")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String study =
        fhir()
            .body(
                """
                {"resourceType":"ResearchStudy","status":"active","title":"Visits %s",
                 "extension":[{"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign",
                   "valueCodeableConcept":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/ctgov-masking","code":"QUADRUPLE"}]}}],
                 "protocol":[{"reference":"PlanDefinition/%s"}],
                 "arm":[{"name":"%s"},{"name":"Placebo VisitsIT"}]}
                """
                    .formatted(unique("study"), plan, ARM))
            .post("/ResearchStudy")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    return fhir()
        .body(
            """
            {"resourceType":"ResearchSubject","status":"on-study","period":{"start":"%s"},
             "extension":[{"url":"http://trialfhir.org/fhir/StructureDefinition/late-entry",
                           "valueString":"Test data, dated two months ago"}],
             "study":{"reference":"ResearchStudy/%s"},
             "individual":{"reference":"Patient/%s"},
             "assignedArm":"%s"}
            """
                .formatted(start, study, patient, ARM))
        .post("/ResearchSubject")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }

  private void hba1c(String patient, LocalDate day) {
    fhir()
        .body(
            """
            {"resourceType":"Observation","status":"final",
             "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
             "subject":{"reference":"Patient/%s"},"effectiveDateTime":"%s",
             "valueQuantity":{"value":8.1,"unit":"%%","system":"http://unitsofmeasure.org","code":"%%"}}
            """
                .formatted(patient, day))
        .post("/Observation")
        .then()
        .statusCode(201);
  }

  private static String part(JsonPath visits, String visit, String name) {
    return visits.getString(
        "parameter.find { it.name == 'visit' && it.part.find { p -> p.name == 'id' }.valueString == '"
            + visit
            + "' }.part.find { it.name == '"
            + name
            + "' }.value"
            + ("status".equals(name)
                ? "Coding.code"
                : name.startsWith("window") || "target".equals(name) ? "Date" : "String"));
  }

  private static List<String> missing(JsonPath visits, String visit) {
    return visits.getList(
        "parameter.find { it.name == 'visit' && it.part.find { p -> p.name == 'id' }.valueString == '"
            + visit
            + "' }.part.findAll { it.name == 'missing' }.part.flatten().findAll { it.name == 'valueSet' }.valueCanonical");
  }

  @Test
  void theBlindedTeamSeesEachVisitsStatusAndTheMissingResultsAndNoArm() {
    String patient = createPatient(unique("Visits"), "2013-05-02");
    String subject = subjectOnMaskedStudy(patient);
    hba1c(patient, start.minusDays(2));
    // Outside every window: shows no visit done.
    hba1c(patient, start.plusDays(50));

    String body =
        fhirAs(BLINDED)
            .get("/ResearchSubject/" + subject + "/$visits")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    JsonPath visits = JsonPath.from(body);
    assertThat(part(visits, "baseline", "status")).isEqualTo("done");
    assertThat(missing(visits, "baseline")).containsExactly(VS + "fasting-glucose");
    assertThat(part(visits, "month-1", "status")).isEqualTo("overdue");
    assertThat(part(visits, "month-1", "windowStart")).isEqualTo(start.plusDays(16).toString());
    assertThat(part(visits, "month-1", "windowEnd")).isEqualTo(start.plusDays(44).toString());
    assertThat(part(visits, "month-1", "target")).isEqualTo(start.plusDays(30).toString());
    assertThat(missing(visits, "month-1")).containsExactly(VS + "hba1c", VS + "fasting-glucose");
    assertThat(part(visits, "month-3", "status")).isEqualTo("upcoming");
    assertThat(body).contains("Hemoglobin A1c").doesNotContain(ARM).doesNotContain("assignedArm");
  }

  @Test
  void onAGivenDayTheVisitWhoseWindowIsOpenIsDue() {
    String patient = createPatient(unique("Visits"), "2013-05-02");
    String subject = subjectOnMaskedStudy(patient);
    JsonPath visits =
        fhirAs(BLINDED)
            .queryParam("date", start.plusDays(20).toString())
            .get("/ResearchSubject/" + subject + "/$visits")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(part(visits, "baseline", "status")).isEqualTo("overdue");
    assertThat(part(visits, "month-1", "status")).isEqualTo("due");
  }

  @Test
  void aCandidateHasNoVisitsAndACallerOutsideTheStudyTeamIsRefused() {
    String patient = createPatient(unique("Visits"), "2013-05-02");
    String subject = subjectOnMaskedStudy(patient);
    fhirAs(TestTokens.token("user/*.rs", List.of("auditor"), null))
        .get("/ResearchSubject/" + subject + "/$visits")
        .then()
        .statusCode(403);
    // The study team with scopes that do not read results: the operation would read them.
    fhirAs(
            TestTokens.token(
                "user/ResearchSubject.rs user/ResearchStudy.rs", List.of("coordinator"), null))
        .get("/ResearchSubject/" + subject + "/$visits")
        .then()
        .statusCode(403);

    String candidate =
        fhir()
            .body(
                """
                {"resourceType":"ResearchSubject","status":"candidate",
                 "study":{"reference":"%s"},
                 "individual":{"reference":"Patient/%s"}}
                """
                    .formatted(
                        fhir()
                            .get("/ResearchSubject/" + subject)
                            .then()
                            .extract()
                            .path("study.reference"),
                        createPatient(unique("Candidate"), "2013-05-02")))
            .post("/ResearchSubject")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String refusal =
        fhirAs(BLINDED)
            .get("/ResearchSubject/" + candidate + "/$visits")
            .then()
            .statusCode(422)
            .extract()
            .path("issue[0].diagnostics");
    assertThat(refusal).contains("not enrolled");

    // A start known only to the month (a late entry from a paper record) places no window: a 422
    // naming it, never a 500. Should the server refuse to store such a start, nothing reaches here.
    var partial =
        fhir()
            .body(
                """
                {"resourceType":"ResearchSubject","status":"on-study",
                 "extension":[{"url":"http://trialfhir.org/fhir/StructureDefinition/late-entry",
                   "valueString":"entered from the paper log"}],
                 "period":{"start":"2025-03"},
                 "study":{"reference":"%s"},
                 "individual":{"reference":"Patient/%s"}}
                """
                    .formatted(
                        fhir()
                            .get("/ResearchSubject/" + subject)
                            .then()
                            .extract()
                            .path("study.reference"),
                        createPatient(unique("Partial"), "2013-05-02")))
            .post("/ResearchSubject")
            .then()
            .extract();
    assertThat(partial.statusCode()).isIn(201, 400, 403, 409, 422);
    if (partial.statusCode() == 201) {
      assertThat(
              fhirAs(BLINDED)
                  .get("/ResearchSubject/" + partial.path("id") + "/$visits")
                  .then()
                  .statusCode(422)
                  .extract()
                  .<String>path("issue[0].diagnostics"))
          .contains("period.start");
    }
  }
}
