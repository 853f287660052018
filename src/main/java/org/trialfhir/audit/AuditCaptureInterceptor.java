package org.trialfhir.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.storage.interceptor.balp.BalpAuditCaptureInterceptor;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditContextServices;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditEventSink;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trialfhir.server.RestInterceptor;

/**
 * HAPI's IHE Basic Audit Log Patterns capture: an AuditEvent for every read, vread, search, create,
 * update, patch and delete a client makes, with the patient(s) concerned as entities. Added here:
 * history, which BALP leaves out, and three limits BALP does not have.
 *
 * <p>Events go to the {@link AuditOutbox}: a write's in the write's own database transaction, a
 * read's before its response is sent (the hooks below that hand them over are server hooks, so this
 * class belongs on the REST server's interceptor registry, which also runs its storage hooks for
 * every DAO call made with the client's request details).
 *
 * <ul>
 *   <li>Only client requests are audited. Reads and writes the server makes itself ({@code
 *       SystemRequestDetails}: an operation's own lookups, importers, the audit writer) are not
 *       recorded as if a user made them; the operation itself is (see {@link
 *       OperationAuditInterceptor}). BALP's hooks would fail on them anyway: they take a {@code
 *       ServletRequestDetails}, which HAPI passes as null for such requests.
 *   <li>AuditEvents are never audited, so storing or reading the trail cannot feed itself.
 *   <li>A failure to build an event is logged and the request goes on. A failure to record it (the
 *       outbox insert) fails the request: a write is rolled back, a read answers an error instead
 *       of the data. No access without its audit record.
 *   <li>The caller is taken when the request starts being handled, on the request's own thread (see
 *       {@link RequestAudit}): a batch Bundle's GET entries run on HAPI's thread pool, where Spring
 *       Security's context is empty, and were audited as {@code anonymous}.
 * </ul>
 */
@Interceptor
public class AuditCaptureInterceptor extends BalpAuditCaptureInterceptor
    implements RestInterceptor {

  private static final Logger log = LoggerFactory.getLogger(AuditCaptureInterceptor.class);
  private static final String AUDIT_EVENT = "AuditEvent";
  private static final Set<RestOperationTypeEnum> HISTORY =
      EnumSet.of(
          RestOperationTypeEnum.HISTORY_INSTANCE,
          RestOperationTypeEnum.HISTORY_TYPE,
          RestOperationTypeEnum.HISTORY_SYSTEM);

  /*
   * BALP's read/search hook is package-private and its search handler private, so they can be
   * neither overridden nor called directly. HAPI registers one hook per method signature, the
   * subclass's first, so the public method of the same signature below replaces BALP's hook and
   * calls BALP's code reflectively. Resolved once: a HAPI upgrade that changes them fails start-up
   * here instead of silently auditing nothing.
   */
  private static final Method BALP_SHOW = balpMethod("hookStoragePreShowResources");
  private static final Method BALP_SEARCH = balpMethod("handleSearch");

  /** The resource whose create or update BALP is building an event for, on this thread. */
  private static final ThreadLocal<IBaseResource> WRITING = new ThreadLocal<>();

  private final Consumer<RequestDetails> flush;

  /**
   * @param sink where events go ({@link AuditOutbox#recordAuditEvent})
   * @param flush makes a request's waiting read events durable ({@link AuditOutbox#flush})
   */
  AuditCaptureInterceptor(
      IBalpAuditEventSink sink,
      IBalpAuditContextServices contextServices,
      Consumer<RequestDetails> flush) {
    // BALP hands each write's event to the sink synchronously, inside the hook below that set
    // WRITING: that write's late entry (LateEntryAudit) is said in its event on the way.
    super(
        event -> {
          LateEntryAudit.ofWrite(event, WRITING.get());
          sink.recordAuditEvent(event);
        },
        contextServices);
    this.flush = flush;
  }

  /** Remembers the caller while still on the thread Spring Security authenticated. */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void incoming(RequestDetails request) {
    if (request != null) {
      RequestAudit.of(request);
    }
  }

  /** The request's read events are committed before the response goes out. */
  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public boolean beforeResponse(RequestDetails request) {
    if (request != null) {
      flush.accept(request);
    }
    return true;
  }

  /**
   * Whatever is still waiting when the request ends (a response HAPI sends without the hook above):
   * recorded late rather than not at all.
   */
  @Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
  public void completed(RequestDetails request) {
    if (request == null) {
      return;
    }
    try {
      flush.accept(request);
    } catch (RuntimeException e) {
      log.error(
          "AuditEvents of {} {} (request-id={}) not recorded",
          request.getRequestType(),
          request.getCompleteUrl(),
          request.getRequestId(),
          e);
    }
  }

  /** Reads, searches and (as a query) history; replaces BALP's hook of the same signature. */
  @Hook(Pointcut.STORAGE_PRESHOW_RESOURCES)
  public void hookStoragePreShowResources(
      IPreResourceShowDetails details, ServletRequestDetails request) {
    if (request == null || AUDIT_EVENT.equals(request.getResourceName())) {
      return;
    }
    Method capture = HISTORY.contains(request.getRestOperationType()) ? BALP_SEARCH : BALP_SHOW;
    guarded(request, () -> invoke(capture, details, request));
  }

  @Override
  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void hookStoragePrecommitResourceCreated(
      IBaseResource resource, ServletRequestDetails request) {
    if (audited(resource, request)) {
      guarded(
          request,
          () ->
              writing(
                  resource, () -> super.hookStoragePrecommitResourceCreated(resource, request)));
    }
  }

  @Override
  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void hookStoragePrecommitResourceUpdated(
      IBaseResource oldResource, IBaseResource newResource, ServletRequestDetails request) {
    if (audited(newResource, request)) {
      guarded(
          request,
          () ->
              writing(
                  newResource,
                  () ->
                      super.hookStoragePrecommitResourceUpdated(
                          oldResource, newResource, request)));
    }
  }

  @Override
  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void hookStoragePrecommitResourceDeleted(
      IBaseResource resource, ServletRequestDetails request) {
    if (audited(resource, request)) {
      guarded(request, () -> super.hookStoragePrecommitResourceDeleted(resource, request));
    }
  }

  private static void writing(IBaseResource resource, Runnable capture) {
    WRITING.set(resource);
    try {
      capture.run();
    } finally {
      WRITING.remove();
    }
  }

  /** A client's request (HAPI passes null for the server's own) about anything but the trail. */
  private static boolean audited(IBaseResource resource, ServletRequestDetails request) {
    return request != null && resource != null && !AUDIT_EVENT.equals(resource.fhirType());
  }

  private static void guarded(ServletRequestDetails request, Runnable capture) {
    try {
      AuditOutbox.capturing(
          request,
          () -> {
            capture.run();
            return null;
          });
    } catch (AuditOutbox.AuditNotRecordedException e) {
      throw e;
    } catch (RuntimeException e) {
      log.error(
          "No AuditEvent recorded for {} {} (request-id={}); the request itself goes on",
          request.getRequestType(),
          request.getCompleteUrl(),
          request.getRequestId(),
          e);
    }
  }

  private void invoke(Method method, IPreResourceShowDetails details, ServletRequestDetails req) {
    try {
      method.invoke(this, details, req);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException runtime
          ? runtime
          : new IllegalStateException(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Method balpMethod(String name) {
    try {
      Method method =
          BalpAuditCaptureInterceptor.class.getDeclaredMethod(
              name, IPreResourceShowDetails.class, ServletRequestDetails.class);
      method.setAccessible(true);
      return method;
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(
          "HAPI's BalpAuditCaptureInterceptor has no "
              + name
              + "(IPreResourceShowDetails, ServletRequestDetails); check AuditCaptureInterceptor"
              + " against this HAPI version",
          e);
    }
  }
}
