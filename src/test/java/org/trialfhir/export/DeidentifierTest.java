package org.trialfhir.export;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

class DeidentifierTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();

  private static Deidentifier deidentifier(String key, boolean masked) {
    return new Deidentifier(FHIR, key.getBytes(StandardCharsets.UTF_8), subject -> masked);
  }

  private static Patient patient() {
    Patient patient = new Patient();
    patient.setId("Patient/anna-1");
    patient.addIdentifier().setSystem("urn:oid:1.2.3").setValue("MRN-4711");
    patient.addName().setFamily("Example").addGiven("Anna");
    patient.addTelecom().setValue("+44 20 7946 0000");
    patient.addAddress().setCity("Leeds").setPostalCode("LS1 4AP");
    patient.setGender(AdministrativeGender.FEMALE);
    patient.setBirthDateElement(new DateType("2014-03-09"));
    patient.setManagingOrganization(new Reference("Organization/st-mary"));
    return patient;
  }

  private static Observation observation(String effective) {
    Observation observation = new Observation();
    observation.setId("Observation/cpep-1");
    observation.addIdentifier().setValue("LAB-99");
    observation.setSubject(new Reference("Patient/anna-1").setDisplay("Anna Example"));
    observation.addPerformer(new Reference("Practitioner/dr-who"));
    observation.setEffective(new DateTimeType(effective));
    observation.setValue(new Quantity().setValue(0.4).setUnit("nmol/L"));
    observation.addNote(new Annotation().setText("Anna was anxious"));
    return observation;
  }

  @Test
  void aPatientKeepsSexAndYearOfBirthOnly() {
    Patient patient = patient();
    assertThat(deidentifier("k", false).apply(patient, false)).isTrue();

    assertThat(patient.getIdElement().getIdPart()).hasSize(32).doesNotContain("anna");
    assertThat(patient.hasName() || patient.hasTelecom() || patient.hasAddress()).isFalse();
    assertThat(patient.hasIdentifier() || patient.hasManagingOrganization()).isFalse();
    assertThat(patient.getGender()).isEqualTo(AdministrativeGender.FEMALE);
    assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("2014");
  }

  @Test
  void referencesFollowThePseudonymAndNothingIdentifyingStays() {
    Deidentifier deidentifier = deidentifier("k", false);
    Patient patient = patient();
    Observation observation = observation("2026-05-01T09:30:00Z");
    deidentifier.apply(patient, false);
    deidentifier.apply(observation, false);

    assertThat(observation.getSubject().getReference())
        .isEqualTo("Patient/" + patient.getIdElement().getIdPart());
    assertThat(observation.getSubject().hasDisplay()).isFalse();
    assertThat(observation.hasIdentifier() || observation.hasNote()).isFalse();
    assertThat(observation.getPerformerFirstRep().hasReference()).isFalse();
    assertThat(observation.getValueQuantity().getValue()).isEqualByComparingTo("0.4");
    String json = FHIR.newJsonParser().encodeResourceToString(observation);
    assertThat(json).doesNotContain("Anna", "LAB-99", "dr-who", "anna-1");
  }

  @Test
  void datesOfOnePatientMoveTogetherAndKeepTheirPrecision() {
    Deidentifier deidentifier = deidentifier("k", false);
    Observation first = observation("2026-05-01");
    Observation second = observation("2026-08-01");
    deidentifier.apply(first, false);
    deidentifier.apply(second, false);

    LocalDate a = LocalDate.parse(first.getEffectiveDateTimeType().getValueAsString());
    LocalDate b = LocalDate.parse(second.getEffectiveDateTimeType().getValueAsString());
    assertThat(ChronoUnit.DAYS.between(a, b)).isEqualTo(92);
    long shift = ChronoUnit.DAYS.between(LocalDate.parse("2026-05-01"), a);
    assertThat(shift).isNotZero().isBetween(-182L, 183L);
  }

  @Test
  void twoExportsCannotBeLinked() {
    Patient one = patient();
    Patient two = patient();
    deidentifier("export-1", false).apply(one, false);
    deidentifier("export-2", false).apply(two, false);
    assertThat(one.getIdElement().getIdPart()).isNotEqualTo(two.getIdElement().getIdPart());
  }

  @Test
  void allocationsAuditEventsAndArmsOfMaskedStudiesAreNotExported() {
    assertThat(deidentifier("k", false).apply(new AuditEvent(), false)).isFalse();

    ResearchSubject masked = subject();
    assertThat(deidentifier("k", true).apply(masked, false)).isTrue();
    assertThat(masked.hasAssignedArm()).isFalse();
    assertThat(masked.getStudy().getReference()).isEqualTo("ResearchStudy/nct06407297");

    ResearchSubject open = subject();
    deidentifier("k", false).apply(open, false);
    assertThat(open.getAssignedArm()).isEqualTo("GXIPC1");
  }

  @Test
  void aStudyIsPublicAndExportedAsStored() {
    ResearchStudy study = new ResearchStudy();
    study.setId("ResearchStudy/nct06407297");
    study.setTitle("Stem cell educator");
    assertThat(deidentifier("k", false).apply(study, false)).isTrue();
    assertThat(study.getIdElement().getIdPart()).isEqualTo("nct06407297");
    assertThat(study.getTitle()).isEqualTo("Stem cell educator");
  }

  @Test
  void containedResourcesExtensionsBirthTimeAndLastUpdatedAreRemoved() {
    Patient patient = patient();
    patient
        .getBirthDateElement()
        .addExtension(
            "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
            new DateTimeType("2014-03-09T07:15:00Z"));
    patient.getMeta().setLastUpdated(new Date());
    Observation observation = observation("2026-05-01");
    Practitioner doctor = new Practitioner();
    doctor.setId("dr");
    doctor.addName().setFamily("Who");
    observation.addContained(doctor);
    observation.getPerformer().clear();
    observation.addPerformer(new Reference("#dr"));
    observation.addExtension("http://example.org/said", new StringType("Anna Example, 12 Elm St"));
    observation.getCode().setText("HbA1c of Anna Example");
    observation.getCode().addCoding().setSystem("http://loinc.org").setCode("4548-4");
    observation.getMeta().setLastUpdated(new Date());
    Deidentifier deidentifier = deidentifier("k", false);
    deidentifier.apply(patient, false);
    deidentifier.apply(observation, false);

    String json =
        FHIR.newJsonParser().encodeResourceToString(patient)
            + FHIR.newJsonParser().encodeResourceToString(observation);
    assertThat(json).doesNotContain("07:15", "lastUpdated", "Who", "Anna", "Elm", "#dr");
    assertThat(observation.getCode().getCodingFirstRep().getCode()).isEqualTo("4548-4");
  }

  @Test
  void theDateShiftFollowsThePatientNotAContainedPerformer() {
    Deidentifier deidentifier = deidentifier("k", false);
    Observation plain = observation("2026-05-01");
    Observation withPerformer = observation("2026-05-01");
    withPerformer.addContained(new Practitioner().setId("dr"));
    withPerformer.getPerformer().clear();
    withPerformer.addPerformer(new Reference("#dr"));
    deidentifier.apply(plain, false);
    deidentifier.apply(withPerformer, false);
    assertThat(withPerformer.getEffectiveDateTimeType().getValueAsString())
        .isEqualTo(plain.getEffectiveDateTimeType().getValueAsString());
  }

  @Test
  void aGroupOfPeopleAndLabelledOrModifiedDataAreNotExported() {
    Group cohort = new Group();
    cohort.addMember().setEntity(new Reference("Patient/anna-1"));
    assertThat(deidentifier("k", false).apply(cohort, false)).isFalse();
    Group criteria = new Group();
    criteria.addCharacteristic().setExclude(false);
    assertThat(deidentifier("k", false).apply(criteria, false)).isTrue();

    assertThat(deidentifier("k", false).apply(observation("2026-05-01"), true)).isFalse();
    Observation modified = observation("2026-05-01");
    modified.addModifierExtension().setUrl("http://example.org/not-really");
    assertThat(deidentifier("k", false).apply(modified, false)).isFalse();
  }

  private static ResearchSubject subject() {
    ResearchSubject subject = new ResearchSubject();
    subject.setId("ResearchSubject/s1");
    subject.setStudy(new Reference("ResearchStudy/nct06407297"));
    subject.setIndividual(new Reference("Patient/anna-1"));
    subject.setAssignedArm("GXIPC1");
    subject.setPeriod(
        new Period()
            .setStart(
                Date.from(LocalDate.of(2026, 6, 1).atStartOfDay().toInstant(ZoneOffset.UTC))));
    return subject;
  }
}
