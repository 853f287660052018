package org.trialfhir.server;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.stereotype.Component;

/**
 * Spring Security's firewall refuses requests HAPI must never see (TRACE and other unknown methods,
 * encoded '.', ';' or '%' in the path, control characters in a header); Spring Security picks this
 * bean up to answer them. Its default is an empty 400; this writes an OperationOutcome, with 405
 * for a method no FHIR interaction uses.
 */
@Component
class OutcomeRequestRejectedHandler implements RequestRejectedHandler {

  /** The methods FHIR uses, and the ones browsers send for CORS and for the page. */
  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, RequestRejectedException rejected)
      throws IOException {
    if (response.isCommitted()) {
      return;
    }
    String method = request.getMethod();
    if (!KNOWN_METHODS.contains(method)) {
      response.setHeader("Allow", String.join(", ", KNOWN_METHODS));
      OutcomeBodies.write(
          request,
          response,
          405,
          OutcomeBodies.issueType(405),
          "HTTP method " + printable(method) + " is not supported by this server");
      return;
    }
    OutcomeBodies.write(
        request, response, 400, OutcomeBodies.issueType(400), printable(rejected.getMessage()));
  }

  /** The firewall's message quotes the offending input: keep control characters out of it. */
  private static String printable(String text) {
    return text == null ? "The request was rejected" : text.replaceAll("\\p{Cntrl}", "?");
  }
}
