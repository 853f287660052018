package org.trialfhir.security;

import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.HashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.trialfhir.audit.AuditCaptureInterceptor;

/**
 * Runs work that a request queued (a Batch2 step) as that request's caller, so that the caller's
 * authorisation rules, blinding and audit apply to every resource it reads, as they do to the
 * caller's own requests and operations:
 *
 * <ul>
 *   <li>the {@link JobCaller} kept with the job becomes the thread's authentication for the length
 *       of the work (what every rule asks through {@link Caller#current}), and the thread's own is
 *       put back afterwards;
 *   <li>the work gets request details bound to the RestfulServer ({@link JobRequestDetails}), which
 *       it passes to every DAO call: their storage hooks then fire on the REST registry too. The
 *       request is a search ({@code SEARCH_TYPE}): every resource shown to the work must be one the
 *       caller's read rules allow (an operation type would let the operation's own rule answer for
 *       all of them), and BALP records a query per patient whose data was read, naming the client
 *       and the user;
 *   <li>those AuditEvents are committed before the work's result is handed on; if they cannot be,
 *       the work fails.
 * </ul>
 *
 * A read the caller may not make is a {@link ForbiddenOperationException} out of the work, as it
 * would be a 403 for the caller. With security off the work runs as the server.
 */
@Component
public class JobCallerRequests {

  private final SecurityProperties properties;
  private final ObjectProvider<RestfulServer> server;
  private final ObjectProvider<AuditCaptureInterceptor> audit;
  private volatile RestfulServer unpaged;

  JobCallerRequests(
      SecurityProperties properties,
      ObjectProvider<RestfulServer> server,
      ObjectProvider<AuditCaptureInterceptor> audit) {
    this.properties = properties;
    this.server = server;
    this.audit = audit;
  }

  /**
   * Runs {@code work} as {@code caller}.
   *
   * @param serverBase the FHIR base the caller used (for the audit's records)
   * @param path what the work does, as a request path (e.g. {@code ResearchStudy/x/$screen})
   * @param requestId names this piece of work in the audit's records (e.g. job and step)
   */
  public <T> T call(
      JobCaller caller,
      String serverBase,
      String path,
      String requestId,
      Function<RequestDetails, T> work) {
    if (!properties.enabled()) {
      return work.apply(new SystemRequestDetails());
    }
    if (caller == null) {
      // Queued without a caller (security was off, or by an older version): nobody to act for.
      throw new ForbiddenOperationException(
          "This work records no caller to act for; start it again to have it done as its caller");
    }
    JobRequestDetails request = new JobRequestDetails(unpaged());
    request.setRestOperationType(RestOperationTypeEnum.SEARCH_TYPE);
    request.setRequestType(RequestTypeEnum.GET);
    request.setFhirServerBase(serverBase == null ? "" : serverBase);
    request.setRequestPath(path);
    request.setCompleteUrl(request.getFhirServerBase() + "/" + path);
    request.setParameters(new HashMap<>());
    request.setRequestId(requestId);

    return as(
        caller,
        requestId,
        () -> {
          T result;
          try {
            result = work.apply(request);
          } catch (RuntimeException e) {
            // What was read before the failure is recorded too (logged if that fails as well).
            audit.ifAvailable(a -> a.completed(request));
            throw e;
          }
          // The reads' AuditEvents are durable before the result goes anywhere; else the work
          // fails.
          audit.ifAvailable(a -> a.beforeResponse(request));
          return result;
        });
  }

  /**
   * Runs {@code work} with {@code caller} as the thread's authentication (what every rule asks
   * through {@link Caller#current}), for work that makes its own request details (bulk import's
   * writes, audited per chunk rather than per resource). With security off it runs as is.
   */
  public <T> T as(JobCaller caller, String requestId, Supplier<T> work) {
    if (!properties.enabled()) {
      return work.get();
    }
    if (caller == null) {
      throw new ForbiddenOperationException(
          "This work records no caller to act for; start it again to have it done as its caller");
    }
    SecurityContext previous = SecurityContextHolder.getContext();
    SecurityContext acting = SecurityContextHolder.createEmptyContext();
    acting.setAuthentication(caller.authentication(properties, "job:" + requestId));
    SecurityContextHolder.setContext(acting);
    try {
      return work.get();
    } finally {
      SecurityContextHolder.setContext(previous);
    }
  }

  /**
   * The REST server's FHIR context and interceptor registry without its paging: HAPI gives a search
   * made with a request of a server that pages the server's default page size as its count, and the
   * work's searches (synchronous, all at once) would stop at the first page.
   */
  private RestfulServer unpaged() {
    RestfulServer made = unpaged;
    if (made == null) {
      RestfulServer rest = server.getObject();
      made = new RestfulServer(rest.getFhirContext(), rest.getInterceptorService());
      unpaged = made;
    }
    return made;
  }
}
