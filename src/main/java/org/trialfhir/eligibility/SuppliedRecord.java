package org.trialfhir.eligibility;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * A patient's record supplied as a Bundle instead of stored (docs/eligibility.md, "A supplied
 * record"): exactly one Patient, and the resources about it, checked and held in memory; nothing is
 * stored. The resources the criteria read (Condition, Observation, AllergyIntolerance, Consent) are
 * kept in Bundle order, the supplied counterpart of "the order they were stored". Every resource of
 * the Bundle that names a patient must name this one (else 400: a record is never judged on part);
 * resources of other types are ignored, and listed by {@link #ignoredTypes()}.
 *
 * <p>Each kept resource is a copy under an internal id ({@code urn:uuid:}, unique), so that the
 * rules' evidence and reasons can be turned back into what the caller sent: the entry's fullUrl,
 * else its {@code Type/id} ({@link #cite(Evaluation)}).
 */
final class SuppliedRecord {

  private final Patient patient;
  private final Reference patientCitation;
  private final List<Resource> resources;
  private final Map<String, Reference> citations;
  private final Set<String> ignoredTypes;

  private SuppliedRecord(
      Patient patient,
      Reference patientCitation,
      List<Resource> resources,
      Map<String, Reference> citations,
      Set<String> ignoredTypes) {
    this.patient = patient;
    this.patientCitation = patientCitation;
    this.resources = resources;
    this.citations = citations;
    this.ignoredTypes = ignoredTypes;
  }

  /**
   * Checks {@code bundle} as a patient's record: 413 over {@code maxEntries}, 400 naming the
   * problem for no Patient or several, an entry without a resource, duplicate fullUrls, or a
   * resource about someone else.
   */
  static SuppliedRecord of(Bundle bundle, int maxEntries, FhirContext fhir) {
    if (bundle == null) {
      throw new InvalidRequestException("The supplied record (a Bundle) is missing");
    }
    List<BundleEntryComponent> entries = bundle.getEntry();
    if (entries.size() > maxEntries) {
      throw new PayloadTooLargeException(
          "The supplied record has "
              + entries.size()
              + " entries; at most "
              + maxEntries
              + " are evaluated (trialfhir.eligibility.max-record-entries)");
    }
    Set<String> fullUrls = new LinkedHashSet<>();
    int patientAt = -1;
    for (int i = 0; i < entries.size(); i++) {
      BundleEntryComponent entry = entries.get(i);
      if (!(entry.getResource() instanceof Resource)) {
        throw bad(i, "has no resource");
      }
      if (entry.hasFullUrl() && !fullUrls.add(entry.getFullUrl())) {
        throw bad(i, "repeats the fullUrl '" + entry.getFullUrl() + "'");
      }
      if (entry.getResource() instanceof Patient) {
        if (patientAt >= 0) {
          throw new InvalidRequestException(
              "The supplied record holds more than one Patient (entries "
                  + patientAt
                  + " and "
                  + i
                  + "): a supplied record is one patient's");
        }
        patientAt = i;
      }
    }
    if (patientAt < 0) {
      throw new InvalidRequestException(
          "The supplied record holds no Patient: a supplied record is one patient's");
    }
    return assemble(entries, patientAt, fhir);
  }

  private static SuppliedRecord assemble(
      List<BundleEntryComponent> entries, int patientAt, FhirContext fhir) {
    BundleEntryComponent patientEntry = entries.get(patientAt);
    PatientIdentity identity = new PatientIdentity(patientEntry);
    Map<String, Reference> citations = new HashMap<>();
    Patient patient = (Patient) internal(patientEntry, patientAt, citations);
    List<Resource> resources = new ArrayList<>();
    Set<String> ignored = new LinkedHashSet<>();
    Map<String, String> typesByUrl = new HashMap<>();
    entries.stream()
        .filter(BundleEntryComponent::hasFullUrl)
        .forEach(e -> typesByUrl.put(e.getFullUrl(), e.getResource().fhirType()));
    for (int i = 0; i < entries.size(); i++) {
      Resource resource = (Resource) entries.get(i).getResource();
      if (i == patientAt) {
        continue;
      }
      for (IIdType owner : compartmentOwners(fhir, resource)) {
        // Any reference to a patient, e.g. a Condition's asserter or a MedicationRequest's subject.
        if (patientLike(owner, typesByUrl) && !identity.is(new Reference(owner.getValue()))) {
          throw notAbout(i, resource, owner.getValue(), patientAt);
        }
      }
      if (RecordTypes.READ.contains(resource.fhirType())) {
        Reference about = RecordTypes.subjectOf(resource);
        if (about == null) {
          throw bad(i, "(" + resource.fhirType() + ") names no patient");
        }
        if (!identity.is(about)) {
          throw notAbout(i, resource, describe(about), patientAt);
        }
        resources.add(internal(entries.get(i), i, citations));
        continue;
      }
      ignored.add(resource.fhirType());
    }
    return new SuppliedRecord(
        patient, citations.get(patient.getIdElement().getValue()), resources, citations, ignored);
  }

  /**
   * Whether a compartment owner HAPI found may be a patient: HAPI also offers references without a
   * type (urn:uuid), which are a patient only when they resolve to a Patient entry (one that
   * resolves to nothing in the Bundle is not known to be a patient, and is left alone), and a
   * reference to a contained resource ({@code #id}) is inside the resource itself.
   */
  private static boolean patientLike(IIdType owner, Map<String, String> typesByUrl) {
    String type = typesByUrl.get(owner.getValue());
    if (type != null) {
      return "Patient".equals(type);
    }
    String value = owner.getValue();
    if (value == null || value.startsWith("#")) {
      return false;
    }
    return owner.hasResourceType()
        ? "Patient".equals(owner.getResourceType())
        : !value.startsWith("urn:");
  }

  private static List<IIdType> compartmentOwners(FhirContext fhir, Resource resource) {
    if (fhir.getResourceDefinition(resource)
        .getSearchParamsForCompartmentName("Patient")
        .isEmpty()) {
      return List.of();
    }
    return fhir.newTerser().getCompartmentOwnersForResource("Patient", resource, Set.of());
  }

  /** A copy of the entry's resource under a fresh internal id, and how to cite it. */
  private static Resource internal(
      BundleEntryComponent entry, int index, Map<String, Reference> citations) {
    Resource resource = (Resource) entry.getResource();
    Resource copy = resource.copy();
    String id = "urn:uuid:" + UUID.randomUUID();
    copy.setId(id);
    Reference citation;
    if (entry.hasFullUrl()) {
      citation = new Reference(entry.getFullUrl());
    } else if (resource.getIdElement().hasIdPart()) {
      citation = new Reference(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
    } else {
      citation =
          new Reference().setDisplay("Bundle entry " + index + " (" + resource.fhirType() + ")");
    }
    citations.put(id, citation);
    return copy;
  }

  private static String describe(Reference reference) {
    return reference.hasReference()
        ? reference.getReference()
        : reference.hasIdentifier()
            ? "identifier " + reference.getIdentifier().getValue()
            : "a reference without a target";
  }

  private static InvalidRequestException notAbout(
      int index, Resource resource, String whom, int patientAt) {
    return bad(
        index,
        "("
            + resource.fhirType()
            + ") is about '"
            + whom
            + "', not the record's Patient (entry "
            + patientAt
            + ")");
  }

  private static InvalidRequestException bad(int index, String problem) {
    return new InvalidRequestException("The supplied record's entry " + index + " " + problem);
  }

  Patient patient() {
    return patient;
  }

  /** The Patient as the caller sent it: its fullUrl, else Patient/id. */
  Reference patientCitation() {
    return patientCitation.copy();
  }

  /** The kept resources of this type, in Bundle order. */
  <T extends Resource> List<T> resources(Class<T> type) {
    return resources.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Types present in the Bundle that no criterion reads, so not evaluated. */
  Set<String> ignoredTypes() {
    return ignoredTypes;
  }

  /** The evaluation with its evidence and reasons naming the resources as the caller sent them. */
  Evaluation cite(Evaluation evaluation) {
    List<CriterionResult> results =
        evaluation.results().stream()
            .map(
                r ->
                    new CriterionResult(
                        r.criterion(),
                        r.outcome(),
                        citeIn(r.reason()),
                        r.evidence().stream().map(this::cite).toList(),
                        r.obtain()))
            .toList();
    return new Evaluation(evaluation.study(), evaluation.patient(), evaluation.date(), results);
  }

  private Reference cite(Reference evidence) {
    Reference citation = evidence.hasReference() ? citations.get(evidence.getReference()) : null;
    return citation == null ? evidence.copy() : citation.copy();
  }

  private String citeIn(String reason) {
    if (reason == null || !reason.contains("urn:uuid:")) {
      return reason;
    }
    String cited = reason;
    for (Map.Entry<String, Reference> c : citations.entrySet()) {
      Reference citation = c.getValue();
      cited =
          cited.replace(
              c.getKey(),
              citation.hasReference() ? citation.getReference() : citation.getDisplay());
    }
    return cited;
  }
}
