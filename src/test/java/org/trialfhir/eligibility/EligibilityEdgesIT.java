package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.PatientFixture.CPEP_FASTING;
import static org.trialfhir.eligibility.PatientFixture.GAD65;
import static org.trialfhir.eligibility.PatientFixture.LAB_DATE;
import static org.trialfhir.eligibility.PatientFixture.LOINC;
import static org.trialfhir.eligibility.PatientFixture.T1D;
import static org.trialfhir.eligibility.PatientFixture.TRIAL_LAB;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;
import static org.trialfhir.eligibility.PatientFixture.gad65;
import static org.trialfhir.eligibility.PatientFixture.observation;
import static org.trialfhir.eligibility.PatientFixture.patient;
import static org.trialfhir.eligibility.PatientFixture.type1Diabetes;

import io.restassured.path.json.JsonPath;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

/**
 * Records held the way laboratories and EHRs hold them, through {@code $eligibility} on the server
 * (docs/eligibility-contract.md §3): each case gives its exact outcome and a reason naming the
 * value, unit, precision or result that decided it. The patient is NCT06407297's eligible child
 * with one thing held differently, so that the verdict follows from that criterion alone.
 */
@Tag("persistence")
class EligibilityEdgesIT extends IntegrationTestBase {

  private static final String DATE = "2026-06-15";
  private static final String NCT = "nct06407297";

  /** HbA1c at most 10 % (ValueSet hba1c), for a study defined only as data. */
  private static final String HBA1C_AT_MOST_10_PERCENT =
      """
      {"id":"inc-hba1c",
       "extension":[
         {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-description",
          "valueString":"HbA1c at most 10%"},
         {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-valueset",
          "valueCanonical":"http://trialfhir.org/fhir/ValueSet/hba1c"}],
       "code":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/criterion-kind",
                          "code":"observation-value"}],"text":"HbA1c"},
       "valueQuantity":{"value":10,"comparator":"<=","unit":"%",
                        "system":"http://unitsofmeasure.org","code":"%"},
       "exclude":false}""";

  @Test
  void anUndetectableFastingCPeptideFailsAndALimitAboveTheThresholdIsForAPerson() {
    JsonPath undetectable =
        eligibility(
            NCT,
            eligibleChild()
                .set(
                    CPEP_FASTING,
                    observation(TRIAL_LAB, "c-peptide-fasting")
                        .alsoCoded(LOINC, "1986-9")
                        .on(LAB_DATE)
                        .limit("<", "0.1", "nmol/L")));
    assertCriterion(
        undetectable,
        "inc-cpeptide-fasting",
        "fail",
        "Fasting C-peptide <0.1 nmol/L on 2026-06-01 is below 0.1 nmol/L");
    assertThat(verdict(undetectable)).isEqualTo("ineligible");

    JsonPath straddling =
        eligibility(
            NCT,
            eligibleChild()
                .set(
                    CPEP_FASTING,
                    observation(TRIAL_LAB, "c-peptide-fasting")
                        .on(LAB_DATE)
                        .limit("<", "0.15", "nmol/L")));
    assertCriterion(
        straddling,
        "inc-cpeptide-fasting",
        "manual-review",
        "Fasting C-peptide <0.15 nmol/L on 2026-06-01 is a reported limit, not a value: it may or"
            + " may not be at least 0.1 nmol/L");
    assertThat(verdict(straddling)).isEqualTo("needs-review");
  }

  @Test
  void anUntimedCPeptideIsForAPersonWithItsConvertedValueAndDate() {
    JsonPath result =
        eligibility(
            NCT,
            eligibleChild()
                .set(
                    CPEP_FASTING,
                    observation(LOINC, "1986-9").on(LAB_DATE).quantity("1.1", "ng/mL")));
    assertCriterion(
        result,
        "inc-cpeptide-fasting",
        "manual-review",
        "C-peptide 0.3642 nmol/L (1.1 ng/mL) on 2026-06-01, sampling time not recorded: confirm"
            + " whether it was fasting");
    assertThat(verdict(result)).isEqualTo("needs-review");
  }

  @Test
  void aPositiveZnT8AmongNegativesIsAPositiveAndTheReasonNamesIt() {
    JsonPath result =
        eligibility(
            NCT,
            eligibleChild()
                .set(GAD65, gad65().negative())
                .add(
                    observation(LOINC, "76651-9")
                        .on(LAB_DATE)
                        .quantity("40", "U/mL")
                        .referenceRangeHighNumber("15")));
    assertCriterion(result, "inc-autoantibody", "pass", null);
    assertThat(EligibilityIT.reason(result, "inc-autoantibody"))
        .startsWith("Positive: ")
        .contains("76651-9", "40 U/mL positive on 2026-06-01")
        .doesNotContain("all negative");
  }

  @Test
  void aBirthDateKnownToTheMonthDecidesAndOneKnownToTheYearIsForAPerson() {
    assertCriterion(
        eligibility(NCT, eligibleChild().born("2008-06")),
        "inc-age",
        "pass",
        "Age 17 or 18 years on 2026-06-15 (born 2008-06, known only to the month) is within 8 to"
            + " 18 years");
    JsonPath year = eligibility(NCT, eligibleChild().born("2007"));
    assertCriterion(
        year,
        "inc-age",
        "manual-review",
        "Age 18 or 19 years on 2026-06-15 (born 2007, known only to the year) may be within or"
            + " outside 8 to 18 years: confirm the exact birth date");
  }

  @Test
  void aDiagnosisDatedToTheMonthIsAnInterval() {
    JsonPath result = eligibility(NCT, eligibleChild().set(T1D, type1Diabetes("2025-12")));
    assertThat(EligibilityIT.outcome(result, "inc-new-onset")).isEqualTo("manual-review");
    assertThat(EligibilityIT.reason(result, "inc-new-onset"))
        .contains(
            "onset 2025-12 (known only to the month) may be within or more than 6 months before"
                + " 2026-06-15");
    assertThat(
            EligibilityIT.outcome(
                eligibility(NCT, eligibleChild().set(T1D, type1Diabetes("2026-01"))),
                "inc-new-onset"))
        .isEqualTo("pass");
  }

  @Test
  void hba1cInIfccUnitsIsConvertedByTheMasterEquation() {
    String study = DataOnlyStudy.create(fhir(), HBA1C_AT_MOST_10_PERCENT);
    JsonPath high =
        eligibility(
            study,
            patient()
                .born("2014-01-10")
                .add(observation(LOINC, "59261-8").on(LAB_DATE).quantity("97", "mmol/mol")));
    assertCriterion(
        high, "inc-hba1c", "fail", "HbA1c 97 mmol/mol (11.03 %) on 2026-06-01 is above 10 %");
    JsonPath lower =
        eligibility(
            study,
            patient()
                .born("2014-01-10")
                .add(observation(LOINC, "59261-8").on(LAB_DATE).quantity("85", "mmol/mol")));
    assertCriterion(
        lower, "inc-hba1c", "pass", "HbA1c 85 mmol/mol (9.927 %) on 2026-06-01 is at most 10 %");
  }

  @Test
  void resultsCodedOnlyAsLaboratoriesCodeThemCount() {
    // Fasting C-peptide under the LOINC term that says fasting, without the project's code.
    JsonPath fasting =
        eligibility(
            NCT,
            eligibleChild()
                .set(
                    CPEP_FASTING,
                    observation(LOINC, "13037-7").on(LAB_DATE).quantity("1.2", "ng/mL")));
    assertCriterion(
        fasting,
        "inc-cpeptide-fasting",
        "pass",
        "Fasting C-peptide 1.2 ng/mL (0.3973 nmol/L) on 2026-06-01 is at least 0.1 nmol/L");
    // HCV antibody under 13955-0, the code most laboratories send, positive: excluded.
    JsonPath hcv =
        eligibility(
            NCT, eligibleChild().add(observation(LOINC, "13955-0").on(LAB_DATE).positive()));
    assertThat(EligibilityIT.outcome(hcv, "exc-infection")).isEqualTo("fail");
    assertThat(EligibilityIT.reason(hcv, "exc-infection")).contains("13955-0", "positive");
    // A 4th-generation HIV antigen/antibody test, negative: not excluded on serology.
    JsonPath hiv =
        eligibility(
            NCT, eligibleChild().add(observation(LOINC, "56888-1").on(LAB_DATE).negative()));
    assertThat(EligibilityIT.outcome(hiv, "exc-infection")).isEqualTo("manual-review");
  }

  @Test
  void hba1cByHplcCountsForAnHba1cCriterion() {
    String study = DataOnlyStudy.create(fhir(), HBA1C_AT_MOST_10_PERCENT);
    JsonPath hplc =
        eligibility(
            study,
            patient()
                .born("2014-01-10")
                .add(observation(LOINC, "17856-6").on(LAB_DATE).quantity("10.5", "%")));
    assertCriterion(hplc, "inc-hba1c", "fail", "HbA1c 10.5 % on 2026-06-01 is above 10 %");
  }

  @Test
  void aRecordWithManyResultsOfOneTestIsReadWhole() {
    // More results than a page of the REST server (20): the operation reads them all, as its
    // caller, and the most recent decides.
    String study = DataOnlyStudy.create(fhir(), HBA1C_AT_MOST_10_PERCENT);
    PatientFixture many = patient().born("2014-01-10");
    for (int day = 1; day <= 25; day++) {
      many.add(
          observation(LOINC, "4548-4")
              .on("2026-05-%02d".formatted(day))
              .quantity(day == 25 ? "10.5" : "8.0", "%"));
    }
    assertCriterion(
        eligibility(study, many), "inc-hba1c", "fail", "HbA1c 10.5 % on 2026-05-25 is above 10 %");
  }

  // ------------------------------------------------------------------ helpers

  private JsonPath eligibility(String study, PatientFixture fixture) {
    String transaction = fixture.transaction("edges-" + UUID.randomUUID());
    String location =
        fhir()
            .body(transaction)
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .path("entry[0].response.location");
    String patientId = location.split("/")[1];
    return fhir()
        .queryParam("patient", "Patient/" + patientId)
        .queryParam("date", DATE)
        .get("/ResearchStudy/" + study + "/$eligibility")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  private static String verdict(JsonPath result) {
    return result.getString("parameter.find { it.name == 'verdict' }.valueCode");
  }

  private static void assertCriterion(JsonPath result, String id, String outcome, String reason) {
    assertThat(Map.of("outcome", EligibilityIT.outcome(result, id)))
        .as(EligibilityIT.reason(result, id))
        .containsEntry("outcome", outcome);
    if (reason != null) {
      assertThat(EligibilityIT.reason(result, id)).isEqualTo(reason);
    }
  }
}
