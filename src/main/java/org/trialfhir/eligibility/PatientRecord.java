package org.trialfhir.eligibility;

import java.util.List;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

/**
 * The parts of a patient's record that criteria read.
 *
 * @param medications MedicationRequest, MedicationStatement and Immunization resources
 */
record PatientRecord(
    Patient patient,
    List<Condition> conditions,
    List<Observation> observations,
    List<AllergyIntolerance> allergies,
    List<Consent> consents,
    List<Resource> medications) {

  /** A record without medications, for criteria that read none. */
  PatientRecord(
      Patient patient,
      List<Condition> conditions,
      List<Observation> observations,
      List<AllergyIntolerance> allergies,
      List<Consent> consents) {
    this(patient, conditions, observations, allergies, consents, List.of());
  }
}
