package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

/** The medication kind: a medication or vaccine of a ValueSet within a period (issue #21). */
class MedicationRulesTest {

  private static final LocalDate DATE = LocalDate.of(2026, 6, 30);
  private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
  private static final String CVX = "http://hl7.org/fhir/sid/cvx";
  private static final String IMMUNOSUPPRESSANT = "urn:vs:immunosuppressant";
  private static final String LIVE_VACCINE = "urn:vs:live-vaccine";

  private static final CodeMembership TERMS =
      new CodeMembership() {
        @Override
        public boolean contains(String valueSet, String system, String code) {
          return (valueSet.equals(IMMUNOSUPPRESSANT)
                  && system.equals(RXNORM)
                  && code.equals("42316"))
              || (valueSet.equals(LIVE_VACCINE) && system.equals(CVX) && code.equals("03"));
        }

        @Override
        public String title(String valueSet) {
          return valueSet.equals(IMMUNOSUPPRESSANT) ? "Immunosuppressant" : "Live vaccine";
        }
      };

  private final List<Resource> medications = new ArrayList<>();

  private CriterionResult evaluate(boolean exclusion, String valueSet, int amount, String unit) {
    Patient patient = new Patient();
    patient.setId("Patient/p1");
    PatientRecord record =
        new PatientRecord(patient, List.of(), List.of(), List.of(), List.of(), medications);
    Criterion criterion =
        new Criterion(
            "exc-med",
            exclusion,
            "Used immunosuppressants 3 months prior to screening.",
            "Immunosuppressant",
            CriterionKind.MEDICATION,
            valueSet,
            new Quantity().setValue(amount).setCode(unit),
            null,
            null,
            null,
            List.of());
    return new CriterionEvaluator(record, DATE, "ResearchStudy/s", TERMS).evaluate(criterion);
  }

  private MedicationRequest request(
      String code, String authoredOn, MedicationRequest.MedicationRequestStatus status) {
    MedicationRequest m = new MedicationRequest();
    m.setId("MedicationRequest/m" + (medications.size() + 1));
    m.setStatus(status);
    m.setMedication(new CodeableConcept(new Coding(RXNORM, code, "tacrolimus")));
    if (authoredOn != null) {
      m.setAuthoredOnElement(new DateTimeType(authoredOn));
    }
    medications.add(m);
    return m;
  }

  @Test
  void aCompletedPrescriptionInsideThePeriodExcludesWithItAsEvidence() {
    request("42316", "2026-05-02", MedicationRequest.MedicationRequestStatus.COMPLETED);
    CriterionResult r = evaluate(true, IMMUNOSUPPRESSANT, 3, "mo");
    assertThat(r.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(r.reason()).contains("tacrolimus").contains("3 months before 2026-06-30");
    assertThat(r.evidence())
        .extracting(Reference::getReference)
        .containsExactly("MedicationRequest/m1");
  }

  @Test
  void aPrescriptionBeforeThePeriodOrOfAnotherDrugPasses() {
    request("42316", "2025-12-01", MedicationRequest.MedicationRequestStatus.COMPLETED);
    request("5640", "2026-06-01", MedicationRequest.MedicationRequestStatus.ACTIVE);
    CriterionResult r = evaluate(true, IMMUNOSUPPRESSANT, 3, "mo");
    assertThat(r.outcome()).isEqualTo(Outcome.PASS);
    assertThat(r.reason())
        .startsWith("No medication or vaccination matching \"Immunosuppressant\"");
  }

  @Test
  void anActivePrescriptionStartedLongAgoIsStillTaken() {
    request("42316", "2024-01-15", MedicationRequest.MedicationRequestStatus.ACTIVE);
    assertThat(evaluate(true, IMMUNOSUPPRESSANT, 3, "mo").outcome()).isEqualTo(Outcome.FAIL);
  }

  @Test
  void aStatementWhosePeriodEndedBeforeThePeriodPassesAndOneReachingIntoItFails() {
    MedicationStatement old = new MedicationStatement();
    old.setId("MedicationStatement/s1");
    old.setStatus(MedicationStatement.MedicationStatementStatus.COMPLETED);
    old.setMedication(new CodeableConcept(new Coding(RXNORM, "42316", null)));
    old.setEffective(
        new Period()
            .setStartElement(new DateTimeType("2025-01-01"))
            .setEndElement(new DateTimeType("2026-03-15")));
    medications.add(old);
    assertThat(evaluate(true, IMMUNOSUPPRESSANT, 3, "mo").outcome()).isEqualTo(Outcome.PASS);
    old.setEffective(
        new Period()
            .setStartElement(new DateTimeType("2025-01-01"))
            .setEndElement(new DateTimeType("2026-04-15")));
    assertThat(evaluate(true, IMMUNOSUPPRESSANT, 3, "mo").outcome()).isEqualTo(Outcome.FAIL);
  }

  @Test
  void aDateKnownOnlyToTheMonthAcrossTheStartOfThePeriodIsForAPerson() {
    // 3 months before 2026-06-30 is 2026-03-30: a request of "2026-03" may be before or inside.
    request("42316", "2026-03", MedicationRequest.MedicationRequestStatus.COMPLETED);
    CriterionResult r = evaluate(true, IMMUNOSUPPRESSANT, 3, "mo");
    assertThat(r.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(r.reason()).contains("known only to the month or year");
  }

  @Test
  void aMatchingRecordWithoutADateIsMissingData() {
    request("42316", null, MedicationRequest.MedicationRequestStatus.COMPLETED);
    CriterionResult r = evaluate(true, IMMUNOSUPPRESSANT, 3, "mo");
    assertThat(r.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(r.reason()).contains("without a date");
  }

  @Test
  void enteredInErrorAndCancelledDoNotCountAndAMedicationByReferenceIsForAPerson() {
    request("42316", "2026-06-01", MedicationRequest.MedicationRequestStatus.ENTEREDINERROR);
    request("42316", "2026-06-01", MedicationRequest.MedicationRequestStatus.CANCELLED);
    assertThat(evaluate(true, IMMUNOSUPPRESSANT, 3, "mo").outcome()).isEqualTo(Outcome.PASS);
    MedicationRequest byReference = new MedicationRequest();
    byReference.setId("MedicationRequest/ref");
    byReference.setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE);
    byReference.setMedication(new Reference("Medication/x"));
    medications.add(byReference);
    CriterionResult r = evaluate(true, IMMUNOSUPPRESSANT, 3, "mo");
    assertThat(r.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(r.reason()).contains("only by reference");
  }

  @Test
  void aVaccineGivenWithinFourWeeksAndANotDoneOne() {
    Immunization given = new Immunization();
    given.setId("Immunization/i1");
    given.setStatus(Immunization.ImmunizationStatus.COMPLETED);
    given.setVaccineCode(new CodeableConcept(new Coding(CVX, "03", "MMR")));
    given.setOccurrence(new DateTimeType("2026-06-10"));
    medications.add(given);
    assertThat(evaluate(true, LIVE_VACCINE, 4, "wk").outcome()).isEqualTo(Outcome.FAIL);
    given.setStatus(Immunization.ImmunizationStatus.NOTDONE);
    assertThat(evaluate(true, LIVE_VACCINE, 4, "wk").outcome()).isEqualTo(Outcome.PASS);
    given.setStatus(Immunization.ImmunizationStatus.COMPLETED);
    given.setOccurrence(new DateTimeType("2026-05-01"));
    assertThat(evaluate(true, LIVE_VACCINE, 4, "wk").outcome()).isEqualTo(Outcome.PASS);
  }

  @Test
  void asAnInclusionTheSameFindingPassesAndFails() {
    request("42316", "2026-06-01", MedicationRequest.MedicationRequestStatus.COMPLETED);
    assertThat(evaluate(false, IMMUNOSUPPRESSANT, 3, "mo").outcome()).isEqualTo(Outcome.PASS);
    medications.clear();
    assertThat(evaluate(false, IMMUNOSUPPRESSANT, 3, "mo").outcome()).isEqualTo(Outcome.FAIL);
  }

  @Test
  void theKindReadsMedicationsAndIsLeftToFullEvaluationByScreening() {
    assertThat(CriterionKind.MEDICATION.reads(MedicationRequest.class)).isTrue();
    assertThat(CriterionKind.MEDICATION.reads(MedicationStatement.class)).isTrue();
    assertThat(CriterionKind.MEDICATION.reads(Immunization.class)).isTrue();
    assertThat(CriterionKind.MEDICATION.screening()).isEqualTo(CriterionKind.Screening.FULL);
    assertThat(RecordTypes.READ)
        .contains("MedicationRequest", "MedicationStatement", "Immunization");
  }
}
