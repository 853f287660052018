package org.trialfhir.eligibility;

import java.util.Set;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * The resource types criteria read from a patient's record besides the Patient, and the element of
 * each that names the patient (the one its {@code patient} search parameter follows): one place for
 * a supplied record's check and for the watcher's notice of writes.
 */
public final class RecordTypes {

  /** The types criteria read, besides the Patient. */
  public static final Set<String> READ =
      Set.of(
          "Condition",
          "Observation",
          "AllergyIntolerance",
          "Consent",
          "MedicationRequest",
          "MedicationStatement",
          "Immunization");

  private RecordTypes() {}

  /** The patient reference of a resource of a type criteria read; null for others or if empty. */
  public static Reference subjectOf(Resource resource) {
    Reference about = null;
    if (resource instanceof Condition c) {
      about = c.getSubject();
    } else if (resource instanceof Observation o) {
      about = o.getSubject();
    } else if (resource instanceof AllergyIntolerance a) {
      about = a.getPatient();
    } else if (resource instanceof Consent c) {
      about = c.getPatient();
    } else if (resource instanceof MedicationRequest m) {
      about = m.getSubject();
    } else if (resource instanceof MedicationStatement m) {
      about = m.getSubject();
    } else if (resource instanceof Immunization i) {
      about = i.getPatient();
    }
    return about == null || about.isEmpty() ? null : about;
  }
}
