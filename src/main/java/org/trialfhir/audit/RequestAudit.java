package org.trialfhir.audit;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * What the audit trail keeps about one client request while it runs, in the request's user data. A
 * batch or transaction Bundle's entries get sub-request details that share their parent's user
 * data, and HAPI runs a batch's GET entries on a thread pool: so the caller is remembered here, on
 * the request thread, rather than looked up in Spring Security's thread-bound context, and the
 * collections are safe for several threads.
 */
final class RequestAudit {

  private static final String KEY = RequestAudit.class.getName();

  private final Authentication caller;
  private final List<String> pending = new ArrayList<>();

  private RequestAudit(Authentication caller) {
    this.caller = caller;
  }

  /**
   * Created when the request starts being handled (on the thread Spring Security authenticated);
   * also on first use if that hook did not run, e.g. when called outside the REST server.
   */
  static RequestAudit of(RequestDetails request) {
    Map<Object, Object> userData = request.getUserData();
    Object existing = userData.get(KEY);
    if (existing instanceof RequestAudit audit) {
      return audit;
    }
    synchronized (userData) {
      return (RequestAudit)
          userData.computeIfAbsent(
              KEY, key -> new RequestAudit(SecurityContextHolder.getContext().getAuthentication()));
    }
  }

  /** The authentication of the request's caller, whichever thread asks; null if none. */
  Authentication caller() {
    return caller;
  }

  /** An AuditEvent (FHIR JSON) to be made durable before the response goes out. */
  synchronized void addPending(String event) {
    pending.add(event);
  }

  /** The pending events, now the caller's to store. */
  synchronized List<String> takePending() {
    List<String> taken = new ArrayList<>(pending);
    pending.clear();
    return taken;
  }
}
