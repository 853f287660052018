package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.ICD;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.LAB;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.SCT;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.criterion;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.labCriterion;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.quantity;
import static org.trialfhir.eligibility.RecordFixture.value;

import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/**
 * Composite criteria and how a finding becomes an outcome: any-of parts, inclusion and exclusion, a
 * part only a person can judge, and kinds the engine does not compute.
 */
class AnyOfTest {

  private final RecordFixture record = new RecordFixture();

  private final Criterion dka =
      criterion("dka", "condition", true, "vs:dka", new BooleanType(true));
  private final Criterion t1d =
      criterion("t1d", "condition", true, "vs:t1d", new BooleanType(true));
  private final Criterion lowCPeptide =
      labCriterion(quantity(QuantityComparator.LESS_THAN, 0.2, "nmol/L"));
  private final Criterion onset =
      criterion("onset", "condition-onset", true, "vs:t1d", quantity(null, 6, "mo"));

  private static Criterion anyOf(boolean exclusion, String manualReview, Criterion... parts) {
    return new Criterion(
        "any",
        exclusion,
        "Any of these",
        "Any of these",
        "any-of",
        null,
        null,
        null,
        null,
        manualReview,
        List.of(parts));
  }

  private static List<String> refs(CriterionResult result) {
    return result.evidence().stream().map(Reference::getReference).toList();
  }

  @Test
  void presentWhenAnyPartIsNamingOnlyThePresentParts() {
    record.condition(SCT, "420422005", "active", "confirmed");
    CriterionResult result = record.evaluate(anyOf(true, null, t1d, dka));
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason()).isEqualTo("SNOMED CT 420422005 is recorded");
    assertThat(refs(result)).containsExactly("Condition/c1");
    CriterionResult inclusion = record.evaluate(anyOf(false, null, t1d, dka));
    assertThat(inclusion.outcome()).isEqualTo(Outcome.PASS);
  }

  @Test
  void partsOverTheSameResultCiteItOnceAndSayWhatToObtain() {
    Observation old = record.result(CriterionEvaluatorTest.LAB, "c-peptide-fasting", "2026-01-01");
    old.setValue(RecordFixture.value(null, "0.1", "nmol/L"));
    CriterionResult result = record.evaluate(anyOf(true, null, lowCPeptide, lowCPeptide));
    assertThat(result.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(refs(result)).containsExactly("Observation/o1");
    assertThat(result.obtain()).isEqualTo("vs:cpep from the last 90 days");
  }

  @Test
  void absentWhenEveryPartIsNamingEachReasonOnce() {
    CriterionResult result = record.evaluate(anyOf(true, null, t1d, dka, t1d));
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.reason())
        .isEqualTo(
            "No recorded condition matches \"vs:t1d\"; No recorded condition matches \"vs:dka\"");
    assertThat(record.evaluate(anyOf(false, null, t1d, dka)).outcome()).isEqualTo(Outcome.FAIL);
  }

  @Test
  void aPartLackingDataLeavesTheDataMissingWhenNoPartIsPresent() {
    CriterionResult result = record.evaluate(anyOf(true, null, dka, lowCPeptide));
    assertThat(result.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(result.reason())
        .isEqualTo(
            "No recorded condition matches \"vs:dka\"; No Fasting C-peptide in the 90 days before"
                + " 2026-06-15");
    record.result(LAB, "c-peptide-fasting", "2026-06-01").setValue(value(null, "0.1", "nmol/L"));
    CriterionResult present = record.evaluate(anyOf(true, null, dka, lowCPeptide));
    assertThat(present.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(present.reason())
        .isEqualTo("Fasting C-peptide 0.1 nmol/L on 2026-06-01 is below 0.2 nmol/L");
    assertThat(refs(present)).containsExactly("Observation/o1");
  }

  @Test
  void aPartOnlyAPersonCanDecideIsForAPersonUnlessAnotherLacksData() {
    record.condition(SCT, "46635009", "active", "confirmed").setOnset(new DateTimeType("2025-12"));
    CriterionResult review = record.evaluate(anyOf(true, null, dka, onset));
    assertThat(review.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(review.reason())
        .startsWith("No recorded condition matches \"vs:dka\"; SNOMED CT 46635009 onset 2025-12");
    assertThat(refs(review)).containsExactly("Condition/c1");
    CriterionResult missing = record.evaluate(anyOf(true, null, onset, lowCPeptide));
    assertThat(missing.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(refs(missing)).containsExactly("Condition/c1");
    record.condition(ICD, "E10.9", "active", "confirmed");
    CriterionResult present = record.evaluate(anyOf(true, null, onset, t1d, lowCPeptide));
    assertThat(present.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(present.reason()).isEqualTo("SNOMED CT 46635009, ICD-10-CM E10.9 is recorded");
    assertThat(refs(present)).containsExactly("Condition/c1", "Condition/c2");
  }

  @Test
  void aPartOnlyAPersonCanJudgeWaitsUnlessTheComputablePartFails() {
    CriterionResult waits = record.evaluate(anyOf(true, "Other infections", dka));
    assertThat(waits.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(waits.reason())
        .isEqualTo(
            "No recorded condition matches \"vs:dka\"; needs review by a person: Other infections");
    CriterionResult missing = record.evaluate(anyOf(true, "Other infections", lowCPeptide));
    assertThat(missing.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    record.condition(SCT, "420422005", "active", "confirmed");
    CriterionResult fails = record.evaluate(anyOf(true, "Other infections", dka));
    assertThat(fails.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(fails.reason()).isEqualTo("SNOMED CT 420422005 is recorded");
  }

  @Test
  void aKindTheEngineDoesNotComputeIsForAPersonNamingTheCriterion() {
    Criterion unknown =
        new Criterion(
            "inc-insulin",
            false,
            "Insulin at least 0.5 U/kg/day",
            "Insulin dose",
            "insulin-dose",
            null,
            null,
            null,
            null,
            null,
            List.of());
    assertThat(unknown.kind()).isEqualTo(CriterionKind.MANUAL_REVIEW);
    CriterionResult result = record.evaluate(unknown);
    assertThat(result.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(result.reason())
        .isEqualTo("Needs review by a person: Insulin at least 0.5 U/kg/day");
    assertThat(result.evidence()).isEmpty();
  }
}
