package org.trialfhir.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.path.json.JsonPath;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.eligibility.PatientFixture;

/**
 * {@code ResearchStudy/$match} as the mCODE trial-matching clients call it: a Parameters with the
 * patient's record as {@code trialMatchClinicalData} and the optional filters, answered with a
 * searchset Bundle of ResearchStudy, {@code search.mode = match} and a score.
 */
@Tag("persistence")
class TrialMatchIT extends IntegrationTestBase {

  private static final String NCT = "nct06407297"; // active, no phase
  private static final String GXIPC1 = "gxipc1-phase1"; // completed, phase-1
  private static final String DATE = "2026-06-15";

  @Test
  void matchesTheSuppliedRecordAgainstRecruitingStudiesWithScores() {
    String record = PatientFixture.eligibleChild().transaction(unique("mcode"));
    JsonPath answer =
        match(
            "{\"name\":\"trialMatchClinicalData\",\"resource\":" + record + "}",
            "{\"name\":\"zipCode\",\"valueString\":\"01730\"}",
            "{\"name\":\"travelRadius\",\"valueString\":\"25\"}");
    assertThat(answer.getString("type")).isEqualTo("searchset");
    List<String> studies = studies(answer);
    assertThat(studies).contains(NCT).doesNotContain(GXIPC1);
    assertThat(
            answer.getList(
                "entry.findAll { it.resource.resourceType == 'ResearchStudy' }.search.mode",
                String.class))
        .containsOnly("match");
    List<Float> scores =
        answer.getList(
            "entry.findAll { it.resource.resourceType == 'ResearchStudy' }.search.score",
            Float.class);
    assertThat(scores).allSatisfy(s -> assertThat(s).isBetween(0f, 1f));
    assertThat(scores).isSortedAccordingTo((a, b) -> Float.compare(b, a));
    // the eligible child: every computable NCT criterion passes, five need review
    float nct = answer.getFloat("entry.find { it.resource.id == '" + NCT + "' }.search.score");
    assertThat(nct).isBetween(0.75f, 0.99f);
    assertThat(
            answer.getString(
                "entry.find { it.search.mode == 'outcome' }.resource.issue[0].diagnostics"))
        .contains("zipCode and travelRadius were not used");
  }

  @Test
  void recruitmentStatusAndPhaseChooseTheStudies() {
    String record =
        "{\"name\":\"trialMatchClinicalData\",\"resource\":"
            + PatientFixture.gxipc1Child().transaction(unique("mcode"))
            + "}";
    assertThat(
            studies(
                match(record, "{\"name\":\"recruitmentStatus\",\"valueString\":\"completed\"}")))
        .contains(GXIPC1)
        .doesNotContain(NCT);
    assertThat(
            studies(
                match(
                    record,
                    "{\"name\":\"recruitmentStatus\",\"valueString\":\"completed\"}",
                    "{\"name\":\"phase\",\"valueString\":\"phase-1\"}")))
        .contains(GXIPC1);
    assertThat(
            studies(
                match(
                    record,
                    "{\"name\":\"recruitmentStatus\",\"valueString\":\"completed\"}",
                    "{\"name\":\"phase\",\"valueString\":\"phase-3\"}")))
        .doesNotContain(GXIPC1, NCT);
  }

  /** The mCODE matching engine sends its filters in a Parameters entry of the patient Bundle. */
  @Test
  void readsTheFiltersTheMcodeEngineSendsInsideTheBundle() {
    String child = PatientFixture.gxipc1Child().transaction(unique("mcode"));
    String withFilters =
        child.replaceFirst(
            "\"entry\"\\s*:\\s*\\[",
            "\"entry\":[{\"resource\":{\"resourceType\":\"Parameters\",\"parameter\":["
                + "{\"name\":\"recruitmentStatus\",\"valueString\":\"completed\"}]}},");
    assertThat(withFilters).isNotEqualTo(child);
    assertThat(
            studies(
                match("{\"name\":\"trialMatchClinicalData\",\"resource\":" + withFilters + "}")))
        .contains(GXIPC1)
        .doesNotContain(NCT);
  }

  @Test
  void refusesAMatchWithoutDataOrWithAnUnknownStatus() {
    fhir()
        .body("{\"resourceType\":\"Parameters\",\"parameter\":[]}")
        .post("/ResearchStudy/$match")
        .then()
        .statusCode(400)
        .body("issue[0].diagnostics", containsString("trialMatchClinicalData"));
    fhir()
        .body(
            "{\"resourceType\":\"Parameters\",\"parameter\":["
                + "{\"name\":\"trialMatchClinicalData\",\"resource\":"
                + PatientFixture.eligibleChild().transaction(unique("mcode"))
                + "},{\"name\":\"recruitmentStatus\",\"valueString\":\"recruiting-maybe\"}]}")
        .post("/ResearchStudy/$match")
        .then()
        .statusCode(400)
        .body("issue[0].diagnostics", containsString("recruitmentStatus"));
  }

  private JsonPath match(String... parameters) {
    return fhir()
        .body(
            "{\"resourceType\":\"Parameters\",\"parameter\":["
                + String.join(",", parameters)
                + ",{\"name\":\"date\",\"valueDate\":\""
                + DATE
                + "\"}]}")
        .post("/ResearchStudy/$match")
        .then()
        .statusCode(200)
        .body("resourceType", equalTo("Bundle"))
        .extract()
        .jsonPath();
  }

  private static List<String> studies(JsonPath answer) {
    return answer.getList(
        "entry.findAll { it.resource.resourceType == 'ResearchStudy' }.resource.id", String.class);
  }
}
