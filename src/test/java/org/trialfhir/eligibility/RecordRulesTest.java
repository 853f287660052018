package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.ICD;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.LOINC;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.SCT;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.UCUM;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.criterion;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.quantity;

import java.util.List;
import org.hl7.fhir.r4.model.Age;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/**
 * The closed-world rules (docs/eligibility-contract.md §3): conditions and their onset, allergies,
 * pregnancy and research consent. What the record does not hold, the patient does not have.
 */
class RecordRulesTest {

  private final RecordFixture record = new RecordFixture();

  private final Criterion t1d =
      criterion("inc-t1d", "condition", false, "vs:t1d", new BooleanType(true));
  private final Criterion activeDka =
      criterion("exc-dka", "condition-active", true, "vs:dka", new BooleanType(true));
  private final Criterion newOnset =
      criterion("inc-new-onset", "condition-onset", false, "vs:t1d", quantity(null, 6, "mo"));

  private static List<String> refs(CriterionResult result) {
    return result.evidence().stream().map(Reference::getReference).toList();
  }

  // ------------------------------------------------------------ conditions

  @Test
  void aConditionOutsideTheValueSetIsNotTheCondition() {
    record.condition(SCT, "44054006", "active", "confirmed"); // type 2 diabetes
    CriterionResult result = record.evaluate(t1d);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason()).isEqualTo("No recorded condition matches \"vs:t1d\"");
    assertThat(result.evidence()).isEmpty();
  }

  @Test
  void everyMatchingConditionIsNamedOnceAndCitedAsEvidence() {
    Condition first = record.condition(SCT, "46635009", "active", "confirmed");
    first.getCode().setText("Type 1 diabetes mellitus");
    record.condition(ICD, "E10.9", "active", null);
    Condition duplicate = record.condition(SCT, "46635009", "active", "confirmed");
    duplicate.getCode().setText("Type 1 diabetes mellitus");
    CriterionResult result = record.evaluate(t1d);
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.reason())
        .isEqualTo("Type 1 diabetes mellitus (SNOMED CT 46635009), ICD-10-CM E10.9 is recorded");
    assertThat(refs(result)).containsExactly("Condition/c1", "Condition/c2", "Condition/c3");
  }

  @Test
  void anActiveConditionCriterionNamesAnInactiveOneButDoesNotCountIt() {
    record.condition(SCT, "420422005", "resolved", "confirmed");
    CriterionResult resolved = record.evaluate(activeDka);
    assertThat(resolved.outcome()).isEqualTo(Outcome.PASS);
    assertThat(resolved.reason()).isEqualTo("SNOMED CT 420422005 is recorded but not active");
    assertThat(refs(resolved)).containsExactly("Condition/c1");
    record.condition(SCT, "420422005", "relapse", "provisional");
    CriterionResult relapse = record.evaluate(activeDka);
    assertThat(relapse.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(relapse.reason()).isEqualTo("SNOMED CT 420422005 is recorded as active");
    assertThat(refs(relapse)).containsExactly("Condition/c2");
  }

  @Test
  void aConditionWithoutClinicalStatusIsHistoryButNotActive() {
    record.condition(SCT, "420422005", null, null);
    Criterion history =
        criterion("exc-dka-ever", "condition", true, "vs:dka", new BooleanType(true));
    assertThat(record.evaluate(history).outcome()).isEqualTo(Outcome.FAIL);
    assertThat(record.evaluate(activeDka).outcome()).isEqualTo(Outcome.PASS);
  }

  // ------------------------------------------------------------ onset

  @Test
  void noMatchingConditionMeansNoOnset() {
    CriterionResult result = record.evaluate(newOnset);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason()).isEqualTo("No recorded condition matches \"vs:t1d\"");
  }

  @Test
  void theOnsetDateWinsOverTheRecordedDate() {
    Condition c = record.condition(SCT, "46635009", "active", "confirmed");
    c.setRecordedDateElement(new DateTimeType("2024-01-01"));
    c.setOnset(new DateTimeType("2026-01-05"));
    CriterionResult result = record.evaluate(newOnset);
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.reason())
        .isEqualTo("SNOMED CT 46635009 onset 2026-01-05 is within 6 months before 2026-06-15");
    assertThat(refs(result)).containsExactly("Condition/c1");
    c.setOnset(new Period().setStartElement(new DateTimeType("2025-06-01")));
    CriterionResult old = record.evaluate(newOnset);
    assertThat(old.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(old.reason())
        .isEqualTo("SNOMED CT 46635009 onset 2025-06-01 is more than 6 months before 2026-06-15");
  }

  @Test
  void anOnsetAfterTheReferenceDateSaysSo() {
    record
        .condition(SCT, "46635009", "active", "confirmed")
        .setOnset(new DateTimeType("2026-07-01"));
    CriterionResult result = record.evaluate(newOnset);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason())
        .isEqualTo("SNOMED CT 46635009 onset 2026-07-01 is after 2026-06-15");
  }

  @Test
  void theEarliestEntryIsWhenTheDiseaseBegan() {
    record
        .condition(SCT, "46635009", "active", "confirmed")
        .setOnset(new DateTimeType("2026-03-01"));
    record.condition(ICD, "E10.9", "active", "confirmed").setOnset(new DateTimeType("2019-05-02"));
    CriterionResult result = record.evaluate(newOnset);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason()).startsWith("ICD-10-CM E10.9 onset 2019-05-02 is more than");
    assertThat(refs(result)).containsExactly("Condition/c2");
  }

  @Test
  void aPartialOnsetStraddlingTheWindowsStartIsForAPerson() {
    // 2025-12 may be before the window's first day (2025-12-15) or inside it.
    record.condition(SCT, "46635009", "active", "confirmed").setOnset(new DateTimeType("2025-12"));
    CriterionResult partial = record.evaluate(newOnset);
    assertThat(partial.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(partial.reason())
        .isEqualTo(
            "SNOMED CT 46635009 onset 2025-12 (known only to the month) may be within or more"
                + " than 6 months before 2026-06-15: confirm the onset date");
    assertThat(refs(partial)).containsExactly("Condition/c1");
  }

  @Test
  void aDatedEntryBoundsWhenADiseaseKnownToTheYearCanHaveBegun() {
    Condition year = record.condition(SCT, "46635009", "active", "confirmed");
    year.setOnset(new DateTimeType("2025"));
    assertThat(record.evaluate(newOnset).outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    // A later entry dated 2025-03-01: the disease had begun by then, long before 2025-12-15.
    record.condition(ICD, "E10.9", "active", "confirmed").setOnset(new DateTimeType("2025-03-01"));
    CriterionResult bounded = record.evaluate(newOnset);
    assertThat(bounded.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(bounded.reason())
        .isEqualTo(
            "SNOMED CT 46635009 onset 2025 (known only to the year) is more than 6 months before"
                + " 2026-06-15");
  }

  @Test
  void ofEntriesStartingTheSameDayTheMorePreciseIsNamed() {
    record.condition(SCT, "46635009", "active", "confirmed").setOnset(new DateTimeType("2025-12"));
    record.condition(ICD, "E10.9", "active", "confirmed").setOnset(new DateTimeType("2025-12-01"));
    CriterionResult exact = record.evaluate(newOnset);
    assertThat(exact.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(exact.reason()).startsWith("ICD-10-CM E10.9 onset 2025-12-01 is more than");
    assertThat(refs(exact)).containsExactly("Condition/c2");
  }

  @Test
  void anOnsetAgeCountsFromTheBirthDateInYearsUnlessItSaysOtherwise() {
    Condition c = record.condition(SCT, "46635009", "active", "confirmed"); // born 2014-01-10
    c.setOnset(new Age().setValue(12)); // no unit: years → 2026-01-10
    CriterionResult years = record.evaluate(newOnset);
    assertThat(years.outcome()).isEqualTo(Outcome.PASS);
    assertThat(years.reason()).contains("onset 2026-01-10 is within");
    c.setOnset(new Age().setValue(143).setSystem(UCUM).setCode("mo")); // 2025-12-10
    CriterionResult months = record.evaluate(newOnset);
    assertThat(months.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(months.reason()).contains("onset 2025-12-10 is more than 6 months");
  }

  @Test
  void anOnsetAgeFromAPartialBirthDateIsAsPreciseAsTheBirthDate() {
    Condition c = record.condition(SCT, "46635009", "active", "confirmed");
    c.setOnset(new Age().setValue(12).setSystem(UCUM).setCode("a"));
    record.patient.setBirthDateElement(new DateType("2014-01"));
    CriterionResult month = record.evaluate(newOnset);
    assertThat(month.outcome()).isEqualTo(Outcome.PASS);
    assertThat(month.reason()).contains("onset 2026-01 (known only to the month) is within");
    record.patient.setBirthDateElement(new DateType("2014"));
    CriterionResult year = record.evaluate(newOnset);
    assertThat(year.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(year.reason()).contains("onset 2026 (known only to the year) may be within");
  }

  @Test
  void anOnsetAgeThatCannotBeDatedFallsBackToTheRecordedDate() {
    Condition c = record.condition(SCT, "46635009", "active", "confirmed");
    c.setOnset(new Age().setValue(48).setSystem(UCUM).setCode("h"));
    c.setRecordedDateElement(new DateTimeType("2026-02-01"));
    assertThat(record.evaluate(newOnset).reason()).contains("onset 2026-02-01 is within");
    c.setOnset(new Age().setValue(2).setSystem(UCUM).setCode("a"));
    record.patient.setBirthDate(null);
    assertThat(record.evaluate(newOnset).reason()).contains("onset 2026-02-01 is within");
    c.setRecordedDate(null);
    CriterionResult none = record.evaluate(newOnset);
    assertThat(none.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(none.reason()).isEqualTo("SNOMED CT 46635009 has no onset or recorded date");
    assertThat(refs(none)).containsExactly("Condition/c1");
  }

  @Test
  void anOnsetWrittenAsTextIsNoDate() {
    Condition c = record.condition(SCT, "46635009", "active", "confirmed");
    c.setOnset(new StringType("in childhood"));
    c.setRecordedDateElement(new DateTimeType("2026-03-01"));
    assertThat(record.evaluate(newOnset).reason()).contains("onset 2026-03-01 is within");
  }

  // ------------------------------------------------------------ allergies

  private final Criterion highCriticality =
      criterion(
          "exc-allergy",
          "allergy-criticality",
          true,
          null,
          new CodeableConcept()
              .addCoding(
                  new Coding("http://hl7.org/fhir/allergy-intolerance-criticality", "high", null)));

  @Test
  void everyActiveAllergyOfTheCriticalityIsNamed() {
    record.allergy("Peanut", "high", "active");
    record.allergy("Penicillin", "high", null); // no clinical status: counts
    record.allergy("Latex", "low", "active");
    CriterionResult result = record.evaluate(highCriticality);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason())
        .isEqualTo("Active allergy with criticality high: Peanut, Penicillin");
    assertThat(refs(result)).containsExactly("AllergyIntolerance/a1", "AllergyIntolerance/a2");
  }

  @Test
  void refutedErroneousOrInactiveAllergiesDoNotCount() {
    AllergyIntolerance a = record.allergy("Peanut", "high", "active");
    a.getVerificationStatus().addCoding().setCode("refuted");
    AllergyIntolerance b = record.allergy("Penicillin", "high", "inactive");
    AllergyIntolerance c = record.allergy("Sesame", "high", "active");
    c.getVerificationStatus().addCoding().setCode("entered-in-error");
    CriterionResult result = record.evaluate(highCriticality);
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.reason()).isEqualTo("No active allergy with criticality high is recorded");
    a.getVerificationStatus().getCodingFirstRep().setCode("confirmed");
    assertThat(record.evaluate(highCriticality).reason()).endsWith(": Peanut");
    b.getClinicalStatus().getCodingFirstRep().setCode("active");
    assertThat(record.evaluate(highCriticality).reason()).endsWith(": Peanut, Penicillin");
  }

  // ------------------------------------------------------------ pregnancy

  private final Criterion pregnancy =
      criterion("exc-pregnancy", "pregnancy", true, "vs:preg", new BooleanType(true));

  private Observation pregnancyStatus(String date, String code) {
    Observation o = record.result(LOINC, "82810-3", date);
    o.setValue(new CodeableConcept().addCoding(new Coding(SCT, code, null)));
    return o;
  }

  @Test
  void theMostRecentPregnancyStatusDecides() {
    pregnancyStatus("2026-01-10", "77386006"); // pregnant
    pregnancyStatus("2026-05-01", "60001007"); // not pregnant
    CriterionResult result = record.evaluate(pregnancy);
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.reason())
        .isEqualTo(
            "No active pregnancy is recorded, and no pregnancy status of pregnant in the 270 days"
                + " before 2026-06-15");
    assertThat(refs(result)).containsExactly("Observation/o2");
    pregnancyStatus("2026-06-01", "77386006");
    CriterionResult pregnant = record.evaluate(pregnancy);
    assertThat(pregnant.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(pregnant.reason()).isEqualTo("Pregnancy status on 2026-06-01 is pregnant");
    assertThat(refs(pregnant)).containsExactly("Observation/o3");
  }

  @Test
  void aPregnancyConditionCountsOnlyWhileActive() {
    record.condition(SCT, "77386006", "resolved", "confirmed");
    CriterionResult result = record.evaluate(pregnancy);
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.evidence()).isEmpty();
    record.condition(SCT, "77386006", "active", "confirmed");
    CriterionResult active = record.evaluate(pregnancy);
    assertThat(active.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(active.reason()).isEqualTo("SNOMED CT 77386006 is recorded as active");
    assertThat(refs(active)).containsExactly("Condition/c2");
  }

  @Test
  void aPregnancyStatusWithoutACodedValueIsNotPregnant() {
    Observation o = record.result(LOINC, "82810-3", "2026-06-01");
    o.setValue(new StringType("77386006"));
    assertThat(record.evaluate(pregnancy).outcome()).isEqualTo(Outcome.PASS);
  }

  // ------------------------------------------------------------ research consent

  private final Criterion consent =
      criterion("inc-consent", "research-consent", false, null, new BooleanType(true));

  @Test
  void consentForThisStudyIsNamed() {
    record.consent("ResearchStudy/other");
    record.consent("ResearchStudy/study-1");
    CriterionResult result = record.evaluate(consent);
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.reason())
        .isEqualTo("Active research consent for this study is recorded (Consent/k2)");
    assertThat(refs(result)).containsExactly("Consent/k2");
  }

  @Test
  void consentsForOtherStudiesAreCountedInTheReason() {
    record.consent("ResearchStudy/other");
    CriterionResult one = record.evaluate(consent);
    assertThat(one.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(one.reason())
        .isEqualTo(
            "No active research consent for this study: consent not yet obtained (1 active"
                + " research consent is for other studies)");
    assertThat(refs(one)).containsExactly("Consent/k1");
    record.consent("ResearchStudy/third");
    assertThat(record.evaluate(consent).reason())
        .endsWith("(2 active research consents are for other studies)");
  }

  @Test
  void onlyAnActiveConsentOfResearchScopeCounts() {
    Consent inactive = record.consent("ResearchStudy/study-1");
    inactive.setStatus(Consent.ConsentState.INACTIVE);
    Consent privacy = record.consent("ResearchStudy/study-1");
    privacy.getScope().getCodingFirstRep().setCode("patient-privacy");
    CriterionResult result = record.evaluate(consent);
    assertThat(result.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(result.reason())
        .isEqualTo("No active research consent for this study: consent not yet obtained");
    assertThat(result.evidence()).isEmpty();
    Consent versioned = record.consent("http://example.org/fhir/ResearchStudy/study-1/_history/3");
    assertThat(record.evaluate(consent).outcome())
        .as("a versioned absolute reference to this study")
        .isEqualTo(Outcome.PASS);
    versioned.getExtension().get(0).setValue(new StringType("ResearchStudy/study-1"));
    assertThat(record.evaluate(consent).outcome()).isEqualTo(Outcome.MISSING_DATA);
  }
}
