package org.trialfhir.subject;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirInterceptor;

/**
 * Only the server writes a record marked as its own ({@link ServerRecords}): a create or update
 * carrying the mark, or an update of a marked record (whose tag HAPI would carry over to the new
 * version), is refused unless it is the operation's own write, and such a record is not deleted. A
 * storage rule, so POST, PUT, PATCH, transactions and imports meet it.
 */
@Component
@Interceptor
public class ServerRecordGuard implements FhirInterceptor {

  /** Public: HAPI invokes hooks reflectively. */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    check(null, resource, request);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    check(previous, resource, request);
  }

  /** The record of what happened stays: no one deletes the server's records through the API. */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
  public void deleted(IBaseResource resource, RequestDetails request) {
    if (ServerRecords.marked(resource) && !ServerRecords.writing(request)) {
      throw new UnprocessableEntityException(
          "A record tagged "
              + ServerRecords.SYSTEM
              + "|"
              + ServerRecords.CODE
              + " is the server's record of an operation and is not deleted");
    }
  }

  static void check(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    if ((ServerRecords.marked(resource) || ServerRecords.marked(previous))
        && !ServerRecords.writing(request)) {
      throw new UnprocessableEntityException(
          "A record tagged "
              + ServerRecords.SYSTEM
              + "|"
              + ServerRecords.CODE
              + " is written by the server only, as the outcome of an operation"
              + " (ResearchStudy/[id]/$record-screening, $enroll): it cannot be created or changed"
              + " by a client");
    }
  }
}
