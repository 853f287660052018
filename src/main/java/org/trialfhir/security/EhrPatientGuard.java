package org.trialfhir.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Component;
import org.trialfhir.security.Caller.Role;
import org.trialfhir.server.FhirInterceptor;

/**
 * An EHR system writes for its own hospital's patients only: a caller with the ehr-system role may
 * create, change or delete a patient's data only when that Patient's {@code managingOrganization}
 * is the organisation named in its token. Every Patient a written resource refers to counts, in any
 * element (subject, focus, performer, extensions...) and however it is referred to: literally, by a
 * match URL ({@code Patient?identifier=...}, resolved by HAPI before this check) or by identifier
 * alone, which must name one of the organisation's patients. Checked before commit, when references
 * inside a transaction bundle already point at stored patients, so bundles obey it like single
 * writes.
 */
@Component
@Interceptor
class EhrPatientGuard implements FhirInterceptor {

  /** Elements that say whom the resource is about: an identifier there must name a patient. */
  private static final Set<String> PATIENT_ELEMENTS =
      Set.of("subject", "patient", "focus", "beneficiary", "individual", "member", "entity");

  private final SecurityProperties properties;
  private final DaoRegistry daos;
  private final FhirContext fhir;

  EhrPatientGuard(SecurityProperties properties, DaoRegistry daos, FhirContext fhir) {
    this.properties = properties;
    this.daos = daos;
    this.fhir = fhir;
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(RequestDetails request, IBaseResource resource) {
    check(request, resource);
  }

  /**
   * Also before storage: an update that changes nothing never reaches the pre-commit hook, and its
   * 200 would tell the caller what another hospital's resource says.
   */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updating(RequestDetails request, IBaseResource previous, IBaseResource resource) {
    if (previous != null) {
      check(request, previous);
    }
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(RequestDetails request, IBaseResource previous, IBaseResource resource) {
    check(request, previous); // nor may it take over another hospital's patient
    check(request, resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(RequestDetails request, IBaseResource resource) {
    check(request, resource);
  }

  private void check(RequestDetails request, IBaseResource resource) {
    if (!properties.enabled() || SmartAuthorizationInterceptor.internal(request)) {
      return;
    }
    Caller caller = Caller.current(properties);
    if (!caller.has(Role.EHR_SYSTEM)) {
      return;
    }
    if (resource instanceof Patient patient) {
      requireOwn(caller, patient.getIdElement(), managingOrganization(patient));
    }
    for (Reference reference : references(resource)) {
      IIdType target = reference.getReferenceElement();
      if (target.hasIdPart() && "Patient".equals(target.getResourceType()) && !target.isLocal()) {
        // Literal, and conditional ones: HAPI has resolved a match URL to the patient by now.
        requireOwn(caller, target, managingOrganization(read(target)));
      } else if (target.hasIdPart() || target.isLocal() || reference.hasReference()) {
        continue; // another type, a contained resource, or what HAPI refuses by itself
      } else if (reference.hasIdentifier()
          && (!reference.hasType() || "Patient".equals(reference.getType()))) {
        checkLogical(caller, resource, reference);
      }
    }
  }

  /**
   * A reference by identifier alone ({@code subject.identifier}) that names a patient must name one
   * of the caller's organisation's patients; in an element that is about a patient (subject,
   * patient, focus, ...) or typed Patient, it must name one, so nothing is stored for a patient the
   * server cannot tell.
   */
  private void checkLogical(Caller caller, IBaseResource resource, Reference reference) {
    Identifier identifier = reference.getIdentifier();
    if (!identifier.hasValue()) {
      throw new UnprocessableEntityException(
          "A reference by identifier alone needs identifier.value");
    }
    SearchParameterMap byIdentifier =
        SearchParameterMap.newSynchronous(
            Patient.SP_IDENTIFIER, new TokenParam(identifier.getSystem(), identifier.getValue()));
    List<IBaseResource> matches =
        daos.getResourceDao(Patient.class)
            .search(byIdentifier, new SystemRequestDetails())
            .getAllResources();
    requireOrganization(caller);
    boolean foreign =
        matches.stream()
            .anyMatch(m -> !caller.organization().equals(managingOrganization((Patient) m)));
    boolean aboutAPatient =
        "Patient".equals(reference.getType())
            || PATIENT_ELEMENTS.contains(elementName(resource, reference));
    // One answer, one status, whether the identifier is another hospital's patient or nobody's:
    // a different one would tell an EHR which identifiers other hospitals hold.
    if (foreign || (matches.isEmpty() && aboutAPatient)) {
      throw new ForbiddenOperationException(
          "The reference by identifier "
              + (identifier.hasSystem() ? identifier.getSystem() + "|" : "")
              + identifier.getValue()
              + " names none of the patients of "
              + caller.organization()
              + ": an EHR system refers to its own organisation's patients (by reference, or by an"
              + " identifier of one of them)");
    }
  }

  private void requireOwn(Caller caller, IIdType patient, String managedBy) {
    requireOrganization(caller);
    if (!caller.organization().equals(managedBy)) {
      // Which organisation does manage the patient is another hospital's business: not said.
      throw new ForbiddenOperationException(
          "Patient/"
              + patient.getIdPart()
              + " is not managed by "
              + caller.organization()
              + ": an EHR system writes data of its own organisation's patients only");
    }
  }

  private void requireOrganization(Caller caller) {
    if (caller.organization() == null) {
      throw new ForbiddenOperationException(
          "An ehr-system token must name its organisation in the '"
              + properties.organizationClaim()
              + "' claim to write patient data");
    }
  }

  /** Every reference of the resource, in any element (subject, focus, performer, extensions). */
  private List<Reference> references(IBaseResource resource) {
    return fhir.newTerser().getAllPopulatedChildElementsOfType(resource, Reference.class);
  }

  /** The name of the element holding this reference (subject, focus, ...), or "". */
  private String elementName(IBaseResource resource, Reference reference) {
    for (var path : fhir.newTerser().getAllResourceReferences(resource)) {
      if (path.getResourceReference() == reference) {
        String name = path.getName();
        return name == null ? "" : name;
      }
    }
    return "";
  }

  private String managingOrganization(Patient patient) {
    if (patient == null || !patient.getManagingOrganization().hasReference()) {
      return null;
    }
    return patient
        .getManagingOrganization()
        .getReferenceElement()
        .toUnqualifiedVersionless()
        .getValue();
  }

  private Patient read(IIdType id) {
    try {
      return daos.getResourceDao(Patient.class)
          .read(
              id.toUnqualifiedVersionless().withResourceType("Patient"),
              new SystemRequestDetails());
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return null;
    }
  }
}
