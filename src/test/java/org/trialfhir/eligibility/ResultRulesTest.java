package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.LAB;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.LOINC;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.SCT;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.V3;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.criterion;
import static org.trialfhir.eligibility.RecordFixture.value;

import java.math.BigDecimal;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/**
 * Positive and negative results (docs/eligibility-contract.md §3): every result in the window
 * counts, read from its interpretation, its coded value, or its value against the reference range's
 * upper limit.
 */
class ResultRulesTest {

  private final RecordFixture record = new RecordFixture();
  private final Criterion anyPositive =
      criterion("exc-aab", "observation-positive", true, "vs:aab", new BooleanType(true));
  private final Criterion allNegative =
      criterion("inc-aab-neg", "observation-all-negative", false, "vs:aab", new BooleanType(true));

  private Observation gad(String date) {
    return record.result(LOINC, "13926-1", date);
  }

  private static void interpretation(Observation o, String code) {
    o.addInterpretation().addCoding().setSystem(V3).setCode(code);
  }

  private Observation znt8(String date, Quantity value, String rangeText) {
    Observation o = record.result(LAB, "znt8-antibody", date);
    o.setValue(value);
    if (rangeText != null) {
      o.addReferenceRange().setText(rangeText);
    }
    return o;
  }

  private static List<String> refs(CriterionResult result) {
    return result.evidence().stream().map(Reference::getReference).toList();
  }

  @Test
  void noInterpretableResultLeavesTheDataMissing() {
    CriterionResult none = record.evaluate(allNegative);
    assertThat(none.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(none.reason())
        .isEqualTo("No interpretable vs:aab result in the 90 days before 2026-06-15");
    interpretation(gad("2026-02-01"), "POS");
    assertThat(record.evaluate(anyPositive).outcome())
        .as("outside the window")
        .isEqualTo(Outcome.MISSING_DATA);
    gad("2026-06-01").setValue(value(null, "3", "U/mL")); // no reference range: says nothing
    CriterionResult unread = record.evaluate(anyPositive);
    assertThat(unread.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(unread.reason())
        .isEqualTo(
            "1 vs:aab result in the 90 days before 2026-06-15 says neither positive nor negative"
                + " (no interpretation, coded result or reference range)");
    assertThat(unread.evidence()).hasSize(1);
  }

  @Test
  void everyNegativeIsNamedWhenAllAreNegative() {
    interpretation(gad("2026-05-01"), "NEG");
    Observation znt8 = record.result(LAB, "znt8-antibody", "2026-06-01");
    znt8.setValue(new CodeableConcept().addCoding(new Coding(SCT, "260385009", "Negative")));
    CriterionResult all = record.evaluate(allNegative);
    assertThat(all.outcome()).isEqualTo(Outcome.PASS);
    assertThat(all.reason())
        .isEqualTo(
            "Tested and all negative: trial-lab znt8-antibody negative on 2026-06-01, LOINC"
                + " 13926-1 negative on 2026-05-01");
    assertThat(refs(all)).containsExactly("Observation/o2", "Observation/o1");
    CriterionResult noPositive = record.evaluate(anyPositive);
    assertThat(noPositive.outcome()).isEqualTo(Outcome.PASS);
    assertThat(noPositive.reason()).startsWith("No positive result: trial-lab znt8-antibody");
  }

  @Test
  void onlyThePositivesAreNamedAndCited() {
    interpretation(gad("2026-05-01"), "NEG");
    Observation positive = record.result(LAB, "znt8-antibody", "2026-06-01");
    positive.setValue(new CodeableConcept().addCoding(new Coding(SCT, "10828004", "Positive")));
    CriterionResult result = record.evaluate(anyPositive);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason())
        .isEqualTo("Positive: trial-lab znt8-antibody positive on 2026-06-01");
    assertThat(refs(result)).containsExactly("Observation/o2");
    CriterionResult notAll = record.evaluate(allNegative);
    assertThat(notAll.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(notAll.reason())
        .isEqualTo("Not all negative: trial-lab znt8-antibody positive on 2026-06-01");
  }

  @Test
  void theInterpretationComesBeforeTheCodedValue() {
    Observation o = gad("2026-06-01");
    interpretation(o, "N");
    o.setValue(new CodeableConcept().addCoding(new Coding(SCT, "10828004", "Positive")));
    assertThat(record.evaluate(allNegative).outcome()).isEqualTo(Outcome.PASS);
    o.getInterpretationFirstRep().getCodingFirstRep().setCode("IND"); // says neither
    assertThat(record.evaluate(allNegative).outcome()).isEqualTo(Outcome.FAIL);
  }

  @Test
  void aResultWithAnInterpretationAndNoValueCountsButOnlyWhenFinal() {
    Observation o = gad("2026-06-01");
    interpretation(o, "POS");
    assertThat(record.evaluate(anyPositive).outcome()).isEqualTo(Outcome.FAIL);
    o.setStatus(ObservationStatus.PRELIMINARY);
    assertThat(record.evaluate(anyPositive).outcome()).isEqualTo(Outcome.MISSING_DATA);
    o.setStatus(ObservationStatus.ENTEREDINERROR);
    assertThat(record.evaluate(anyPositive).outcome()).isEqualTo(Outcome.MISSING_DATA);
    o.setStatus(ObservationStatus.FINAL);
    o.setDataAbsentReason(new CodeableConcept().setText("specimen lost"));
    assertThat(record.evaluate(anyPositive).outcome()).isEqualTo(Outcome.MISSING_DATA);
  }

  @Test
  void aReferenceRangeWrittenAsTextInTheWaysLaboratoriesPrintIt() {
    for (String text : List.of("≤ 15", "<=15", "<= 15 U/mL", "0-15", "0 – 15", " 0.0 - 15.0 ")) {
      record.observations.clear();
      znt8("2026-06-01", value(null, "15", "U/mL"), text);
      assertThat(record.evaluate(allNegative).outcome()).as(text).isEqualTo(Outcome.PASS);
      record.observations.clear();
      znt8("2026-06-01", value(null, "15.5", "U/mL"), text);
      assertThat(record.evaluate(allNegative).outcome()).as(text).isEqualTo(Outcome.FAIL);
    }
    for (String text : List.of("negative", "< 15", "> 15", "15-", "")) {
      record.observations.clear();
      znt8("2026-06-01", value(null, "40", "U/mL"), text);
      assertThat(record.evaluate(allNegative).outcome())
          .as("'%s' is no upper limit", text)
          .isEqualTo(Outcome.MISSING_DATA);
    }
  }

  @Test
  void anUpperLimitInAnotherUnitIsConvertedFirst() {
    Observation o = znt8("2026-06-01", value(null, "16", "U/mL"), null);
    o.addReferenceRange().setHigh(value(null, "15000", "U/L"));
    CriterionResult result = record.evaluate(anyPositive);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason())
        .isEqualTo("Positive: trial-lab znt8-antibody 16 U/mL positive on 2026-06-01");
    o.getReferenceRangeFirstRep().setHigh(value(null, "16000", "U/L"));
    assertThat(record.evaluate(anyPositive).outcome()).isEqualTo(Outcome.PASS);
    o.getReferenceRangeFirstRep().setHigh(value(null, "15", "mg"));
    assertThat(record.evaluate(anyPositive).outcome())
        .as("an upper limit in no comparable unit says nothing")
        .isEqualTo(Outcome.MISSING_DATA);
  }

  @Test
  void aDetectionLimitOnBothSidesOfTheUpperLimitIsForAPersonUnlessAnotherIsPositive() {
    Observation limit =
        znt8(
            "2026-06-01",
            value(org.hl7.fhir.r4.model.Quantity.QuantityComparator.GREATER_THAN, "10", "U/mL"),
            "<= 15");
    CriterionResult undecided = record.evaluate(allNegative);
    assertThat(undecided.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(undecided.reason())
        .isEqualTo(
            "trial-lab znt8-antibody >10 U/mL undecided on 2026-06-01: a reported limit on both"
                + " sides of the reference range's upper limit; confirm whether positive");
    assertThat(refs(undecided)).containsExactly("Observation/o1");
    limit.getValueQuantity().setValue(new BigDecimal("15"));
    assertThat(record.evaluate(allNegative).outcome())
        .as(">15 is positive")
        .isEqualTo(Outcome.FAIL);
    limit.getValueQuantity().setValue(new BigDecimal("10"));
    interpretation(gad("2026-05-01"), "POS");
    assertThat(record.evaluate(anyPositive).outcome()).isEqualTo(Outcome.FAIL);
    assertThat(record.evaluate(anyPositive).reason())
        .isEqualTo("Positive: LOINC 13926-1 positive on 2026-05-01");
  }
}
