package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Type;
import org.junit.jupiter.api.Test;

/**
 * The evaluation rules of the eligibility contract (docs/eligibility-contract.md §3), each at its
 * boundary.
 */
class CriterionEvaluatorTest {

  static final LocalDate DATE = LocalDate.of(2026, 6, 15);
  static final String UCUM = "http://unitsofmeasure.org";
  static final String LOINC = "http://loinc.org";
  static final String ICD = "http://hl7.org/fhir/sid/icd-10-cm";
  static final String SCT = "http://snomed.info/sct";
  static final String LAB = "http://trialfhir.org/fhir/CodeSystem/trial-lab";
  static final String V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

  /** A terminology where each ValueSet is a fixed list of system|code. */
  static final CodeMembership TERMS =
      new CodeMembership() {
        final Map<String, Set<String>> sets =
            Map.ofEntries(
                Map.entry("vs:t1d", Set.of(SCT + "|46635009", ICD + "|E10.9", ICD + "|E10.10")),
                Map.entry("vs:dka", Set.of(SCT + "|420422005")),
                Map.entry("vs:cpep", Set.of(LAB + "|c-peptide-fasting")),
                Map.entry("vs:aab", Set.of(LOINC + "|13926-1", LAB + "|znt8-antibody")),
                Map.entry(CriterionEvaluator.VS + "bmi", Set.of(LOINC + "|39156-5")),
                Map.entry(CriterionEvaluator.VS + "body-weight", Set.of(LOINC + "|29463-7")),
                Map.entry(CriterionEvaluator.VS + "body-height", Set.of(LOINC + "|8302-2")),
                Map.entry("vs:preg", Set.of(SCT + "|77386006")),
                Map.entry(
                    CriterionEvaluator.VS + "pregnancy-status-test", Set.of(LOINC + "|82810-3")),
                Map.entry(RecordRules.PREGNANT_STATUS, Set.of(SCT + "|77386006")),
                Map.entry(
                    ResultRules.POSITIVE_INTERPRETATION,
                    Set.of(V3 + "|POS", V3 + "|H", V3 + "|HH", V3 + "|A")),
                Map.entry(ResultRules.NEGATIVE_INTERPRETATION, Set.of(V3 + "|NEG", V3 + "|N")),
                Map.entry(ResultRules.POSITIVE_VALUE, Set.of(SCT + "|10828004")),
                Map.entry(ResultRules.NEGATIVE_VALUE, Set.of(SCT + "|260385009")));

        @Override
        public boolean contains(String valueSetUrl, String system, String code) {
          return sets.getOrDefault(valueSetUrl, Set.of()).contains(system + "|" + code);
        }

        @Override
        public String title(String valueSetUrl) {
          return valueSetUrl;
        }
      };

  final Patient patient = new Patient();
  final List<Condition> conditions = new ArrayList<>();
  final List<Observation> observations = new ArrayList<>();
  final List<AllergyIntolerance> allergies = new ArrayList<>();
  final List<Consent> consents = new ArrayList<>();

  CriterionEvaluatorTest() {
    patient.setId("Patient/p1");
    patient.setBirthDateElement(new DateType("2014-01-10"));
  }

  // ---------------------------------------------------------------- age

  @Test
  void ageBoundsAreInclusiveInCompletedYears() {
    Criterion age = criterion("inc-age", "age", false, null, range(8, 18, "a"));
    assertThat(ageOn("2018-06-15", age)).isEqualTo(Outcome.PASS); // 8th birthday
    assertThat(ageOn("2018-06-16", age)).isEqualTo(Outcome.FAIL); // one day short of 8
    assertThat(ageOn("2007-06-16", age)).isEqualTo(Outcome.PASS); // 18 years 364 days
    assertThat(ageOn("2007-06-15", age)).isEqualTo(Outcome.FAIL); // 19th birthday
    patient.setBirthDate(null);
    assertThat(evaluate(age).outcome()).isEqualTo(Outcome.MISSING_DATA);
  }

  @Test
  void anUnconfirmedMachineReadingThatFailsIsForAPersonWithWhatWasComputed() {
    patient.setBirthDateElement(new DateType("2018-06-16")); // 7: fails an age of 8 to 18
    Criterion read = criterion("inc-age", "age", false, null, range(8, 18, "a"));
    Criterion unconfirmed =
        new Criterion(
            read.id(),
            read.exclusion(),
            read.description(),
            read.label(),
            read.kind(),
            read.valueSet(),
            read.value(),
            null,
            null,
            null,
            List.of(),
            true);
    assertThat(evaluate(read).outcome()).isEqualTo(Outcome.FAIL);
    CriterionResult result = evaluate(unconfirmed);
    assertThat(result.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(result.reason())
        .startsWith("computed as not met (")
        .contains(evaluate(read).reason())
        .contains("not yet confirmed by a coordinator");
    // What passes stays a pass: only a fail is held back.
    patient.setBirthDateElement(new DateType("2014-01-10"));
    assertThat(evaluate(unconfirmed).outcome()).isEqualTo(Outcome.PASS);
  }

  private Outcome ageOn(String birthDate, Criterion criterion) {
    patient.setBirthDateElement(new DateType(birthDate));
    return evaluate(criterion).outcome();
  }

  // ---------------------------------------------------------------- conditions

  @Test
  void conditionsAreClosedWorldAndRefutedOrErroneousOnesDoNotCount() {
    Criterion dx =
        criterion("inc-diabetes-dx", "condition", false, "vs:t1d", new BooleanType(true));
    assertThat(evaluate(dx).outcome()).isEqualTo(Outcome.FAIL);
    Condition c = condition(ICD, "E10.9", "resolved", "refuted");
    assertThat(evaluate(dx).outcome()).isEqualTo(Outcome.FAIL);
    setVerification(c, "entered-in-error");
    assertThat(evaluate(dx).outcome()).isEqualTo(Outcome.FAIL);
    setVerification(c, "confirmed");
    // "history of" counts a resolved condition
    assertThat(evaluate(dx).outcome()).isEqualTo(Outcome.PASS);
    assertThat(evaluate(dx).evidence())
        .extracting(Reference::getReference)
        .containsExactly("Condition/c1");
  }

  @Test
  void activeMeansActiveRecurrenceOrRelapse() {
    Criterion dka = criterion("exc-dka", "condition-active", true, "vs:dka", new BooleanType(true));
    assertThat(evaluate(dka).outcome()).isEqualTo(Outcome.PASS);
    Condition c = condition(SCT, "420422005", "resolved", "confirmed");
    assertThat(evaluate(dka).outcome()).isEqualTo(Outcome.PASS);
    for (String status : new String[] {"active", "recurrence", "relapse"}) {
      c.getClinicalStatus().getCodingFirstRep().setCode(status);
      assertThat(evaluate(dka).outcome()).as(status).isEqualTo(Outcome.FAIL);
    }
  }

  @Test
  void onsetWithinSixCalendarMonthsIncludesTheBoundaryDay() {
    Criterion onset =
        criterion("inc-new-onset", "condition-onset", false, "vs:t1d", quantity(null, 6, "mo"));
    Condition c = condition(SCT, "46635009", "active", "confirmed");
    c.setOnset(new DateTimeType("2025-12-15"));
    assertThat(evaluate(onset).outcome()).isEqualTo(Outcome.PASS);
    c.setOnset(new DateTimeType("2025-12-14"));
    assertThat(evaluate(onset).outcome()).isEqualTo(Outcome.FAIL);
    c.setOnset(new DateTimeType("2026-06-16"));
    assertThat(evaluate(onset).outcome()).as("after the reference date").isEqualTo(Outcome.FAIL);
  }

  @Test
  void onsetFallsBackToPeriodStartAgeAndRecordedDate() {
    Criterion onset =
        criterion("inc-new-onset", "condition-onset", false, "vs:t1d", quantity(null, 6, "mo"));
    Condition c = condition(SCT, "46635009", "active", "confirmed");
    assertThat(evaluate(onset).outcome()).as("no date at all").isEqualTo(Outcome.MISSING_DATA);
    c.setRecordedDateElement(new DateTimeType("2026-01-02"));
    assertThat(evaluate(onset).outcome()).isEqualTo(Outcome.PASS);
    c.setOnset(new Age().setValue(11).setCode("a").setSystem(UCUM)); // born 2014-01-10 → 2025-01-10
    assertThat(evaluate(onset).outcome()).isEqualTo(Outcome.FAIL);
    c.setOnset(new Period().setStartElement(new DateTimeType("2026-02-01")));
    assertThat(evaluate(onset).outcome()).isEqualTo(Outcome.PASS);
  }

  // ---------------------------------------------------------------- labs

  @Test
  void comparatorsAreExactlyTheProtocols() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    Criterion above = labCriterion(quantity(QuantityComparator.GREATER_THAN, 0.2, "nmol/L"));
    Observation o = lab("2026-06-01", 0.1, "nmol/L");
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.PASS);
    o.setValue(new Quantity().setValue(new BigDecimal("0.2")).setSystem(UCUM).setCode("nmol/L"));
    assertThat(evaluate(above).outcome()).isEqualTo(Outcome.FAIL);
    o.setValue(new Quantity().setValue(new BigDecimal("0.2001")).setSystem(UCUM).setCode("nmol/L"));
    assertThat(evaluate(above).outcome()).isEqualTo(Outcome.PASS);
    o.setValue(new Quantity().setValue(new BigDecimal("0.0999")).setSystem(UCUM).setCode("nmol/L"));
    CriterionResult result = evaluate(atLeast);
    assertThat(result.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(result.reason()).contains("0.0999 nmol/L", "2026-06-01", "0.1 nmol/L");
  }

  @Test
  void massAndSubstanceConcentrationsConvertThroughTheMolarMass() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    Observation o = lab("2026-06-01", 0.31, "ng/mL"); // 0.1026 nmol/L
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.PASS);
    o.setValue(
        new Quantity().setValue(new BigDecimal("0.30")).setSystem(UCUM).setCode("ng/mL")); // 0.0993
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.FAIL);
    o.setValue(new Quantity().setValue(new BigDecimal("100")).setSystem(UCUM).setCode("pmol/L"));
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.PASS);
    o.setValue(new Quantity().setValue(new BigDecimal("99")).setSystem(UCUM).setCode("pmol/L"));
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.FAIL);
    o.setValue(new Quantity().setValue(new BigDecimal("5")).setSystem(UCUM).setCode("mg"));
    CriterionResult unconvertible = evaluate(atLeast);
    assertThat(unconvertible.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(unconvertible.reason()).contains("'mg'");
  }

  @Test
  void glucoseConvertsWithItsOwnMolarMass() {
    assertThat(
            UnitConverter.convert(new BigDecimal("1"), "mmol/L", "mg/dL", new BigDecimal("180.16")))
        .hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo("18.016"));
    assertThat(
            UnitConverter.convert(new BigDecimal("1"), "ng/mL", "nmol/L", new BigDecimal("3020.3")))
        .hasValueSatisfying(v -> assertThat(v.doubleValue()).isBetween(0.3310, 0.3311));
    assertThat(UnitConverter.convert(new BigDecimal("1"), "ng/mL", "nmol/L", null)).isEmpty();
  }

  @Test
  void lookBackWindowEndsAtTheReferenceDateAndIncludesItsFirstDay() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    Observation o = lab("2026-03-17", 0.5, "nmol/L"); // exactly 90 days before
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.PASS);
    o.setEffective(new DateTimeType("2026-03-16"));
    CriterionResult old = evaluate(atLeast);
    assertThat(old.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(old.reason()).contains("No Fasting C-peptide in the 90 days before 2026-06-15");
    o.setEffective(new DateTimeType("2026-06-16"));
    assertThat(evaluate(atLeast).outcome())
        .as("after the reference date")
        .isEqualTo(Outcome.MISSING_DATA);
  }

  @Test
  void theMostRecentUsableResultDecides() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    lab("2026-05-01", 0.5, "nmol/L");
    Observation newest = lab("2026-06-01", 0.05, "nmol/L");
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.FAIL);
    newest.setStatus(ObservationStatus.ENTEREDINERROR);
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.PASS);
    newest.setStatus(ObservationStatus.FINAL);
    newest.setValue(null);
    newest.setDataAbsentReason(new CodeableConcept().setText("not performed"));
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.PASS);
  }

  @Test
  void onlyTheTimedCodeCounts() {
    Criterion atLeast = labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    Observation generic = lab("2026-06-01", 0.5, "nmol/L");
    generic.setCode(new CodeableConcept().addCoding(new Coding(LOINC, "1986-9", null)));
    assertThat(evaluate(atLeast).outcome()).isEqualTo(Outcome.MISSING_DATA);
  }

  // ---------------------------------------------------------------- positive / negative

  @Test
  void positiveAndNegativeResults() {
    Criterion anyPositive =
        criterion("p", "observation-positive", false, "vs:aab", new BooleanType(true));
    Criterion allNegative =
        criterion("n", "observation-all-negative", false, "vs:aab", new BooleanType(true));
    assertThat(evaluate(anyPositive).outcome()).isEqualTo(Outcome.MISSING_DATA);
    Observation gad = result(LOINC, "13926-1", "2026-06-01");
    gad.addInterpretation().addCoding().setSystem(V3).setCode("NEG");
    assertThat(evaluate(anyPositive).outcome()).isEqualTo(Outcome.FAIL);
    assertThat(evaluate(allNegative).outcome()).isEqualTo(Outcome.PASS);
    Observation znt8 = result(LAB, "znt8-antibody", "2026-06-02");
    znt8.setValue(new Quantity().setValue(new BigDecimal("16")).setSystem(UCUM).setCode("U/mL"));
    znt8.addReferenceRange()
        .setHigh(new Quantity().setValue(new BigDecimal("15")).setSystem(UCUM).setCode("U/mL"));
    assertThat(evaluate(anyPositive).outcome()).isEqualTo(Outcome.PASS);
    assertThat(evaluate(allNegative).outcome()).isEqualTo(Outcome.FAIL);
    znt8.setValue(new Quantity().setValue(new BigDecimal("15")).setSystem(UCUM).setCode("U/mL"));
    assertThat(evaluate(anyPositive).outcome())
        .as("at the upper limit is negative")
        .isEqualTo(Outcome.FAIL);
    gad.getInterpretationFirstRep().getCodingFirstRep().setCode("IND");
    gad.setValue(new CodeableConcept().addCoding(new Coding(SCT, "10828004", "Positive")));
    assertThat(evaluate(anyPositive).outcome()).isEqualTo(Outcome.PASS);
  }

  // ---------------------------------------------------------------- BMI, pregnancy, consent,
  // allergy

  @Test
  void bmiIsMeasuredOrComputedFromWeightAndHeight() {
    Criterion low =
        criterion("b", "bmi", true, null, quantity(QuantityComparator.LESS_THAN, 14, "kg/m2"));
    assertThat(evaluate(low).outcome()).isEqualTo(Outcome.MISSING_DATA);
    Observation weight = vital("29463-7", "2026-06-01", 26, "kg");
    assertThat(evaluate(low).outcome()).as("weight alone").isEqualTo(Outcome.MISSING_DATA);
    vital("8302-2", "2026-06-01", 140, "cm"); // 26 / 1.96 = 13.27
    assertThat(evaluate(low).outcome()).isEqualTo(Outcome.FAIL);
    assertThat(evaluate(low).reason()).contains("computed from weight 26 kg");
    weight.setValue(
        new Quantity().setValue(new BigDecimal("27.44")).setSystem(UCUM).setCode("kg")); // 14.0
    assertThat(evaluate(low).outcome()).isEqualTo(Outcome.PASS);
    vital("39156-5", "2026-05-20", 13.9, "kg/m2");
    assertThat(evaluate(low).outcome()).as("a measured BMI wins").isEqualTo(Outcome.FAIL);
  }

  @Test
  void pregnancyByActiveConditionOrRecentStatus() {
    Criterion pregnant =
        criterion("exc-pregnancy", "pregnancy", true, "vs:preg", new BooleanType(true));
    assertThat(evaluate(pregnant).outcome()).isEqualTo(Outcome.PASS);
    Observation status = result(LOINC, "82810-3", "2025-09-19"); // 269 days before
    status.setValue(new CodeableConcept().addCoding(new Coding(SCT, "77386006", "Pregnant")));
    assertThat(evaluate(pregnant).outcome()).isEqualTo(Outcome.FAIL);
    status.setEffective(new DateTimeType("2025-09-17"));
    assertThat(evaluate(pregnant).outcome()).isEqualTo(Outcome.PASS);
    condition(SCT, "77386006", "active", "confirmed");
    assertThat(evaluate(pregnant).outcome()).isEqualTo(Outcome.FAIL);
  }

  @Test
  void consentMustBeForThisStudy() {
    Criterion consent =
        criterion("inc-consent", "research-consent", false, null, new BooleanType(true));
    assertThat(evaluate(consent).outcome()).isEqualTo(Outcome.MISSING_DATA);
    Consent other = consent("ResearchStudy/other");
    assertThat(evaluate(consent).outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(evaluate(consent).reason()).contains("consent not yet obtained", "other studies");
    consent("ResearchStudy/study-1");
    assertThat(evaluate(consent).outcome()).isEqualTo(Outcome.PASS);
    other.setStatus(Consent.ConsentState.INACTIVE);
  }

  @Test
  void highCriticalityAllergy() {
    Criterion allergy =
        criterion(
            "exc-allergy",
            "allergy-criticality",
            true,
            null,
            new CodeableConcept()
                .addCoding(
                    new Coding(
                        "http://hl7.org/fhir/allergy-intolerance-criticality", "high", null)));
    AllergyIntolerance a = new AllergyIntolerance();
    a.setId("AllergyIntolerance/a1");
    a.setCriticality(AllergyIntolerance.AllergyIntoleranceCriticality.LOW);
    a.getClinicalStatus().addCoding().setCode("active");
    allergies.add(a);
    assertThat(evaluate(allergy).outcome()).isEqualTo(Outcome.PASS);
    a.setCriticality(AllergyIntolerance.AllergyIntoleranceCriticality.HIGH);
    assertThat(evaluate(allergy).outcome()).isEqualTo(Outcome.FAIL);
    a.getClinicalStatus().getCodingFirstRep().setCode("resolved");
    assertThat(evaluate(allergy).outcome()).isEqualTo(Outcome.PASS);
  }

  // ---------------------------------------------------------------- composites and the verdict

  @Test
  void aComputablePartThatFailsFailsElseAPersonReviews() {
    Criterion infection =
        new Criterion(
            "exc-infection",
            true,
            "HIV ... or other uncontrolled infections",
            "Infection",
            "any-of",
            null,
            null,
            null,
            null,
            "Other uncontrolled infectious diseases",
            List.of(
                criterion("dx", "condition", true, "vs:t1d", new BooleanType(true)),
                criterion("sero", "observation-positive", true, "vs:aab", new BooleanType(true))));
    CriterionResult review = evaluate(infection);
    assertThat(review.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(review.reason())
        .contains("needs review by a person: Other uncontrolled infectious diseases");
    condition(ICD, "E10.10", "active", "confirmed");
    assertThat(evaluate(infection).outcome()).isEqualTo(Outcome.FAIL);
  }

  @Test
  void verdictStrongestFirst() {
    Criterion c = criterion("x", "manual-review", false, null, new BooleanType(true));
    CriterionResult pass = new CriterionResult(c, Outcome.PASS, "", List.of());
    CriterionResult fail = new CriterionResult(c, Outcome.FAIL, "", List.of());
    CriterionResult missing = new CriterionResult(c, Outcome.MISSING_DATA, "", List.of());
    CriterionResult review = new CriterionResult(c, Outcome.MANUAL_REVIEW, "", List.of());
    assertThat(Verdict.of(List.of(pass, review, missing, fail))).isEqualTo(Verdict.INELIGIBLE);
    assertThat(Verdict.of(List.of(pass, review, missing))).isEqualTo(Verdict.INSUFFICIENT_DATA);
    assertThat(Verdict.of(List.of(pass, review))).isEqualTo(Verdict.NEEDS_REVIEW);
    assertThat(Verdict.of(List.of(pass))).isEqualTo(Verdict.ELIGIBLE);
  }

  // ---------------------------------------------------------------- fixtures

  private CriterionResult evaluate(Criterion criterion) {
    PatientRecord record =
        new PatientRecord(patient, conditions, observations, allergies, consents);
    return new CriterionEvaluator(record, DATE, "ResearchStudy/study-1", TERMS).evaluate(criterion);
  }

  static Criterion criterion(
      String id, String kind, boolean exclusion, String valueSet, Type value) {
    return new Criterion(id, exclusion, id, id, kind, valueSet, value, null, null, null, List.of());
  }

  static Criterion labCriterion(Quantity threshold) {
    return new Criterion(
        "inc-cpeptide-fasting",
        false,
        "Fasting C-peptide",
        "Fasting C-peptide",
        "observation-value",
        "vs:cpep",
        threshold,
        new Window(90, "d"),
        new BigDecimal("3020.3"),
        null,
        List.of());
  }

  static Range range(double low, double high, String unit) {
    return new Range().setLow(quantity(null, low, unit)).setHigh(quantity(null, high, unit));
  }

  static Quantity quantity(QuantityComparator comparator, double value, String unit) {
    Quantity q =
        new Quantity()
            .setValue(BigDecimal.valueOf(value))
            .setUnit(unit)
            .setSystem(UCUM)
            .setCode(unit);
    if (comparator != null) {
      q.setComparator(comparator);
    }
    return q;
  }

  private Condition condition(String system, String code, String clinical, String verification) {
    Condition c = new Condition();
    c.setId("Condition/c" + (conditions.size() + 1));
    c.getCode().addCoding(new Coding(system, code, null));
    c.getClinicalStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical")
        .setCode(clinical);
    setVerification(c, verification);
    conditions.add(c);
    return c;
  }

  private static void setVerification(Condition c, String verification) {
    c.getVerificationStatus()
        .getCodingFirstRep()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-ver-status")
        .setCode(verification);
  }

  private Observation lab(String date, double value, String unit) {
    Observation o = result(LAB, "c-peptide-fasting", date);
    o.setValue(
        new Quantity()
            .setValue(BigDecimal.valueOf(value))
            .setSystem(UCUM)
            .setCode(unit)
            .setUnit(unit));
    return o;
  }

  private Observation vital(String loinc, String date, double value, String unit) {
    Observation o = result(LOINC, loinc, date);
    o.setValue(
        new Quantity()
            .setValue(BigDecimal.valueOf(value))
            .setSystem(UCUM)
            .setCode(unit)
            .setUnit(unit));
    return o;
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

  private Consent consent(String study) {
    Consent c = new Consent();
    c.setId("Consent/k" + (consents.size() + 1));
    c.setStatus(Consent.ConsentState.ACTIVE);
    c.getScope()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/consentscope")
        .setCode("research");
    c.addExtension(
        "http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext",
        new Reference(study));
    consents.add(c);
    return c;
  }
}
