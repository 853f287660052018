package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.junit.jupiter.api.Test;

/**
 * The observation-uln kind: a lab result against a multiple of the upper limit of normal of its own
 * reference range ("Alanine aminotransferase (ALT) or aspartate aminotransferase (AST) >2 of ULN",
 * NCT06546436).
 */
class UpperLimitRulesTest {

  private static final LocalDate DATE = LocalDate.of(2026, 6, 30);
  private static final String LOINC = "http://loinc.org";
  private static final String UCUM = "http://unitsofmeasure.org";
  private static final String ALT = "urn:vs:alt";
  private static final String NORMAL =
      "http://terminology.hl7.org/CodeSystem/referencerange-meaning";

  private static final CodeMembership TERMS =
      new CodeMembership() {
        @Override
        public boolean contains(String valueSet, String system, String code) {
          return valueSet.equals(ALT) && system.equals(LOINC) && code.equals("1742-6");
        }

        @Override
        public String title(String valueSet) {
          return "ALT";
        }
      };

  private final List<Observation> observations = new ArrayList<>();

  private CriterionResult evaluate(boolean exclusion, QuantityComparator comparator, String times) {
    Patient patient = new Patient();
    patient.setId("Patient/p1");
    PatientRecord record =
        new PatientRecord(
            patient, List.of(), new ArrayList<>(observations), List.of(), List.of(), List.of());
    Criterion criterion =
        new Criterion(
            "exc-alt",
            exclusion,
            "ALT >2 of ULN",
            "ALT > 2 × ULN",
            CriterionKind.OBSERVATION_ULN,
            ALT,
            new Quantity()
                .setValue(new BigDecimal(times))
                .setComparator(comparator)
                .setSystem(UCUM)
                .setCode("1"),
            new Window(90, TimeUnit.DAY),
            null,
            null,
            List.of());
    return new CriterionEvaluator(record, DATE, "ResearchStudy/s", TERMS).evaluate(criterion);
  }

  private Observation alt(String date, Quantity value) {
    Observation o = new Observation();
    o.setId("Observation/o" + (observations.size() + 1));
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.setCode(new CodeableConcept(new Coding(LOINC, "1742-6", "ALT")));
    o.setEffective(new DateTimeType(date));
    o.setValue(value);
    observations.add(o);
    return o;
  }

  private static Quantity units(String value, String unit) {
    return new Quantity()
        .setValue(new BigDecimal(value))
        .setUnit(unit)
        .setSystem(UCUM)
        .setCode(unit);
  }

  private static Observation withHigh(Observation o, Quantity high) {
    o.addReferenceRange().setLow(units("0", high.getCode())).setHigh(high);
    return o;
  }

  @Test
  void aResultAboveTheMultipleOfItsOwnUpperLimitExcludes() {
    withHigh(alt("2026-06-01", units("120", "U/L")), units("40", "U/L"));
    CriterionResult r = evaluate(true, QuantityComparator.GREATER_THAN, "2");
    assertThat(r.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(r.reason())
        .contains("ALT 120 U/L on 2026-06-01 (3 × the upper limit of normal 40 U/L)")
        .contains("is above 2");
    assertThat(r.evidence()).extracting(e -> e.getReference()).containsExactly("Observation/o1");
  }

  @Test
  void aResultAtOrBelowTheMultipleDoesNotExcludeAndTheComparatorIsTheProtocols() {
    withHigh(alt("2026-06-01", units("80", "U/L")), units("40", "U/L"));
    CriterionResult exactlyTwice = evaluate(true, QuantityComparator.GREATER_THAN, "2");
    assertThat(exactlyTwice.outcome()).isEqualTo(Outcome.PASS);
    assertThat(exactlyTwice.reason()).contains("(2 × the upper limit of normal 40 U/L)");
    assertThat(evaluate(true, QuantityComparator.GREATER_OR_EQUAL, "2").outcome())
        .isEqualTo(Outcome.FAIL);
    // An inclusion "ALT ≤ 2.5 × ULN" is met by the same result.
    assertThat(evaluate(false, QuantityComparator.LESS_OR_EQUAL, "2.5").outcome())
        .isEqualTo(Outcome.PASS);
  }

  @Test
  void theMostRecentResultInTheWindowDecides() {
    withHigh(alt("2026-05-01", units("150", "U/L")), units("40", "U/L"));
    withHigh(alt("2026-06-20", units("45", "U/L")), units("40", "U/L"));
    withHigh(alt("2025-01-01", units("500", "U/L")), units("40", "U/L"));
    CriterionResult r = evaluate(true, QuantityComparator.GREATER_THAN, "2");
    assertThat(r.outcome()).isEqualTo(Outcome.PASS);
    assertThat(r.evidence()).extracting(e -> e.getReference()).containsExactly("Observation/o2");
  }

  @Test
  void noResultInTheWindowIsMissingData() {
    withHigh(alt("2025-01-01", units("500", "U/L")), units("40", "U/L"));
    CriterionResult r = evaluate(true, QuantityComparator.GREATER_THAN, "2");
    assertThat(r.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(r.reason())
        .contains("No ALT > 2 × ULN in the 90 days before 2026-06-30")
        .contains("on 2025-01-01 is older than the 90-day window");
    assertThat(r.evidence()).extracting(e -> e.getReference()).containsExactly("Observation/o1");
    assertThat(r.obtain()).endsWith("with its reference range from the last 90 days");
  }

  @Test
  void aResultWithoutAReferenceRangeIsMissingDataNeverAPassOrFail() {
    alt("2026-06-01", units("500", "U/L"));
    CriterionResult r = evaluate(true, QuantityComparator.GREATER_THAN, "2");
    assertThat(r.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(r.reason())
        .isEqualTo(
            "ALT 500 U/L on 2026-06-01 has no upper limit of normal in its reference range: the"
                + " laboratory's limit is needed");
    assertThat(r.obtain())
        .isEqualTo("the laboratory's upper limit of normal for ALT on 2026-06-01");
  }

  @Test
  void aRangeWithOnlyALowBoundOrOfAnotherMeaningGivesNoUpperLimit() {
    Observation lowOnly = alt("2026-06-01", units("500", "U/L"));
    lowOnly.addReferenceRange().setLow(units("7", "U/L"));
    lowOnly
        .addReferenceRange()
        .setHigh(units("40", "U/L"))
        .setType(new CodeableConcept(new Coding(NORMAL, "treatment", "Treatment Range")));
    assertThat(evaluate(true, QuantityComparator.GREATER_THAN, "2").outcome())
        .isEqualTo(Outcome.MISSING_DATA);
  }

  @Test
  void aLimitInAnotherUnitIsConvertedOrNamedWhenItCannotBe() {
    // 0.67 µkat/L is 40.2 U/L (1 U = 1 µmol/min): 90 U/L is 2.24 times it.
    Observation converted =
        withHigh(alt("2026-06-01", units("90", "U/L")), units("0.67", "ukat/L"));
    CriterionResult r = evaluate(true, QuantityComparator.GREATER_THAN, "2");
    assertThat(r.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(r.reason()).contains("2.239 × the upper limit of normal 0.67 ukat/L");
    observations.remove(converted);
    withHigh(alt("2026-06-01", units("90", "U/L")), units("40", "mg/dL"));
    CriterionResult unrelated = evaluate(true, QuantityComparator.GREATER_THAN, "2");
    assertThat(unrelated.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(unrelated.reason())
        .contains(
            "the upper limit of normal 40 mg/dL cannot be converted to the result's unit 'U/L'");
  }

  @Test
  void differentUpperLimitsAreForAPerson() {
    Observation o = withHigh(alt("2026-06-01", units("90", "U/L")), units("40", "U/L"));
    o.addReferenceRange().setHigh(units("33", "U/L")).setText("women");
    CriterionResult r = evaluate(true, QuantityComparator.GREATER_THAN, "2");
    assertThat(r.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(r.reason()).contains("several reference ranges with different upper limits");
  }

  @Test
  void aResultBeyondADetectionLimitDecidesOnlyWhenAllItStandsForIsOnOneSide() {
    withHigh(
        alt("2026-06-01", units("5", "U/L").setComparator(QuantityComparator.LESS_THAN)),
        units("40", "U/L"));
    CriterionResult below = evaluate(true, QuantityComparator.GREATER_THAN, "2");
    assertThat(below.outcome()).isEqualTo(Outcome.PASS);
    assertThat(below.reason()).contains("ALT <5 U/L on 2026-06-01 (<0.125 ×");
    observations.clear();
    withHigh(
        alt("2026-06-01", units("50", "U/L").setComparator(QuantityComparator.GREATER_THAN)),
        units("40", "U/L"));
    CriterionResult straddles = evaluate(true, QuantityComparator.GREATER_THAN, "2");
    assertThat(straddles.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(straddles.reason()).contains("a reported limit, not a value");
  }

  @Test
  void theKindReadsObservationsInTheLabWindowAndIsLeftToTheFullEvaluation() {
    assertThat(CriterionKind.OBSERVATION_ULN.reads(Observation.class)).isTrue();
    assertThat(CriterionKind.OBSERVATION_ULN.defaultLookback().describe()).isEqualTo("90 days");
    Criterion confirmed =
        new Criterion(
            "exc-alt",
            true,
            "ALT >2 of ULN",
            "ALT > 2 × ULN",
            CriterionKind.OBSERVATION_ULN,
            ALT,
            new Quantity().setValue(2).setComparator(QuantityComparator.GREATER_THAN),
            new Window(90, TimeUnit.DAY),
            null,
            null,
            List.of());
    // The set-based step of $screen reads coded values only; a reference range is for the rule.
    assertThat(CodedCriteria.decides(confirmed)).isFalse();
  }
}
