package org.trialfhir.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditEventSink;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trialfhir.server.RestInterceptor;

/**
 * An AuditEvent for every FHIR operation a client calls, whether it succeeds or fails, with the
 * HTTP status: BALP records only reads, searches and writes, and the writes an operation makes are
 * the server's own (not audited as the user's). Also records refused attempts to change the audit
 * trail itself. Server hooks, so they see only REST requests.
 *
 * <p>An operation's event is recorded (committed to the outbox, see {@link AuditOutbox}) before its
 * response is sent, so an operation a client was told succeeded is in the trail even if the server
 * dies a moment later; if that fails, the client gets an error instead. Operations whose response
 * HAPI sends without the outgoing-response hook (binary streams) are recorded when they complete,
 * and failures when they are handled; a failure to record those is logged.
 */
@Interceptor
public class OperationAuditInterceptor implements RestInterceptor {

  private static final Logger log = LoggerFactory.getLogger(OperationAuditInterceptor.class);
  private static final String RECORDED = OperationAuditInterceptor.class.getName() + ".recorded";
  private final OperationAuditEvents events;
  private final IBalpAuditEventSink sink;

  OperationAuditInterceptor(OperationAuditEvents events, IBalpAuditEventSink sink) {
    this.events = events;
    this.sink = sink;
  }

  /**
   * Records the operation with what it answered (the patients it concerns are entities of its
   * event) before the answer is sent; a failure to record it fails the request.
   */
  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public boolean beforeResponse(ServletRequestDetails request, ResponseDetails response) {
    if (request != null && OperationAuditEvents.isOperation(request.getRestOperationType())) {
      int status =
          response == null || response.getResponseCode() == 0 ? 200 : response.getResponseCode();
      AuditEvent event;
      try {
        event =
            events.build(
                request, status, null, response == null ? null : response.getResponseResource());
      } catch (RuntimeException e) {
        log.error(
            "No AuditEvent built for {} (request-id={})",
            request.getCompleteUrl(),
            request.getRequestId(),
            e);
        return true;
      }
      sink.recordAuditEvent(event);
      request.getUserData().put(RECORDED, Boolean.TRUE);
    }
    return true;
  }

  @Hook(Pointcut.SERVER_PROCESSING_COMPLETED_NORMALLY)
  public void completed(ServletRequestDetails request) {
    if (request != null
        && OperationAuditEvents.isOperation(request.getRestOperationType())
        && request.getUserData().get(RECORDED) == null) {
      int status =
          request.getServletResponse() == null ? 200 : request.getServletResponse().getStatus();
      record(request, status, null, null);
    }
  }

  /**
   * Every failed request leaves an event too (BALP records successes only): a refused read (401,
   * 403), a read of a patient that is not there (404), a rejected write (400, 409, 412, 422), a
   * failed operation, an attempt to change the trail. Only conformance reads are left out.
   */
  @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
  public boolean failed(ServletRequestDetails request, BaseServerResponseException exception) {
    if (request != null
        && request.getRestOperationType() != null
        && request.getRestOperationType() != RestOperationTypeEnum.METADATA) {
      record(request, exception.getStatusCode(), exception.getMessage(), null);
    }
    return true; // HAPI goes on to answer with the OperationOutcome as usual
  }

  private void record(
      ServletRequestDetails request, int status, String failure, IBaseResource response) {
    try {
      sink.recordAuditEvent(events.build(request, status, failure, response));
    } catch (RuntimeException e) {
      log.error(
          "No AuditEvent recorded for {} {} (request-id={})",
          request.getRequestType(),
          request.getCompleteUrl(),
          request.getRequestId(),
          e);
    }
  }
}
