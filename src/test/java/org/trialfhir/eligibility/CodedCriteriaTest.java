package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.DATE;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.LAB;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.LOINC;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.SCT;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.TERMS;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.V3;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.criterion;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.labCriterion;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.quantity;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

/**
 * The set-based step judges a criterion on just the resources coded from its ValueSet: it may do so
 * only because the engine's rule then fails exactly the patients it fails on the whole record.
 */
class CodedCriteriaTest {

  private static final Criterion DKA =
      criterion("exc-dka", "condition-active", true, "vs:dka", new BooleanType(true));
  private static final Criterion T1D_HISTORY =
      criterion("inc-t1d", "condition", false, "vs:t1d", new BooleanType(true));
  private static final Criterion NEW_ONSET =
      criterion("inc-new-onset", "condition-onset", false, "vs:t1d", quantity(null, 6, "mo"));
  private static final Criterion CPEPTIDE =
      labCriterion(quantity(QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
  private static final Criterion AUTOANTIBODY =
      criterion("inc-aab", "observation-positive", false, "vs:aab", new BooleanType(true));

  @Test
  void decidesOnlyComputableCriteriaReadFromTheirOwnCodes() {
    assertThat(Stream.of(DKA, T1D_HISTORY, NEW_ONSET, CPEPTIDE, AUTOANTIBODY))
        .allMatch(CodedCriteria::decides);
    Criterion bmi = criterion("exc-bmi", "bmi", true, null, quantity(null, 35, "kg/m2"));
    Criterion pregnancy =
        criterion("exc-preg", "pregnancy", true, "vs:preg", new BooleanType(true));
    Criterion age = criterion("inc-age", "age", false, null, quantity(null, 8, "a"));
    Criterion anyOf = criterion("inc-any", "any-of", false, null, null);
    Criterion partlyForAPerson =
        new Criterion(
            "exc-dka-review",
            true,
            "DKA or other",
            "DKA",
            "condition-active",
            "vs:dka",
            new BooleanType(true),
            null,
            null,
            "other acute complications",
            List.of());
    Criterion withoutValueSet = criterion("exc-x", "condition", true, null, new BooleanType(true));
    assertThat(Stream.of(bmi, pregnancy, age, anyOf, partlyForAPerson, withoutValueSet))
        .noneMatch(CodedCriteria::decides);
  }

  @Test
  void theCodedPartOfARecordFailsACriterionExactlyWhenTheWholeRecordDoes() {
    Random random = new Random(5);
    int fails = 0;
    for (int i = 0; i < 400; i++) {
      RecordFixture record = randomRecord(random);
      PatientRecord whole = wholeRecord(record);
      for (Criterion criterion : List.of(DKA, T1D_HISTORY, NEW_ONSET, CPEPTIDE, AUTOANTIBODY)) {
        boolean wholeFails =
            new CriterionEvaluator(whole, DATE, "ResearchStudy/study-1", TERMS)
                    .evaluate(criterion)
                    .outcome()
                == Outcome.FAIL;
        List<Resource> coded = new ArrayList<>();
        Stream.concat(record.conditions.stream(), record.observations.stream())
            .filter(r -> TERMS.containsAny(codeOf(r), criterion.valueSet()))
            .forEach(coded::add);
        PatientRecord part = CodedCriteria.record(record.patient, coded);
        assertThat(CodedCriteria.fails(criterion, part, DATE, "ResearchStudy/study-1", TERMS))
            .as("%s on record %d", criterion.id(), i)
            .isEqualTo(wholeFails);
        fails += wholeFails ? 1 : 0;
      }
    }
    assertThat(fails).as("the records fail some criteria").isGreaterThan(100);
  }

  @Test
  void aRecordOfTheResourcesKeepsConditionsAndObservationsApart() {
    RecordFixture fixture = new RecordFixture();
    Condition dka = fixture.condition(SCT, "420422005", "active", "confirmed");
    Observation cpeptide = fixture.result(LAB, "c-peptide-fasting", "2026-06-01");
    PatientRecord record = CodedCriteria.record(fixture.patient, List.of(cpeptide, dka));
    assertThat(record.conditions()).containsExactly(dka);
    assertThat(record.observations()).containsExactly(cpeptide);
    assertThat(record.patient()).isSameAs(fixture.patient);
    assertThat(record.allergies()).isEmpty();
    assertThat(record.consents()).isEmpty();
  }

  private static PatientRecord wholeRecord(RecordFixture record) {
    return new PatientRecord(
        record.patient, record.conditions, record.observations, List.of(), List.of());
  }

  private static CodeableConcept codeOf(Resource resource) {
    return resource instanceof Condition c ? c.getCode() : ((Observation) resource).getCode();
  }

  /**
   * Diagnoses of DKA and type 1 diabetes with every clinical and verification status and onsets of
   * every precision, C-peptide and autoantibody results in and out of the window, superseded,
   * beyond detection limits, cancelled, and results of other tests mixed in.
   */
  private static RecordFixture randomRecord(Random random) {
    RecordFixture record = new RecordFixture();
    String[] clinical = {"active", "resolved", "remission", "relapse", null};
    String[] verification = {"confirmed", "refuted", "entered-in-error", "provisional", null};
    String[] onsets = {"2026-03-01", "2025-06-01", "2025-12", "2025", "2026-05-20T10:00:00Z"};
    for (int n = random.nextInt(3); n > 0; n--) {
      record.condition(
          SCT,
          random.nextBoolean() ? "420422005" : "46635009",
          clinical[random.nextInt(clinical.length)],
          verification[random.nextInt(verification.length)]);
    }
    for (Condition c : record.conditions) {
      if (random.nextInt(4) != 0) {
        c.setOnset(new org.hl7.fhir.r4.model.DateTimeType(onsets[random.nextInt(onsets.length)]));
      }
    }
    if (random.nextBoolean()) {
      record.condition(SCT, "44054006", "active", "confirmed"); // another diagnosis
    }
    String[] dates = {"2026-06-01", "2026-05-01", "2026-01-10", "2026-05", null, "2026-06-20"};
    String[] values = {"0.05", "0.1", "0.099", "0.3", "90", "100"};
    String[] units = {"nmol/L", "nmol/L", "pmol/L", "ng/mL", "U/L"};
    for (int n = random.nextInt(4); n > 0; n--) {
      Observation o =
          record.quantityResult(
              LAB,
              "c-peptide-fasting",
              dates[random.nextInt(dates.length)],
              values[random.nextInt(values.length)],
              units[random.nextInt(units.length)]);
      switch (random.nextInt(8)) {
        case 0 -> o.setStatus(ObservationStatus.CANCELLED);
        case 1 -> o.setStatus(ObservationStatus.ENTEREDINERROR);
        case 2 -> o.setValue(RecordFixture.value(null, "0.1", "nmol/L"));
        case 3 -> o.setValue(RecordFixture.value(QuantityComparator.LESS_THAN, "0.2", "nmol/L"));
        case 4 -> o.setValue(RecordFixture.value(QuantityComparator.LESS_THAN, "0.1", "nmol/L"));
        default -> {
          // as made
        }
      }
    }
    for (int n = random.nextInt(3); n > 0; n--) {
      Observation o = record.result(LOINC, "13926-1", dates[random.nextInt(dates.length)]);
      o.addInterpretation().addCoding().setSystem(V3).setCode(random.nextBoolean() ? "POS" : "NEG");
      o.setValue(new CodeableConcept().setText("reported"));
    }
    if (random.nextBoolean()) {
      record.quantityResult(LOINC, "1986-9", "2026-06-01", "0.02", "nmol/L"); // untimed
    }
    return record;
  }
}
