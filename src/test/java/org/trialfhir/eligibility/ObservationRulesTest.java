package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.LAB;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.LOINC;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.labCriterion;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.quantity;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.range;
import static org.trialfhir.eligibility.RecordFixture.value;

import java.math.BigDecimal;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.junit.jupiter.api.Test;

/**
 * Lab values and vitals (docs/eligibility-contract.md §3): the most recent usable result in the
 * window against the threshold, by every comparator, converted to the threshold's unit; BMI
 * measured or computed.
 */
class ObservationRulesTest {

  private final RecordFixture record = new RecordFixture();

  private Observation cPeptide(String date, Quantity value) {
    Observation o = record.result(LAB, "c-peptide-fasting", date);
    o.setValue(value);
    return o;
  }

  private CriterionResult cPeptideAgainst(Type threshold, Quantity measured) {
    record.observations.clear();
    cPeptide("2026-06-01", measured);
    return record.evaluate(labCriterion(threshold instanceof Quantity q ? q : null));
  }

  private CriterionResult against(QuantityComparator comparator, double limit, Quantity measured) {
    return cPeptideAgainst(quantity(comparator, limit, "nmol/L"), measured);
  }

  private static Quantity nmol(QuantityComparator comparator, String value) {
    return value(comparator, value, "nmol/L");
  }

  private static List<String> refs(CriterionResult result) {
    return result.evidence().stream().map(Reference::getReference).toList();
  }

  // ------------------------------------------------------------ comparators

  @Test
  void belowExcludesItsBound() {
    QuantityComparator lt = QuantityComparator.LESS_THAN;
    CriterionResult below = against(lt, 0.5, nmol(null, "0.4"));
    assertThat(below.outcome()).isEqualTo(Outcome.PASS);
    assertThat(below.reason())
        .isEqualTo("Fasting C-peptide 0.4 nmol/L on 2026-06-01 is below 0.5 nmol/L");
    CriterionResult at = against(lt, 0.5, nmol(null, "0.5"));
    assertThat(at.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(at.reason())
        .isEqualTo("Fasting C-peptide 0.5 nmol/L on 2026-06-01 is not below 0.5 nmol/L");
    CriterionResult limit = against(lt, 0.5, nmol(lt, "0.6"));
    assertThat(limit.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(limit.reason())
        .isEqualTo(
            "Fasting C-peptide <0.6 nmol/L on 2026-06-01 is a reported limit, not a value: it may"
                + " or may not be below 0.5 nmol/L");
    assertThat(against(lt, 0.5, nmol(lt, "0.5")).outcome()).isEqualTo(Outcome.PASS);
  }

  @Test
  void atMostIncludesItsBound() {
    QuantityComparator le = QuantityComparator.LESS_OR_EQUAL;
    CriterionResult at = against(le, 0.5, nmol(null, "0.5"));
    assertThat(at.outcome()).isEqualTo(Outcome.PASS);
    assertThat(at.reason()).endsWith("0.5 nmol/L on 2026-06-01 is at most 0.5 nmol/L");
    CriterionResult above = against(le, 0.5, nmol(null, "0.51"));
    assertThat(above.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(above.reason()).endsWith("0.51 nmol/L on 2026-06-01 is above 0.5 nmol/L");
    CriterionResult limit = against(le, 0.5, nmol(QuantityComparator.GREATER_THAN, "0.4"));
    assertThat(limit.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(limit.reason()).endsWith("it may or may not be at most 0.5 nmol/L");
  }

  @Test
  void aboveExcludesItsBound() {
    QuantityComparator gt = QuantityComparator.GREATER_THAN;
    CriterionResult at = against(gt, 0.2, nmol(null, "0.2"));
    assertThat(at.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(at.reason()).endsWith("0.2 nmol/L on 2026-06-01 is not above 0.2 nmol/L");
    CriterionResult limit = against(gt, 0.2, nmol(QuantityComparator.LESS_THAN, "0.3"));
    assertThat(limit.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(limit.reason()).endsWith("it may or may not be above 0.2 nmol/L");
  }

  @Test
  void atLeastIncludesItsBound() {
    QuantityComparator ge = QuantityComparator.GREATER_OR_EQUAL;
    CriterionResult below = against(ge, 0.1, nmol(null, "0.09"));
    assertThat(below.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(below.reason()).endsWith("0.09 nmol/L on 2026-06-01 is below 0.1 nmol/L");
    assertThat(against(ge, 0.1, nmol(null, "0.1")).reason()).endsWith("is at least 0.1 nmol/L");
  }

  @Test
  void withoutAComparatorTheValueMustEqualTheThreshold() {
    CriterionResult equal = against(null, 0.5, nmol(null, "0.50"));
    assertThat(equal.outcome()).isEqualTo(Outcome.PASS);
    assertThat(equal.reason()).endsWith("0.5 nmol/L on 2026-06-01 equals 0.5 nmol/L");
    CriterionResult other = against(null, 0.5, nmol(null, "0.4"));
    assertThat(other.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(other.reason()).endsWith("0.4 nmol/L on 2026-06-01 does not equal 0.5 nmol/L");
    CriterionResult limit = against(null, 0.5, nmol(QuantityComparator.LESS_THAN, "0.6"));
    assertThat(limit.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(limit.reason()).endsWith("it may or may not be equal to 0.5 nmol/L");
  }

  // ------------------------------------------------------------ ranges and units

  private CriterionResult inRange(Range range, Quantity measured) {
    record.observations.clear();
    cPeptide("2026-06-01", measured);
    return record.evaluate(
        new Criterion(
            "inc-range",
            false,
            "C-peptide in range",
            "Fasting C-peptide",
            "observation-value",
            "vs:cpep",
            range,
            null,
            null,
            null,
            List.of()));
  }

  @Test
  void aRangeAdmitsItsBoundsAndNamesItself() {
    Range range = range(0.2, 1.0, "nmol/L");
    CriterionResult within = inRange(range, nmol(null, "1.0"));
    assertThat(within.outcome()).isEqualTo(Outcome.PASS);
    assertThat(within.reason())
        .isEqualTo("Fasting C-peptide 1 nmol/L on 2026-06-01 is within 0.2 to 1 nmol/L");
    CriterionResult outside = inRange(range, nmol(null, "1.5"));
    assertThat(outside.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(outside.reason())
        .isEqualTo("Fasting C-peptide 1.5 nmol/L on 2026-06-01 is outside 0.2 to 1 nmol/L");
  }

  @Test
  void aRangeWithAnUpperBoundAloneConvertsToThatBoundsUnit() {
    Range atMost = new Range().setHigh(quantity(null, 1, "nmol/L"));
    CriterionResult result = inRange(atMost, value(null, "500", "pmol/L"));
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.reason())
        .isEqualTo(
            "Fasting C-peptide 500 pmol/L (0.5 nmol/L) on 2026-06-01 is within at most 1 nmol/L");
    assertThat(inRange(atMost, value(null, "1500", "pmol/L")).outcome()).isEqualTo(Outcome.FAIL);
  }

  @Test
  void aUnitWrittenWithoutItsCodeIsReadFromTheUnitText() {
    Quantity written = new Quantity().setValue(new BigDecimal("0.31")).setUnit("ng/mL");
    CriterionResult result = against(QuantityComparator.GREATER_OR_EQUAL, 0.1, written);
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.reason()).startsWith("Fasting C-peptide 0.31 ng/mL (0.1026 nmol/L) on");
  }

  @Test
  void aUnitThatCannotBeConvertedLeavesTheDataMissing() {
    CriterionResult result =
        against(QuantityComparator.GREATER_OR_EQUAL, 0.1, value(null, "5", "mg"));
    assertThat(result.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(result.reason())
        .isEqualTo("Fasting C-peptide 5 mg on 2026-06-01: unit 'mg' cannot be converted to nmol/L");
    assertThat(refs(result)).containsExactly("Observation/o1");
  }

  // ------------------------------------------------------------ which result decides

  @Test
  void aLatestResultWithoutANumberLeavesTheDataMissing() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    cPeptide("2026-05-01", nmol(null, "0.5"));
    Observation coded = cPeptide("2026-06-01", null);
    coded.setValue(new StringType("haemolysed"));
    CriterionResult result = record.evaluate(atLeast);
    assertThat(result.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(result.reason()).isEqualTo("Fasting C-peptide on 2026-06-01 has no numeric value");
    assertThat(refs(result)).containsExactly("Observation/o2");
    coded.setValue(new Quantity().setUnit("nmol/L"));
    assertThat(record.evaluate(atLeast).reason())
        .isEqualTo("Fasting C-peptide on 2026-06-01 has no numeric value");
  }

  @Test
  void eachResultSetAsideIsNamedWithItsDateAndWhyAndIsEvidenceAndTheReasonSaysWhatToObtain() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    CriterionResult none = record.evaluate(atLeast);
    assertThat(none.reason()).isEqualTo("No Fasting C-peptide in the 90 days before 2026-06-15");
    assertThat(none.obtain()).as("the ValueSet's title").isEqualTo("vs:cpep from the last 90 days");
    assertThat(none.evidence()).isEmpty();
    cPeptide("2026-01-01", nmol(null, "0.5"));
    CriterionResult one = record.evaluate(atLeast);
    assertThat(one.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(one.reason())
        .isEqualTo(
            "No Fasting C-peptide in the 90 days before 2026-06-15: vs:cpep 0.5 nmol/L on"
                + " 2026-01-01 is older than the 90-day window (from 2026-03-17)");
    assertThat(refs(one)).containsExactly("Observation/o1");
    assertThat(one.obtain()).isEqualTo("vs:cpep from the last 90 days");
    cPeptide("2026-06-01", nmol(null, "0.4")).setStatus(ObservationStatus.PRELIMINARY);
    Observation absent = cPeptide("2026-06-03", null);
    absent.getDataAbsentReason().addCoding().setCode("not-performed").setDisplay("Not Performed");
    absent.getCode().setText("C-peptide (fasting)");
    CriterionResult three = record.evaluate(atLeast);
    assertThat(three.reason())
        .as("most recent first, the record's own name when it has one")
        .isEqualTo(
            "No Fasting C-peptide in the 90 days before 2026-06-15: C-peptide (fasting) on"
                + " 2026-06-03 has no value (not performed); vs:cpep 0.4 nmol/L on 2026-06-01 is"
                + " preliminary, not final; vs:cpep 0.5 nmol/L on 2026-01-01 is older than the"
                + " 90-day window (from 2026-03-17)");
    assertThat(refs(three)).containsExactly("Observation/o3", "Observation/o2", "Observation/o1");
    cPeptide("2026-06-20", nmol(null, "0.4"));
    cPeptide(null, nmol(null, "0.4"));
    CriterionResult five = record.evaluate(atLeast);
    assertThat(five.reason())
        .contains("vs:cpep 0.4 nmol/L on 2026-06-20 is after the reference date")
        .endsWith("is preliminary, not final; and 2 more results");
    assertThat(five.evidence()).hasSize(ObservationRules.SET_ASIDE_NAMED);
  }

  @Test
  void aResultHeldTwiceIsNamedAndCitedOnce() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    record.observations.add(cPeptide("2026-01-01", nmol(null, "0.5")));
    CriterionResult result = record.evaluate(atLeast);
    assertThat(refs(result)).containsExactly("Observation/o1");
    assertThat(result.reason()).containsOnlyOnce("0.5 nmol/L");
  }

  @Test
  void anUndatedResultIsSetAsideForItsMissingDate() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    cPeptide(null, nmol(null, "0.4"));
    assertThat(record.evaluate(atLeast).reason())
        .isEqualTo(
            "No Fasting C-peptide in the 90 days before 2026-06-15: vs:cpep 0.4 nmol/L has no"
                + " date of sampling");
  }

  @Test
  void anAmendedOrCorrectedResultCountsAndAnUndatedOneDoesNot() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    cPeptide(null, nmol(null, "0.01"));
    cPeptide("2026-05-01", nmol(null, "0.5")).setStatus(ObservationStatus.AMENDED);
    assertThat(record.evaluate(atLeast).outcome()).isEqualTo(Outcome.PASS);
    cPeptide("2026-05-02", nmol(null, "0.05")).setStatus(ObservationStatus.CORRECTED);
    assertThat(record.evaluate(atLeast).outcome()).isEqualTo(Outcome.FAIL);
  }

  @Test
  void aResultTakenOverAPeriodIsDatedByItsStartAndAResultDatedToTheMonthIsNot() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    Observation collected = cPeptide(null, nmol(null, "0.05"));
    collected.setEffective(
        new Period()
            .setStartElement(new DateTimeType("2026-06-01T07:30:00+02:00"))
            .setEndElement(new DateTimeType("2026-06-01T09:30:00+02:00")));
    CriterionResult result = record.evaluate(atLeast);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason())
        .isEqualTo("Fasting C-peptide 0.05 nmol/L on 2026-06-01 is below 0.1 nmol/L");
    collected.setEffective(new Period().setEndElement(new DateTimeType("2026-06-01")));
    assertThat(record.evaluate(atLeast).outcome()).isEqualTo(Outcome.MISSING_DATA);
    collected.setEffective(new DateTimeType("2026-06"));
    assertThat(record.evaluate(atLeast).outcome()).isEqualTo(Outcome.MISSING_DATA);
  }

  // ------------------------------------------------------------ untimed results

  /** C-peptide whose concept states no sampling time in words. */
  private static final CodeMembership UNWORDED =
      new CodeMembership() {
        @Override
        public boolean contains(String valueSetUrl, String system, String code) {
          return DataEdgesTest.TERMS.contains(valueSetUrl, system, code);
        }

        @Override
        public LabConcept concept(String valueSetUrl) {
          LabConcept concept = DataEdgesTest.TERMS.concept(valueSetUrl);
          return new LabConcept(
              concept.molarMass(), concept.relations(), concept.analyte(), concept.timed(), null);
        }

        @Override
        public String title(String valueSetUrl) {
          return DataEdgesTest.TERMS.title(valueSetUrl);
        }
      };

  @Test
  void anUntimedResultIsShownAsReportedAndConvertedAndNeverDecides() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    Observation untimed = record.result(LOINC, "1986-9", "2026-06-01");
    untimed.setValue(value(QuantityComparator.LESS_THAN, "0.3", "ng/mL"));
    CriterionResult limit = record.evaluate(atLeast);
    assertThat(limit.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(limit.reason())
        .isEqualTo(
            "C-peptide <0.09933 nmol/L (<0.3 ng/mL) on 2026-06-01, sampling time not recorded:"
                + " confirm whether it was fasting");
    untimed.setValue(value(null, "0.05", "nmol/L"));
    assertThat(record.evaluate(atLeast).reason())
        .startsWith("C-peptide 0.05 nmol/L on 2026-06-01, sampling time not recorded");
    untimed.setValue(value(null, "5", "mg"));
    assertThat(record.evaluate(atLeast).reason()).startsWith("C-peptide 5 mg on 2026-06-01,");
    untimed.setValue(new CodeableConcept().setText("see report"));
    CriterionResult text = record.evaluate(atLeast);
    assertThat(text.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(text.reason())
        .startsWith("C-peptide a result without a numeric value on 2026-06-01, sampling time");
  }

  @Test
  void anUntimedResultNamesTheCriterionWhenTheConceptNamesNoSamplingTime() {
    record.terms = UNWORDED;
    Observation untimed = record.result(LOINC, "1986-9", "2026-06-01");
    untimed.setValue(value(null, "0.05", "nmol/L"));
    CriterionResult result =
        record.evaluate(labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L")));
    assertThat(result.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(result.reason()).endsWith("confirm whether it was Fasting C-peptide");
  }

  @Test
  void aCriterionOfNoTimedConceptIgnoresOtherCodesOfTheAnalyte() {
    Observation untimed = record.result(LOINC, "1986-9", "2026-06-01");
    untimed.setValue(value(null, "0.5", "nmol/L"));
    Criterion hba1c =
        new Criterion(
            "inc-hba1c",
            false,
            "HbA1c",
            "HbA1c",
            "observation-value",
            "vs:hba1c",
            quantity(QuantityComparator.LESS_OR_EQUAL, 10, "%"),
            null,
            null,
            null,
            List.of());
    CriterionResult result = record.evaluate(hba1c);
    assertThat(result.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(result.reason()).isEqualTo("No HbA1c in the 90 days before 2026-06-15");
  }

  // ------------------------------------------------------------ BMI

  private final Criterion underweight =
      CriterionEvaluatorTest.criterion(
          "exc-bmi", "bmi", true, null, quantity(QuantityComparator.LESS_THAN, 14, "kg/m2"));

  private Observation vital(String loinc, String date, Quantity value) {
    Observation o = record.result(LOINC, loinc, date);
    o.setValue(value);
    return o;
  }

  @Test
  void aMeasuredBmiDecidesAndIsNamed() {
    vital("39156-5", "2026-05-20", value(null, "13.9", "kg/m2"));
    CriterionResult result = record.evaluate(underweight);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason()).isEqualTo("BMI 13.9 kg/m2 on 2026-05-20 is below 14 kg/m2");
    assertThat(refs(result)).containsExactly("Observation/o1");
  }

  @Test
  void aBmiIsComputedFromTheLatestWeightAndHeightWithANumber() {
    vital("39156-5", "2026-06-02", null).setValue(new StringType("not measured"));
    vital("29463-7", "2026-05-01", value(null, "26", "kg"));
    vital("29463-7", "2026-06-01", null).setValue(new StringType("refused"));
    vital("8302-2", "2026-06-01", value(null, "1400", "mm"));
    CriterionResult result = record.evaluate(underweight);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason())
        .isEqualTo(
            "BMI 13.27 kg/m2 computed from weight 26 kg (2026-05-01) and height 1400 mm"
                + " (2026-06-01) is below 14 kg/m2");
    assertThat(refs(result)).containsExactly("Observation/o2", "Observation/o4");
  }

  @Test
  void aBmiQuantityWithoutANumberIsNoBmi() {
    // A unit alone (no value) once failed the whole evaluation: it is no measured BMI.
    vital("39156-5", "2026-06-02", new Quantity().setUnit("kg/m2").setCode("kg/m2"));
    vital("29463-7", "2026-05-01", value(null, "26", "kg"));
    vital("8302-2", "2026-06-01", value(null, "1400", "mm"));
    CriterionResult result = record.evaluate(underweight);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason()).startsWith("BMI 13.27 kg/m2 computed from weight 26 kg");
  }

  @Test
  void aBmiIsNotComputedFromALimitOrUnitsThatAreNoWeightAndHeight() {
    vital("29463-7", "2026-06-01", value(QuantityComparator.GREATER_THAN, "150", "kg"));
    Observation height = vital("8302-2", "2026-06-01", value(null, "140", "cm"));
    CriterionResult limit = record.evaluate(underweight);
    assertThat(limit.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(limit.reason())
        .isEqualTo("BMI cannot be computed from a reported limit: weight >150 kg, height 140 cm");
    record.observations.get(0).setValue(value(null, "26", "kg"));
    height.setValue(value(null, "140", "kg"));
    CriterionResult units = record.evaluate(underweight);
    assertThat(units.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(units.reason())
        .isEqualTo("BMI cannot be computed from weight 26 kg and height 140 kg");
    height.setValue(value(null, "0", "cm"));
    assertThat(record.evaluate(underweight).outcome()).isEqualTo(Outcome.MISSING_DATA);
    record.observations.get(0).setValue(value(null, "26", "m"));
    height.setValue(value(null, "140", "cm"));
    assertThat(record.evaluate(underweight).outcome()).isEqualTo(Outcome.MISSING_DATA);
  }

  @Test
  void heightAloneIsNoBmi() {
    vital("8302-2", "2026-06-01", value(null, "140", "cm"));
    CriterionResult result = record.evaluate(underweight);
    assertThat(result.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(result.reason())
        .isEqualTo(
            "No BMI, nor both weight and height, in the 90 days before 2026-06-15, only Height 140"
                + " cm on 2026-06-01 (a BMI needs both weight and height)");
    assertThat(result.obtain()).isEqualTo("a BMI, or weight and height, from the last 90 days");
    assertThat(refs(result)).containsExactly("Observation/o1");
  }

  @Test
  void anOldBmiIsNamedAsSetAside() {
    vital("39156-5", "2025-12-01", value(null, "36.2", "kg/m2"));
    vital("29463-7", "2026-06-01", value(null, "60", "kg")).setStatus(ObservationStatus.CANCELLED);
    CriterionResult result = record.evaluate(underweight);
    assertThat(result.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(result.reason())
        .isEqualTo(
            "No BMI, nor both weight and height, in the 90 days before 2026-06-15: Weight 60 kg on"
                + " 2026-06-01 is cancelled, not final; BMI 36.2 kg/m2 on 2025-12-01 is older than"
                + " the 90-day window (from 2026-03-17)");
    assertThat(refs(result)).containsExactly("Observation/o2", "Observation/o1");
    assertThat(result.obtain()).isEqualTo("a BMI, or weight and height, from the last 90 days");
  }
}
