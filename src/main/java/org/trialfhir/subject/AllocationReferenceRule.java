package org.trialfhir.subject;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.springframework.stereotype.Component;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.SecurityProperties;
import org.trialfhir.server.FhirInterceptor;
import org.trialfhir.server.References;

/**
 * A subject's treatment allocation is the server's record of the arm it drew for that patient in
 * that study, so on every write of a ResearchSubject (REST, transaction, operation, import):
 *
 * <ul>
 *   <li>its {@code treatment-allocation} may reference only an allocation of the subject's own
 *       study, drawn for the subject's own patient (else a subject of an open-label study could
 *       point at a masked study's allocation, and the endpoint report would show its arm);
 *   <li>a caller without the unblinded role may not add, re-point or remove it: only the server's
 *       own enrolment writes it.
 * </ul>
 *
 * The refusals name the rule, never the arm.
 */
@Component
@Interceptor
public class AllocationReferenceRule implements FhirInterceptor {

  private final DaoRegistry daos;
  private final SecurityProperties security;

  AllocationReferenceRule(DaoRegistry daos, SecurityProperties security) {
    this.daos = daos;
    this.security = security;
  }

  /**
   * Public: HAPI invokes hooks reflectively. Before validation: a blinded caller hears that it may
   * not touch the allocation, whatever else is wrong with the write.
   */
  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = -50)
  public void created(IBaseResource resource, RequestDetails request) {
    if (resource instanceof ResearchSubject subject) {
      check(List.of(), subject, request);
    }
  }

  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = -50)
  public void updated(
      IBaseResource oldResource, IBaseResource newResource, RequestDetails request) {
    if (newResource instanceof ResearchSubject after) {
      List<String> before =
          oldResource instanceof ResearchSubject old ? allocations(old) : List.<String>of();
      check(before, after, request);
    }
  }

  private void check(List<String> before, ResearchSubject subject, RequestDetails request) {
    List<String> after = allocations(subject);
    if (!(request instanceof SystemRequestDetails)
        && !before.equals(after)
        && !CurrentCaller.unblinded(security)) {
      throw new ForbiddenOperationException(
          "A ResearchSubject's treatment-allocation is written by the server when it enrols the"
              + " subject ($enroll); only an unblinded caller may change it");
    }
    if (after.size() > 1) {
      throw new UnprocessableEntityException(
          "A ResearchSubject has at most one treatment-allocation extension");
    }
    for (String reference : after) {
      if (!drawnFor(reference, subject)) {
        throw new UnprocessableEntityException(
            "The treatment-allocation of a ResearchSubject must reference the allocation the"
                + " server drew for the same patient in the same study; "
                + reference
                + " is not one");
      }
    }
  }

  private boolean drawnFor(String reference, ResearchSubject subject) {
    IdType id = new IdType(reference).toUnqualifiedVersionless();
    if (!"Basic".equals(id.getResourceType()) || !id.hasIdPart()) {
      return false;
    }
    Basic allocation;
    try {
      allocation = daos.getResourceDao(Basic.class).read(id, new SystemRequestDetails());
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return false;
    }
    Extension detail = allocation.getExtensionByUrl(Allocations.ALLOCATION_URL);
    if (detail == null || detail.getExtensionByUrl("study") == null) {
      return false;
    }
    return References.sameTarget(detail.getExtensionByUrl("study").getValue(), subject.getStudy())
        && References.sameTarget(allocation.getSubject(), subject.getIndividual());
  }

  private static List<String> allocations(ResearchSubject subject) {
    return subject.getExtensionsByUrl(Enrolment.ALLOCATION_EXTENSION).stream()
        .map(Extension::getValue)
        .map(
            v ->
                v instanceof Reference r && r.hasReference() ? r.getReference() : String.valueOf(v))
        .toList();
  }
}
