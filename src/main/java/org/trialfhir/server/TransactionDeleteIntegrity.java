package org.trialfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.springframework.stereotype.Component;

/**
 * A transaction that deletes a resource and, in the same Bundle, writes another that refers to it
 * would leave a dangling reference: HAPI checks references against what existed when the
 * transaction began, and deletes first. A plain DELETE of a referenced resource is a 409; so is
 * this. Checked just before commit (after the Bundle's deletes) and only in database transactions
 * that deleted something, so ordinary writes pay nothing.
 */
@Component
@Interceptor
public class TransactionDeleteIntegrity implements FhirInterceptor {

  private final DaoRegistry daos;
  private final FhirContext context;

  TransactionDeleteIntegrity(DaoRegistry daos, FhirContext context) {
    this.daos = daos;
    this.context = context;
  }

  /** Public: HAPI invokes hooks reflectively. */
  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource, TransactionDetails transaction) {
    check(resource, transaction);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(
      IBaseResource oldResource, IBaseResource newResource, TransactionDetails transaction) {
    check(newResource, transaction);
  }

  private void check(IBaseResource resource, TransactionDetails transaction) {
    if (transaction == null || transaction.getDeletedResourceIds().isEmpty()) {
      return;
    }
    for (var reference : context.newTerser().getAllResourceReferences(resource)) {
      IIdType target = reference.getResourceReference().getReferenceElement();
      if (target == null
          || !target.hasResourceType()
          || !target.hasIdPart()
          || target.isLocal()
          || target.isAbsolute()
          || !daos.isResourceTypeSupported(target.getResourceType())) {
        continue;
      }
      try {
        daos.getResourceDao(target.getResourceType())
            .read(target.toUnqualifiedVersionless(), new SystemRequestDetails());
      } catch (ResourceGoneException | ResourceNotFoundException e) {
        throw new ResourceVersionConflictException(
            "This transaction deletes "
                + target.toUnqualifiedVersionless().getValue()
                + " while "
                + resource.fhirType()
                + " ("
                + reference.getName()
                + ") refers to it: nothing was stored");
      }
    }
  }
}
