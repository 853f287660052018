package org.trialfhir.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Patient;
import org.springframework.stereotype.Component;
import org.trialfhir.security.Caller.Role;
import org.trialfhir.server.FhirInterceptor;

/**
 * An EHR system writes for its own hospital's patients only: a caller with the ehr-system role may
 * create, change or delete a patient's data only when that Patient's {@code managingOrganization}
 * is the organisation named in its token. Checked before commit, when references inside a
 * transaction bundle already point at stored patients, so bundles obey it like single writes.
 */
@Component
@Interceptor
class EhrPatientGuard implements FhirInterceptor {

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
    for (IIdType patient : patientsOf(resource)) {
      if (caller.organization() == null) {
        throw new ForbiddenOperationException(
            "An ehr-system token must name its organisation in the '"
                + properties.organizationClaim()
                + "' claim to write patient data");
      }
      String managedBy = managingOrganization(resource, patient);
      if (!caller.organization().equals(managedBy)) {
        throw new ForbiddenOperationException(
            "Patient/"
                + patient.getIdPart()
                + " is not managed by "
                + caller.organization()
                + " (Patient.managingOrganization is "
                + (managedBy == null ? "empty" : managedBy)
                + "): an EHR system writes data of its own organisation's patients only");
      }
    }
  }

  private List<IIdType> patientsOf(IBaseResource resource) {
    if (resource instanceof Patient patient) {
      return List.of(patient.getIdElement());
    }
    if (fhir.getResourceDefinition(resource)
        .getSearchParamsForCompartmentName("Patient")
        .isEmpty()) {
      return List.of(); // not patient data
    }
    // Only stored patients: a contained performer is also a compartment "owner" to the terser.
    return fhir.newTerser().getCompartmentOwnersForResource("Patient", resource, Set.of()).stream()
        .filter(id -> "Patient".equals(id.getResourceType()) && !id.isLocal())
        .toList();
  }

  private String managingOrganization(IBaseResource resource, IIdType id) {
    Patient patient = resource instanceof Patient own ? own : read(id);
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
