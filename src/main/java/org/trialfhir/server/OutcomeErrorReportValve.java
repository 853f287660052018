package org.trialfhir.server;

import jakarta.servlet.RequestDispatcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Tomcat's error report for requests it refuses before any servlet sees them (an encoded {@code /}
 * or NUL in the path, a path climbing above the root, a request line or header beyond {@code
 * server.max-http-request-header-size}): an OperationOutcome instead of Tomcat's HTML page.
 *
 * <p>Tomcat reports an oversized request line or header block as a plain 400; it is answered as
 * {@code 431 Request Header Fields Too Large} (RFC 6585), or {@code 414 URI Too Long} when the
 * request line alone is over the limit, so that a client knows to shorten the request rather than
 * fix its syntax.
 */
class OutcomeErrorReportValve extends ErrorReportValve {

  private final int maxHeaderBytes;

  OutcomeErrorReportValve(int maxHeaderBytes) {
    this.maxHeaderBytes = maxHeaderBytes;
  }

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    // As Tomcat's own valve: only errors, only once, only while the body can still be written.
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    AtomicBoolean ioAllowed = new AtomicBoolean(true);
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return;
    }
    Throwable cause =
        throwable != null
            ? throwable
            : (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
    String diagnostics;
    if (status == 400 && tooLarge(cause)) {
      status = requestLineTooLong(request) ? 414 : 431;
      diagnostics =
          (status == 414 ? "The request URL" : "The request's header fields")
              + " exceed the server's limit of "
              + maxHeaderBytes
              + " bytes";
      response.setStatus(status);
    } else {
      diagnostics = describe(status, response.getMessage(), cause);
    }
    try {
      boolean xml = OutcomeBodies.wantsXml(request);
      response.setContentType(
          (xml ? "application/fhir+xml" : "application/fhir+json") + ";charset=UTF-8");
      response.setCharacterEncoding("UTF-8");
      PrintWriter writer = response.getReporter();
      if (writer != null) {
        writer.write(
            OutcomeBodies.encode(
                OutcomeBodies.outcome(OutcomeBodies.issueType(status), diagnostics), xml));
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // the client is gone or the response cannot take a body: nothing more to tell anyone
    }
  }

  private static boolean tooLarge(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null && message.contains("too large")) {
        return true;
      }
    }
    return false;
  }

  /** True when the request line alone (method, URL, protocol) is over the limit. */
  private boolean requestLineTooLong(Request request) {
    String uri = request.getRequestURI();
    String query = request.getQueryString();
    long length = (uri == null ? 0 : uri.length()) + (query == null ? 0 : query.length() + 1);
    return length == 0 || length >= maxHeaderBytes / 2;
  }

  /** Tomcat's own reason ("Invalid URI", ...) names the problem; exception text is not shown. */
  private static String describe(int status, String message, Throwable cause) {
    String reason = message == null || message.isBlank() ? null : message;
    if (reason == null && cause != null && status < 500) {
      reason = cause.getClass().getSimpleName();
    }
    return "HTTP "
        + status
        + (reason == null ? "" : " " + reason)
        + (status < 500
            ? ": the request was refused before it reached the FHIR server (check the URL: no"
                + " encoded '/', NUL, CR or LF, no '..' above the base)"
            : "");
  }
}
