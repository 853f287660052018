package org.trialfhir.export;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.util.FhirTerser;
import ca.uhn.fhir.util.IModelVisitor2;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.BackboneElement;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Element;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;

/**
 * De-identifies one export's resources for a registry. What a registry analyses survives (codes,
 * values, units, intervals between a patient's events, year of birth, sex, study and arm of
 * unmasked studies); what identifies a person does not:
 *
 * <ul>
 *   <li>ids of patient data become keyed pseudonyms (HMAC-SHA-256 with a key made for this export
 *       only, so two exports cannot be linked), in the resource and in every reference to it;
 *   <li>identifiers, narratives, notes, attachments and reference displays are removed;
 *   <li>Patient keeps gender, year of birth and deceased (year); names, contacts, addresses and
 *       extensions go;
 *   <li>every other date of a patient's data moves by the same pseudonymous offset for that patient
 *       (up to half a year either way), so intervals between its events are kept;
 *   <li>only the types a registry needs are exported, never treatment allocations, and arms of
 *       masked studies are removed.
 * </ul>
 */
final class Deidentifier {

  /** Patient data a registry receives; the study side is public anyway. */
  static final Set<String> PATIENT_TYPES =
      Set.of(
          "Patient",
          "ResearchSubject",
          "Observation",
          "Condition",
          "MedicationRequest",
          "MedicationStatement",
          "AllergyIntolerance",
          "Procedure",
          "Immunization",
          "AdverseEvent");

  static final Set<String> STUDY_TYPES =
      Set.of("ResearchStudy", "Group", "PlanDefinition", "Organization", "Location");

  /** What a patient's data may point at that is nobody's data: kept, references included. */
  static final Set<String> REFERENCE_DATA = Set.of("Medication", "Substance");

  private static final int MAX_SHIFT_DAYS = 182;

  private final FhirTerser terser;
  private final Mac mac;
  private final Predicate<ResearchSubject> masked;

  Deidentifier(FhirContext fhir, byte[] key, Predicate<ResearchSubject> masked) {
    this.terser = fhir.newTerser();
    this.masked = masked;
    try {
      this.mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }

  /** Every resource type an export may hold. */
  static Set<String> exportableTypes() {
    return union(union(PATIENT_TYPES, STUDY_TYPES), REFERENCE_DATA);
  }

  /**
   * De-identifies the resource in place.
   *
   * @return false when the resource must not be exported at all
   */
  boolean apply(Resource resource, boolean labelledAllocation) {
    String type = resource.fhirType();
    if (labelledAllocation || !exportableTypes().contains(type)) {
      return false;
    }
    if (resource instanceof Group group) {
      // A Group that lists people is patient data; one that states criteria is the study's.
      return !group.hasMember();
    }
    if (STUDY_TYPES.contains(type) || REFERENCE_DATA.contains(type)) {
      return true; // public by design or no one's data: exported as stored
    }
    if (hasModifierExtension(resource)) {
      return false; // its meaning depends on what would have to be removed
    }
    IdType patient = patientOf(resource);
    resource.setIdElement(new IdType(type, pseudonym(type, resource.getIdElement().getIdPart())));
    // lastUpdated would give away the date shift and link exports; profiles are all that stays
    Meta meta = new Meta();
    resource.getMeta().getProfile().forEach(p -> meta.addProfile(p.getValue()));
    resource.setMeta(meta);
    resource.setLanguage(null);
    resource.setImplicitRules(null);
    if (resource instanceof DomainResource domain) {
      domain.setText(null);
      domain.setContained(null);
      domain.setExtension(null);
    }
    for (Reference reference :
        terser.getAllPopulatedChildElementsOfType(resource, Reference.class)) {
      reference.setDisplay(null);
      reference.setIdentifier(null);
      IIdType target = reference.getReferenceElement();
      if (target.hasResourceType() && PATIENT_TYPES.contains(target.getResourceType())) {
        reference.setReference(
            target.getResourceType()
                + "/"
                + pseudonym(target.getResourceType(), target.getIdPart()));
      } else if (!target.hasResourceType()
          || !(STUDY_TYPES.contains(target.getResourceType())
              || REFERENCE_DATA.contains(target.getResourceType()))) {
        // a Practitioner, an allocation, a contained resource: not for registries
        reference.setReference(null);
      }
    }
    removeFreeTextAndIdentifiers(resource);
    if (resource instanceof Patient person) {
      deidentifyPerson(person);
    } else if (patient != null) {
      shiftDates(resource, shiftDays(patient));
    }
    if (resource instanceof Observation observation) {
      // free-text results may say anything; coded and numeric ones stay
      if (observation.getValue() instanceof StringType) {
        observation.setValue(null);
      }
      observation.getComponent().stream()
          .filter(c -> c.getValue() instanceof StringType)
          .forEach(c -> c.setValue(null));
    }
    if (resource instanceof ResearchSubject subject && masked.test(subject)) {
      subject.setAssignedArm(null);
      subject.setActualArm(null);
    }
    return true;
  }

  /** Gender, year of birth, deceased (year) and nothing else, extensions of elements included. */
  private static void deidentifyPerson(Patient person) {
    DateType born =
        person.hasBirthDate()
            ? new DateType(person.getBirthDate(), TemporalPrecisionEnum.YEAR)
            : null;
    Type deceased = person.getDeceased();
    if (deceased instanceof DateTimeType died) {
      deceased = new DateTimeType(died.getValue(), TemporalPrecisionEnum.YEAR);
      ((DateTimeType) deceased).setTimeZone(null);
    } else if (deceased instanceof BooleanType flag) {
      deceased = new BooleanType(flag.getValue());
    }
    AdministrativeGender gender = person.getGender();
    person.setIdentifier(null);
    person.setActiveElement(null);
    person.setName(null);
    person.setTelecom(null);
    person.setGenderElement(null);
    person.setBirthDateElement(null);
    person.setDeceased(null);
    person.setAddress(null);
    person.setMaritalStatus(null);
    person.setMultipleBirth(null);
    person.setPhoto(null);
    person.setContact(null);
    person.setCommunication(null);
    person.setGeneralPractitioner(null);
    person.setManagingOrganization(null);
    person.setLink(null);
    person.setModifierExtension(null);
    if (gender != null) {
      person.setGender(gender);
    }
    person.setBirthDateElement(born);
    person.setDeceased(deceased);
  }

  private boolean hasModifierExtension(Resource resource) {
    if (resource instanceof DomainResource domain && domain.hasModifierExtension()) {
      return true;
    }
    return terser.getAllPopulatedChildElementsOfType(resource, BackboneElement.class).stream()
        .anyMatch(BackboneElement::hasModifierExtension);
  }

  private void shiftDates(Resource resource, int days) {
    List<BaseDateTimeType> dates =
        terser.getAllPopulatedChildElementsOfType(resource, BaseDateTimeType.class);
    for (BaseDateTimeType date : dates) {
      if (date.getValue() != null && date != resource.getMeta().getLastUpdatedElement()) {
        // add() keeps the element's precision: a date stays a date, a month a month
        date.add(Calendar.DATE, days);
      }
    }
  }

  /** The patient whose data this is (its Patient compartment), if any. */
  private IdType patientOf(Resource resource) {
    if (resource instanceof Patient) {
      return (IdType) resource.getIdElement();
    }
    return terser.getCompartmentOwnersForResource("Patient", resource, Set.of()).stream()
        .filter(id -> "Patient".equals(id.getResourceType()) && !id.isLocal())
        .findFirst()
        .map(id -> new IdType("Patient", id.getIdPart()))
        .orElse(null);
  }

  /** Same patient, same offset, within one export; never zero, so no date is left as it was. */
  int shiftDays(IIdType patient) {
    byte[] digest = digest("shift|" + patient.getIdPart());
    int value = ((digest[0] & 0xff) << 8) | (digest[1] & 0xff);
    int shift = value % (2 * MAX_SHIFT_DAYS) - MAX_SHIFT_DAYS;
    return shift >= 0 ? shift + 1 : shift;
  }

  String pseudonym(String type, String id) {
    return HexFormat.of().formatHex(digest(type + "/" + id), 0, 16);
  }

  private synchronized byte[] digest(String text) {
    return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Identifiers (MRNs), notes and attachments may name the person: removed wherever they are. */
  private void removeFreeTextAndIdentifiers(Resource resource) {
    List<Runnable> removals = new ArrayList<>();
    terser.visit(
        resource,
        new IModelVisitor2() {
          @Override
          public boolean acceptElement(
              IBase element,
              List<IBase> containing,
              List<BaseRuntimeChildDefinition> children,
              List<BaseRuntimeElementDefinition<?>> definitions) {
            if (element instanceof Element typed && typed.hasExtension()) {
              removals.add(() -> typed.setExtension(null)); // e.g. patient-birthTime
            }
            if (element instanceof CodeableConcept concept && concept.hasCoding()) {
              removals.add(() -> concept.setText(null)); // the codes say it; the text may say more
            }
            if (element instanceof Identifier
                || element instanceof Annotation
                || element instanceof Attachment) {
              int last = containing.size() - 1;
              IBase parent = containing.get(containing.get(last) == element ? last - 1 : last);
              BaseRuntimeChildDefinition child = children.get(children.size() - 1);
              removals.add(() -> child.getMutator().setValue(parent, null));
              return false;
            }
            return true;
          }
        });
    removals.forEach(Runnable::run);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }
}
