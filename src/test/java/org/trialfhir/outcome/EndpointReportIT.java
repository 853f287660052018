package org.trialfhir.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

/**
 * ResearchStudy/$endpoint-report over the synthetic GXIPC1 cohort (docs/gxipc1-cohort), which is
 * made to reproduce the phase 1 abstract: one test per published figure. Some results are in other
 * units on purpose (HbA1c in mmol/mol, glucose in mg/dL, C-peptide in pmol/L).
 */
class EndpointReportIT extends IntegrationTestBase {

  private static final Path COHORT = Path.of("docs/gxipc1-cohort/gxipc1-cohort-bundle.json");
  private static JsonPath report;

  @BeforeEach
  void loadCohortAndReportOnce() throws IOException {
    if (report != null) {
      return;
    }
    fhir().body(Files.readString(COHORT)).post("/").then().statusCode(200);
    report =
        fhir()
            .get("/ResearchStudy/gxipc1-phase1/$endpoint-report")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
  }

  private static Map<String, Object> stratum(String group, String visit) {
    List<Map<String, Object>> strata =
        report.getList(
            "group.find { it.id == '" + group + "' }.stratifier[0].stratum", (Class) Map.class);
    return strata.stream()
        .filter(
            s ->
                visit.equals(
                    ((Map<?, ?>) s.get("value")).get("coding") instanceof List<?> c
                        ? ((Map<?, ?>) c.get(0)).get("code")
                        : null))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no stratum " + visit + " in " + group));
  }

  private static BigDecimal median(String group, String visit) {
    return new BigDecimal(
        String.valueOf(((Map<?, ?>) stratum(group, visit).get("measureScore")).get("value")));
  }

  private static BigDecimal statistic(String group, String visit, String name) {
    List<?> extensions = (List<?>) stratum(group, visit).get("extension");
    for (Object e : extensions) {
      List<?> parts = (List<?>) ((Map<?, ?>) e).get("extension");
      Map<?, ?> nameValue = (Map<?, ?>) parts.get(0);
      if (name.equals(nameValue.get("valueCode"))) {
        Map<?, ?> value = (Map<?, ?>) parts.get(1);
        Object v =
            value.containsKey("valueQuantity")
                ? ((Map<?, ?>) value.get("valueQuantity")).get("value")
                : value.containsKey("valueDecimal")
                    ? value.get("valueDecimal")
                    : value.get("valueInteger");
        return new BigDecimal(String.valueOf(v));
      }
    }
    throw new AssertionError("no statistic " + name + " at " + group + "/" + visit);
  }

  private static int count(Map<String, Object> stratum) {
    return (Integer) ((Map<?, ?>) ((List<?>) stratum.get("population")).get(0)).get("count");
  }

  @Test
  void everyEndpointHasTenSubjectsAtEveryVisit() {
    for (String group : List.of("hba1c", "fasting-glucose", "c-peptide", "insulin-daily-dose")) {
      for (String visit : List.of("baseline", "month-1", "month-3", "month-6")) {
        assertThat(count(stratum(group, visit))).as(group + " " + visit).isEqualTo(10);
      }
    }
  }

  @Test
  void medianFastingGlucoseFallsFrom15Point3To5Point8AtOneMonth() {
    assertThat(median("fasting-glucose", "baseline")).isEqualByComparingTo("15.3");
    assertThat(median("fasting-glucose", "month-1")).isEqualByComparingTo("5.8");
  }

  @Test
  void medianDailyInsulinFallsFrom22Point5To12Point5AtThreeMonthsMinus44Percent() {
    assertThat(median("insulin-daily-dose", "baseline")).isEqualByComparingTo("22.5");
    assertThat(median("insulin-daily-dose", "month-3")).isEqualByComparingTo("12.5");
    assertThat(statistic("insulin-daily-dose", "month-3", "percent-change"))
        .isEqualByComparingTo("-44.4");
  }

  @Test
  void medianHba1cIs7Point41AtThreeMonthsAnd8Point27AtSix() {
    assertThat(median("hba1c", "month-3")).isEqualByComparingTo("7.41");
    assertThat(median("hba1c", "month-6")).isEqualByComparingTo("8.27");
  }

  @Test
  void atSixMonths30PercentAreBelowTheirBaselineAnd20PercentBelow7Point5() {
    assertThat(statistic("hba1c", "month-6", "below-baseline-percent")).isEqualByComparingTo("30");
    assertThat(statistic("hba1c", "month-6", "below-threshold-percent")).isEqualByComparingTo("20");
    assertThat(statistic("hba1c", "month-6", "below-threshold")).isEqualByComparingTo("2");
  }

  @Test
  void oneSubjectIsInsulinIndependentBetweenMonthsThreeAndSix() {
    assertThat(statistic("insulin-daily-dose", "month-3", "insulin-independent"))
        .isEqualByComparingTo("1");
    for (String visit : List.of("baseline", "month-1", "month-6")) {
      assertThat(statistic("insulin-daily-dose", visit, "insulin-independent"))
          .as(visit)
          .isEqualByComparingTo("0");
    }
  }

  @Test
  void eightMildToModerateAdverseEventsInSixSubjectsNoneSeriousNoneRelated() {
    String ae = "group.find { it.id == 'adverse-events' }";
    assertThat(report.getInt(ae + ".population.find { it.code.text == 'events' }.count"))
        .isEqualTo(8);
    assertThat(report.getInt(ae + ".population.find { it.code.text == 'subjects' }.count"))
        .isEqualTo(6);
    assertThat(
            report.getList(
                ae + ".stratifier.find { it.code[0].text == 'seriousness' }.stratum.value.text"))
        .containsExactly("Non-serious");
    assertThat(
            report.getList(
                ae + ".stratifier.find { it.code[0].text == 'severity' }.stratum.value.text"))
        .containsExactlyInAnyOrder("mild", "moderate");
    assertThat(
            report.getList(
                ae + ".stratifier.find { it.code[0].text == 'relatedness' }.stratum.value.text"))
        .containsExactly("not-related");
  }

  @Test
  void cPeptideStaysWithin0Point05NanomolesPerLitreOfBaseline() {
    BigDecimal baseline = median("c-peptide", "baseline");
    for (String visit : List.of("month-1", "month-3", "month-6")) {
      assertThat(median("c-peptide", visit).subtract(baseline).abs())
          .as(visit)
          .isLessThanOrEqualTo(new BigDecimal("0.05"));
    }
  }

  @Test
  void nct06407297IsFollowedForTwelveMonths() {
    assertThat(
            fhir()
                .get("/ResearchStudy/nct06407297/$endpoint-report")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList(
                    "group.find { it.id == 'hba1c' }.stratifier[0].stratum.value.coding.flatten().code"))
        .containsExactly("baseline", "month-1", "month-3", "month-6", "month-9", "month-12");
  }

  @Test
  void aStudyWithoutAScheduleOfActivitiesIsRefused() {
    String study = unique("unscheduled").toLowerCase();
    fhir()
        .body(
            """
            {"resourceType":"ResearchStudy","id":"%s","status":"active","title":"Unscheduled"}
            """
                .formatted(study))
        .put("/ResearchStudy/" + study)
        .then()
        .statusCode(201);
    fhir()
        .get("/ResearchStudy/" + study + "/$endpoint-report")
        .then()
        .statusCode(422)
        .body(org.hamcrest.Matchers.containsString("schedule of activities"));
  }

  /**
   * A masked two-arm study over four of the cohort's subjects: a blinded caller gets pooled results
   * only; an unblinded caller also gets them per arm.
   */
  @Test
  void perArmResultsOfAMaskedStudyAreForUnblindedCallersOnly() {
    String study = unique("masked").toLowerCase();
    fhir()
        .body(
            """
            {"resourceType":"ResearchStudy","id":"%s","status":"completed","title":"Masked",
             "protocol":[{"reference":"PlanDefinition/gxipc1-phase1-schedule"}],
             "extension":[{"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign",
               "valueCodeableConcept":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/ctgov-masking","code":"QUADRUPLE"}]}}],
             "arm":[{"name":"Arm A"},{"name":"Arm B"}]}
            """
                .formatted(study))
        .put("/ResearchStudy/" + study)
        .then()
        .statusCode(201);
    for (int i = 1; i <= 4; i++) {
      String cohortSubject = "gxipc1-gx0" + i;
      String start =
          fhir().get("/ResearchSubject/" + cohortSubject).then().extract().path("period.start");
      fhir()
          .body(
              """
              {"resourceType":"ResearchSubject","status":"off-study","period":{"start":"%s"},
               "study":{"reference":"ResearchStudy/%s"},"individual":{"reference":"Patient/%s"},
               "assignedArm":"%s"}
              """
                  .formatted(start, study, cohortSubject, i % 2 == 0 ? "Arm B" : "Arm A"))
          .post("/ResearchSubject")
          .then()
          .statusCode(201);
    }
    String blinded =
        fhirAs(org.trialfhir.TestTokens.token("user/*.rs", List.of("coordinator"), null))
            .get("/ResearchStudy/" + study + "/$endpoint-report")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(blinded).contains("\"count\":4").doesNotContain("Arm A").doesNotContain("Arm B");

    JsonPath unblinded =
        fhirAs(org.trialfhir.TestTokens.token("user/*.rs", List.of("unblinded"), null))
            .get("/ResearchStudy/" + study + "/$endpoint-report")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    List<Object> armStrata =
        unblinded.getList(
            "group.find { it.id == 'hba1c' }.stratifier.find { it.code.size() == 2 }.stratum");
    assertThat(armStrata).hasSize(8);
    assertThat(
            unblinded.getList(
                "group.find { it.id == 'hba1c' }.stratifier.find { it.code.size() == 2 }.stratum.component.flatten().value.text"))
        .contains("Arm A", "Arm B");
    assertThat(
            unblinded.getList(
                "group.find { it.id == 'hba1c' }.stratifier.find { it.code.size() == 2 }.stratum.population.flatten().count"))
        .allMatch(c -> (Integer) c == 2);
  }
}
