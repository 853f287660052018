package org.trialfhir.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.trialfhir.server.FhirInterceptor;

/**
 * The audit trail is append-only: an AuditEvent is never updated, patched or deleted (405), and
 * only the server records one (403 for anyone else, including a transaction entry). Storage hooks,
 * so REST calls, transactions and in-process code all obey; reading is left to the security rules.
 */
@Interceptor
public class AuditTrailGuard implements FhirInterceptor {

  static final String CREATE_REFUSED =
      "Audit trail is append-only: AuditEvents are recorded by the server itself and cannot be"
          + " created through the API";
  static final String CHANGE_REFUSED = "Audit trail is append-only: an AuditEvent can never be %s";

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    if (isAuditEvent(resource) && !(request instanceof SystemRequestDetails)) {
      throw new ForbiddenOperationException(CREATE_REFUSED);
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource oldResource, IBaseResource newResource) {
    if (isAuditEvent(oldResource) || isAuditEvent(newResource)) {
      throw refused("updated or patched");
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    if (isAuditEvent(resource)) {
      throw refused("deleted");
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_EXPUNGE_RESOURCE)
  public void expunged(IBaseResource resource) {
    if (isAuditEvent(resource)) {
      throw refused("expunged");
    }
  }

  private static MethodNotAllowedException refused(String what) {
    // Allow: what a client may still do with an AuditEvent.
    return new MethodNotAllowedException(
        CHANGE_REFUSED.formatted(what), RequestTypeEnum.GET, RequestTypeEnum.HEAD);
  }

  private static boolean isAuditEvent(IBaseResource resource) {
    return resource != null && "AuditEvent".equals(resource.fhirType());
  }
}
