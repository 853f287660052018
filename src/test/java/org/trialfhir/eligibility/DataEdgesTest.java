package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.DATE;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.LAB;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.LOINC;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.SCT;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.UCUM;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.V3;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.criterion;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.labCriterion;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.quantity;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.range;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.junit.jupiter.api.Test;
import org.trialfhir.PackageFiles;

/**
 * Records held the way laboratories and EHRs hold them (docs/eligibility-contract.md §3): results
 * beyond a detection limit, HbA1c in IFCC units, untimed C-peptide, a positive among negatives,
 * birth dates and onsets known only to the month or year. Each case has its exact outcome and a
 * reason naming what decided it.
 */
class DataEdgesTest {

  /** The package's own lab concepts, as the server reads them from its ValueSets. */
  static final CodeMembership TERMS =
      new CodeMembership() {
        final Map<String, LabConcept> concepts =
            Map.of(
                "vs:cpep",
                new LabConcept(
                    new BigDecimal("3020.3"), List.of(), "vs:cpep-any", "vs:cpep-timed", "fasting"),
                "vs:hba1c",
                LabConcept.of(PackageFiles.valueSet("hba1c")));

        @Override
        public boolean contains(String valueSetUrl, String system, String code) {
          if (valueSetUrl.equals("vs:cpep-any")) {
            return (system + "|" + code).equals(LOINC + "|1986-9")
                || CriterionEvaluatorTest.TERMS.contains("vs:cpep-timed", system, code);
          }
          if (valueSetUrl.equals("vs:cpep-timed")) {
            return system.equals(LAB) && code.startsWith("c-peptide-");
          }
          if (valueSetUrl.equals("vs:hba1c")) {
            return system.equals(LOINC) && (code.equals("4548-4") || code.equals("59261-8"));
          }
          return CriterionEvaluatorTest.TERMS.contains(valueSetUrl, system, code);
        }

        @Override
        public LabConcept concept(String valueSetUrl) {
          return concepts.getOrDefault(valueSetUrl, LabConcept.NONE);
        }

        @Override
        public String title(String valueSetUrl) {
          return valueSetUrl.equals("vs:cpep-any") ? "C-peptide" : valueSetUrl;
        }
      };

  final Patient patient = new Patient();
  final List<Condition> conditions = new ArrayList<>();
  final List<Observation> observations = new ArrayList<>();

  DataEdgesTest() {
    patient.setId("Patient/p1");
    patient.setBirthDateElement(new DateType("2014-01-10"));
  }

  // ------------------------------------------------------------ detection limits

  @Test
  void aValueBelowTheDetectionLimitFailsAThresholdAboveIt() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    lab("2026-06-01", QuantityComparator.LESS_THAN, "0.1", "nmol/L");
    CriterionResult result = evaluate(atLeast);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason())
        .isEqualTo("Fasting C-peptide <0.1 nmol/L on 2026-06-01 is below 0.1 nmol/L");
  }

  @Test
  void aDetectionLimitStraddlingTheThresholdIsForAPersonNamingTheReportedValue() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    lab("2026-06-01", QuantityComparator.LESS_THAN, "0.15", "nmol/L");
    CriterionResult result = evaluate(atLeast);
    assertThat(result.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(result.reason())
        .isEqualTo(
            "Fasting C-peptide <0.15 nmol/L on 2026-06-01 is a reported limit, not a value:"
                + " it may or may not be at least 0.1 nmol/L");
  }

  @Test
  void aValueAboveAnUpperLimitPassesAStrictThresholdBelowIt() {
    Criterion above = labCriterion(quantity(QuantityComparator.GREATER_THAN, 0.2, "nmol/L"));
    lab("2026-06-01", QuantityComparator.GREATER_THAN, "0.5", "nmol/L");
    assertThat(evaluate(above).outcome()).isEqualTo(Outcome.PASS);
    assertThat(evaluate(above).reason()).contains(">0.5 nmol/L", "is above 0.2 nmol/L");
    lab("2026-06-02", QuantityComparator.GREATER_THAN, "0.2", "nmol/L");
    assertThat(evaluate(above).outcome()).as(">0.2 is above 0.2").isEqualTo(Outcome.PASS);
    lab("2026-06-03", QuantityComparator.GREATER_OR_EQUAL, "0.2", "nmol/L");
    assertThat(evaluate(above).outcome()).as(">=0.2 may be 0.2").isEqualTo(Outcome.MANUAL_REVIEW);
    lab("2026-06-04", QuantityComparator.LESS_OR_EQUAL, "0.2", "nmol/L");
    assertThat(evaluate(above).outcome()).as("<=0.2 is never above 0.2").isEqualTo(Outcome.FAIL);
  }

  @Test
  void aDetectionLimitIsConvertedBeforeItIsCompared() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    lab("2026-06-01", QuantityComparator.LESS_THAN, "0.3", "ng/mL"); // < 0.0993 nmol/L
    CriterionResult result = evaluate(atLeast);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason()).contains("<0.3 ng/mL (<0.09933 nmol/L)");
    lab("2026-06-02", QuantityComparator.LESS_THAN, "0.31", "ng/mL"); // < 0.1026 nmol/L
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
  }

  @Test
  void aDetectionLimitAgainstARange() {
    Criterion between =
        new Criterion(
            "inc-range",
            false,
            "r",
            "Fasting C-peptide",
            "observation-value",
            "vs:cpep",
            range(0.2, 1.0, "nmol/L"),
            null,
            null,
            null,
            List.of());
    lab("2026-06-01", QuantityComparator.LESS_THAN, "0.1", "nmol/L");
    assertThat(evaluate(between).outcome()).isEqualTo(Outcome.FAIL);
    lab("2026-06-02", QuantityComparator.LESS_THAN, "0.5", "nmol/L");
    assertThat(evaluate(between).outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(evaluate(between).reason()).contains("<0.5 nmol/L", "may or may not be within");
  }

  // ------------------------------------------------------------ HbA1c in IFCC units

  @Test
  void hba1cInMmolPerMolConvertsByTheMasterEquationNotAsARatio() {
    Criterion atMost =
        new Criterion(
            "inc-hba1c",
            false,
            "HbA1c at most 10 %",
            "HbA1c",
            "observation-value",
            "vs:hba1c",
            quantity(QuantityComparator.LESS_OR_EQUAL, 10, "%"),
            null,
            null,
            null,
            List.of());
    Observation o = result(LOINC, "59261-8", "2026-06-01");
    o.setValue(new Quantity().setValue(new BigDecimal("97")).setSystem(UCUM).setCode("mmol/mol"));
    CriterionResult high = evaluate(atMost);
    assertThat(high.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(high.reason()).isEqualTo("HbA1c 97 mmol/mol (11.03 %) on 2026-06-01 is above 10 %");
    o.setValue(new Quantity().setValue(new BigDecimal("85")).setSystem(UCUM).setCode("mmol/mol"));
    assertThat(evaluate(atMost).outcome()).as("85 mmol/mol is 9.93 %").isEqualTo(Outcome.PASS);
  }

  @Test
  void hba1cUnitsTheRelationDoesNotNameAreNotGuessed() {
    LabConcept hba1c = LabConcept.of(PackageFiles.valueSet("hba1c"));
    assertThat(hba1c.convert(new BigDecimal("97"), "mmol/mol", "%")).isPresent();
    assertThat(hba1c.convert(new BigDecimal("11.03"), "%", "mmol/mol").orElseThrow())
        .isCloseTo(
            new BigDecimal("97.0"), org.assertj.core.data.Offset.offset(new BigDecimal("0.1")));
    assertThat(hba1c.convert(new BigDecimal("0.097"), "1", "%")).isEmpty();
    assertThat(hba1c.convert(new BigDecimal("97"), "mmol/mol", "1")).isEmpty();
  }

  // ------------------------------------------------------------ untimed results

  @Test
  void anUntimedCPeptideMakesATimedCriterionForAPersonWithItsConvertedValue() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    Observation untimed = result(LOINC, "1986-9", "2026-06-01");
    untimed.setValue(
        new Quantity().setValue(new BigDecimal("1.1")).setSystem(UCUM).setCode("ng/mL"));
    CriterionResult result = evaluate(atLeast);
    assertThat(result.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(result.reason())
        .isEqualTo(
            "C-peptide 0.3642 nmol/L (1.1 ng/mL) on 2026-06-01, sampling time not recorded:"
                + " confirm whether it was fasting");
    assertThat(result.evidence())
        .extracting(r -> r.getReference())
        .containsExactly("Observation/o1");
  }

  @Test
  void aResultTimedOtherwiseIsNotUntimedAndATimedResultDecides() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    Observation twoHour = result(LAB, "c-peptide-2h", "2026-06-01");
    twoHour.getCode().addCoding(new Coding(LOINC, "1986-9", null));
    twoHour.setValue(
        new Quantity().setValue(new BigDecimal("0.5")).setSystem(UCUM).setCode("nmol/L"));
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.MISSING_DATA);
    Observation untimed = result(LOINC, "1986-9", "2026-06-05");
    untimed.setValue(
        new Quantity().setValue(new BigDecimal("0.02")).setSystem(UCUM).setCode("nmol/L"));
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    Observation fasting = result(LAB, "c-peptide-fasting", "2026-05-01");
    fasting.setValue(
        new Quantity().setValue(new BigDecimal("0.3")).setSystem(UCUM).setCode("nmol/L"));
    assertThat(evaluate(atLeast).outcome()).as("a timed result decides").isEqualTo(Outcome.PASS);
  }

  @Test
  void anUntimedResultOutsideTheWindowLeavesDataMissing() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    Observation old = result(LOINC, "1986-9", "2026-03-16"); // 91 days before
    old.setValue(new Quantity().setValue(new BigDecimal("1.1")).setSystem(UCUM).setCode("ng/mL"));
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.MISSING_DATA);
  }

  // ------------------------------------------------------------ positive among negatives

  @Test
  void onePositiveAmongNegativesIsAPositiveAndTheReasonNamesIt() {
    Criterion anyPositive =
        criterion("p", "observation-positive", false, "vs:aab", new BooleanType(true));
    Criterion allNegative =
        criterion("n", "observation-all-negative", false, "vs:aab", new BooleanType(true));
    Observation gad = result(LOINC, "13926-1", "2026-06-01");
    gad.addInterpretation().addCoding().setSystem(V3).setCode("NEG");
    Observation znt8 = result(LAB, "znt8-antibody", "2026-06-02");
    znt8.setValue(new Quantity().setValue(new BigDecimal("40")).setSystem(UCUM).setCode("U/mL"));
    znt8.addReferenceRange().setHigh(new Quantity().setValue(new BigDecimal("15")));
    assertThat(evaluate(allNegative).outcome()).isEqualTo(Outcome.FAIL);
    assertThat(evaluate(allNegative).reason())
        .isEqualTo("Not all negative: trial-lab znt8-antibody 40 U/mL positive on 2026-06-02");
    assertThat(evaluate(anyPositive).outcome()).isEqualTo(Outcome.PASS);
    assertThat(evaluate(anyPositive).reason()).contains("40 U/mL positive");
    assertThat(evaluate(anyPositive).evidence())
        .extracting(r -> r.getReference())
        .containsExactly("Observation/o2");
  }

  @Test
  void aReferenceRangeWrittenAsTextDecides() {
    Criterion allNegative =
        criterion("n", "observation-all-negative", false, "vs:aab", new BooleanType(true));
    Observation znt8 = result(LAB, "znt8-antibody", "2026-06-02");
    znt8.setValue(new Quantity().setValue(new BigDecimal("40")).setSystem(UCUM).setCode("U/mL"));
    znt8.addReferenceRange().setText("<= 15");
    assertThat(evaluate(allNegative).outcome()).isEqualTo(Outcome.FAIL);
    znt8.setValue(new Quantity().setValue(new BigDecimal("12")).setSystem(UCUM).setCode("U/mL"));
    assertThat(evaluate(allNegative).outcome()).isEqualTo(Outcome.PASS);
  }

  @Test
  void anEarlierPositiveOfTheSameTestStillCounts() {
    Criterion anyPositive =
        criterion("p", "observation-positive", false, "vs:aab", new BooleanType(true));
    Observation first = result(LOINC, "13926-1", "2026-05-01");
    first.addInterpretation().addCoding().setSystem(V3).setCode("POS");
    Observation later = result(LOINC, "13926-1", "2026-06-01");
    later.addInterpretation().addCoding().setSystem(V3).setCode("NEG");
    assertThat(evaluate(anyPositive).outcome()).isEqualTo(Outcome.PASS);
    assertThat(evaluate(anyPositive).reason()).contains("positive on 2026-05-01");
  }

  @Test
  void interpretationCodesCountOnlyFromTheirCodeSystem() {
    Criterion anyPositive =
        criterion("p", "observation-positive", false, "vs:aab", new BooleanType(true));
    Observation gad = result(LOINC, "13926-1", "2026-06-01");
    gad.addInterpretation().addCoding().setSystem("http://example.org/local").setCode("POS");
    assertThat(evaluate(anyPositive).outcome()).isEqualTo(Outcome.MISSING_DATA);
    gad.getInterpretationFirstRep().getCodingFirstRep().setSystem(V3);
    assertThat(evaluate(anyPositive).outcome()).isEqualTo(Outcome.PASS);
  }

  @Test
  void aLimitOnBothSidesOfTheUpperReferenceIsForAPerson() {
    Criterion allNegative =
        criterion("n", "observation-all-negative", false, "vs:aab", new BooleanType(true));
    Observation znt8 = result(LAB, "znt8-antibody", "2026-06-02");
    znt8.setValue(
        new Quantity()
            .setValue(new BigDecimal("20"))
            .setComparator(QuantityComparator.LESS_THAN)
            .setSystem(UCUM)
            .setCode("U/mL"));
    znt8.addReferenceRange().setHigh(new Quantity().setValue(new BigDecimal("15")).setCode("U/mL"));
    assertThat(evaluate(allNegative).outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(evaluate(allNegative).reason()).contains("<20 U/mL");
    znt8.getValueQuantity().setValue(new BigDecimal("10"));
    assertThat(evaluate(allNegative).outcome()).as("<10 is negative").isEqualTo(Outcome.PASS);
  }

  // ------------------------------------------------------------ partial dates

  @Test
  void aBirthDateKnownToTheMonthDecidesWhenEveryPossibleAgeIsOnOneSide() {
    Criterion age = criterion("inc-age", "age", false, null, range(8, 18, "a"));
    patient.setBirthDateElement(new DateType("2008-06"));
    CriterionResult result = evaluate(age);
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.reason())
        .isEqualTo(
            "Age 17 or 18 a on 2026-06-15 (born 2008-06, known only to the month) is within"
                + " 8 to 18 a");
  }

  @Test
  void aBirthDateKnownToTheYearStraddlingABoundIsForAPersonNamingThePrecision() {
    Criterion age = criterion("inc-age", "age", false, null, range(8, 18, "a"));
    patient.setBirthDateElement(new DateType("2007"));
    CriterionResult result = evaluate(age);
    assertThat(result.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(result.reason())
        .contains("18 or 19", "born 2007, known only to the year", "confirm the exact birth date");
    patient.setBirthDateElement(new DateType("2006"));
    assertThat(evaluate(age).outcome()).as("19 or 20").isEqualTo(Outcome.FAIL);
    patient.setBirthDateElement(new DateType("2012"));
    assertThat(evaluate(age).outcome()).as("13 or 14").isEqualTo(Outcome.PASS);
  }

  @Test
  void anOnsetKnownToTheMonthIsAnInterval() {
    Criterion onset =
        criterion("inc-new-onset", "condition-onset", false, "vs:t1d", quantity(null, 6, "mo"));
    Condition t1d = t1d();
    t1d.setOnset(new DateTimeType("2025-12")); // window starts 2025-12-15
    CriterionResult result = evaluate(onset);
    assertThat(result.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(result.reason())
        .contains("onset 2025-12 (known only to the month)", "may be within or more than 6 months");
    t1d.setOnset(new DateTimeType("2026-01"));
    assertThat(evaluate(onset).outcome()).isEqualTo(Outcome.PASS);
    assertThat(evaluate(onset).reason()).contains("2026-01 (known only to the month) is within");
    t1d.setOnset(new DateTimeType("2025-11"));
    assertThat(evaluate(onset).outcome()).isEqualTo(Outcome.FAIL);
    t1d.setOnset(new DateTimeType("2025"));
    assertThat(evaluate(onset).outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    t1d.setOnset(null);
    t1d.setRecordedDateElement(new DateTimeType("2026-02"));
    assertThat(evaluate(onset).outcome()).as("a partial recorded date").isEqualTo(Outcome.PASS);
  }

  // ------------------------------------------------------------ fixtures

  private CriterionResult evaluate(Criterion criterion) {
    PatientRecord record =
        new PatientRecord(patient, conditions, observations, List.of(), List.of());
    return new CriterionEvaluator(record, DATE, "ResearchStudy/study-1", TERMS).evaluate(criterion);
  }

  private Condition t1d() {
    Condition c = new Condition();
    c.setId("Condition/c" + (conditions.size() + 1));
    c.getCode().addCoding(new Coding(SCT, "46635009", null));
    c.getClinicalStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical")
        .setCode("active");
    conditions.add(c);
    return c;
  }

  private void lab(String date, QuantityComparator comparator, String value, String unit) {
    Observation o = result(LAB, "c-peptide-fasting", date);
    o.setValue(
        new Quantity()
            .setValue(new BigDecimal(value))
            .setComparator(comparator)
            .setSystem(UCUM)
            .setCode(unit)
            .setUnit(unit));
  }

  private Observation result(String system, String code, String date) {
    Observation o = new Observation();
    o.setId("Observation/o" + (observations.size() + 1));
    o.setStatus(ObservationStatus.FINAL);
    o.getCode().addCoding(new Coding(system, code, null));
    o.setEffective(new DateTimeType(date));
    observations.add(o);
    return o;
  }
}
