package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import java.time.LocalDate;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

class SuppliedRecordTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final String PATIENT = "urn:uuid:6a1c0c8e-0000-4000-8000-000000000001";

  @Test
  void keepsWhatIsAboutThePatientInBundleOrderAndIgnoresOtherTypes() {
    Bundle bundle = bundle(PATIENT, new Patient());
    add(bundle, "urn:uuid:c2", condition(PATIENT));
    add(bundle, "urn:uuid:o1", new Observation().setSubject(new Reference(PATIENT)));
    add(bundle, "urn:uuid:c1", condition(PATIENT));
    add(bundle, "urn:uuid:m1", new MedicationRequest().setSubject(new Reference(PATIENT)));
    add(bundle, "urn:uuid:p1", new Procedure().setSubject(new Reference(PATIENT)));
    SuppliedRecord record = SuppliedRecord.of(bundle, 100, FHIR);
    assertThat(record.resources(Condition.class)).hasSize(2);
    assertThat(record.resources(Observation.class)).hasSize(1);
    // Medications are read by the medication kind (issue #21); a Procedure by no criterion.
    assertThat(record.resources(MedicationRequest.class)).hasSize(1);
    assertThat(record.ignoredTypes()).containsExactly("Procedure");
    assertThat(record.patientCitation().getReference()).isEqualTo(PATIENT);
    Condition first = record.resources(Condition.class).get(0);
    Evaluation cited =
        record.cite(evaluation(record, first, "see " + RecordFacts.ref(first).getReference()));
    CriterionResult result = cited.results().get(0);
    assertThat(result.evidence())
        .extracting(Reference::getReference)
        .containsExactly("urn:uuid:c2");
    assertThat(result.reason()).isEqualTo("see urn:uuid:c2");
  }

  @Test
  void resolvesPatientIdReferencesAndCitesTypeAndIdWithoutFullUrl() {
    Patient patient = new Patient();
    patient.setId("p1");
    Bundle bundle = new Bundle();
    bundle.addEntry().setResource(patient);
    Condition condition = condition("Patient/p1");
    condition.setId("c9");
    bundle.addEntry().setResource(condition);
    bundle
        .addEntry()
        .setFullUrl("https://ehr.example.org/fhir/Condition/c10")
        .setResource(condition("https://ehr.example.org/fhir/Patient/p1"));
    SuppliedRecord record = SuppliedRecord.of(bundle, 100, FHIR);
    assertThat(record.patientCitation().getReference()).isEqualTo("Patient/p1");
    List<Condition> conditions = record.resources(Condition.class);
    assertThat(conditions).hasSize(2);
    assertThat(record.cite(evaluation(record, conditions.get(0), "")).results().get(0).evidence())
        .extracting(Reference::getReference)
        .containsExactly("Condition/c9");
  }

  @Test
  void refusesWhatIsNotOnePatientsRecord() {
    assertRefused(bundle("urn:uuid:x", condition("urn:uuid:x")), "holds no Patient");
    Bundle two = bundle(PATIENT, new Patient());
    add(two, "urn:uuid:p2", new Patient());
    assertRefused(two, "more than one Patient (entries 0 and 1)");
    Bundle other = bundle(PATIENT, new Patient());
    add(other, "urn:uuid:c1", condition("Patient/123"));
    assertRefused(other, "entry 1 (Condition) is about 'Patient/123'");
    Bundle otherMedication = bundle(PATIENT, new Patient());
    add(
        otherMedication,
        "urn:uuid:m1",
        new MedicationRequest().setSubject(new Reference("Patient/9")));
    assertRefused(otherMedication, "entry 1 (MedicationRequest) is about 'Patient/9'");
    Bundle asserter = bundle(PATIENT, new Patient());
    Condition asserted = condition(PATIENT);
    asserted.setAsserter(new Reference("Patient/9"));
    add(asserter, "urn:uuid:c1", asserted);
    assertRefused(asserter, "is about 'Patient/9'");
    Bundle noSubject = bundle(PATIENT, new Patient());
    add(noSubject, "urn:uuid:k1", new Consent());
    assertRefused(noSubject, "entry 1 (Consent) names no patient");
    Bundle twice = bundle(PATIENT, new Patient());
    add(twice, PATIENT, condition(PATIENT));
    assertRefused(twice, "repeats the fullUrl");
    Bundle empty = bundle(PATIENT, new Patient());
    empty.addEntry().setFullUrl("urn:uuid:e");
    assertRefused(empty, "entry 1 has no resource");
    assertThatThrownBy(() -> SuppliedRecord.of(null, 10, FHIR))
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void aReferenceToAnEntryThatIsNoPatientIsNotAboutSomeoneElse() {
    Bundle bundle = bundle(PATIENT, new Patient());
    Observation observation = new Observation().setSubject(new Reference(PATIENT));
    observation.addPerformer(new Reference("urn:uuid:practitioner"));
    add(bundle, "urn:uuid:o1", observation);
    add(bundle, "urn:uuid:practitioner", new org.hl7.fhir.r4.model.Practitioner());
    Observation withContained = new Observation().setSubject(new Reference(PATIENT));
    withContained.addPerformer(new Reference("#lab"));
    add(bundle, "urn:uuid:o2", withContained);
    assertThat(SuppliedRecord.of(bundle, 100, FHIR).resources(Observation.class)).hasSize(2);
  }

  /** The record the README and docs/eligibility.md send (a transaction Bundle is read as well). */
  @Test
  void theDocumentedExampleIsOnePatientsRecord() throws Exception {
    Bundle example =
        FHIR.newJsonParser()
            .parseResource(
                Bundle.class,
                java.nio.file.Files.readString(
                    java.nio.file.Path.of("docs/example-patient-bundle.json")));
    SuppliedRecord record = SuppliedRecord.of(example, 100, FHIR);
    assertThat(record.resources(Condition.class)).isNotEmpty();
    assertThat(record.resources(Observation.class)).isNotEmpty();
    assertThat(record.patientCitation().getReference()).startsWith("urn:uuid:");
  }

  @Test
  void refusesMoreEntriesThanTheLimitWith413() {
    Bundle bundle = bundle(PATIENT, new Patient());
    add(bundle, "urn:uuid:c1", condition(PATIENT));
    assertThatThrownBy(() -> SuppliedRecord.of(bundle, 1, FHIR))
        .isInstanceOf(PayloadTooLargeException.class)
        .hasMessageContaining("max-record-entries");
  }

  private static void assertRefused(Bundle bundle, String message) {
    assertThatThrownBy(() -> SuppliedRecord.of(bundle, 100, FHIR))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(message);
  }

  private static Evaluation evaluation(SuppliedRecord record, Resource evidence, String reason) {
    Criterion criterion = CriterionEvaluatorTest.criterion("c", "condition", false, "vs", null);
    return new Evaluation(
        null,
        record.patient(),
        LocalDate.of(2026, 6, 15),
        List.of(
            new CriterionResult(
                criterion, Outcome.PASS, reason, List.of(RecordFacts.ref(evidence)))));
  }

  private static Condition condition(String patient) {
    return new Condition().setSubject(new Reference(patient));
  }

  private static Bundle bundle(String fullUrl, Resource first) {
    Bundle bundle = new Bundle();
    add(bundle, fullUrl, first);
    return bundle;
  }

  private static void add(Bundle bundle, String fullUrl, Resource resource) {
    bundle.addEntry().setFullUrl(fullUrl).setResource(resource);
  }
}
