package org.trialfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.Constants;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

/**
 * Writes an error as a FHIR OperationOutcome where HAPI is not in charge of the response: requests
 * that Tomcat or Spring refuse before they reach the FHIR servlet (a bad path, an oversized header,
 * TRACE, a path nothing serves). FHIR clients parse an OperationOutcome on every 4xx; they cannot
 * parse Tomcat's HTML page or Spring's {@code {"timestamp":...}} body.
 */
public final class OutcomeBodies {

  /** HAPI's parsers are thread-safe and this one needs no server configuration. */
  private static final FhirContext FHIR = FhirContext.forR4Cached();

  private static final Pattern FORMAT = Pattern.compile("(?:^|&)_format=([^&]*)");

  private OutcomeBodies() {}

  /** XML when the client asked for XML (Accept or {@code _format}); JSON otherwise. */
  static boolean wantsXml(HttpServletRequest request) {
    // From the raw query: parsing parameters could read a form body, or be what was refused.
    String query = request.getQueryString();
    Matcher format = query == null ? null : FORMAT.matcher(query);
    String wanted =
        format != null && format.find()
            ? format.group(1)
            : request.getHeader(Constants.HEADER_ACCEPT);
    if (wanted == null) {
      return false;
    }
    String lower = wanted.toLowerCase(Locale.ROOT);
    return lower.contains("xml") && !lower.contains("json");
  }

  static OperationOutcome outcome(IssueType code, String diagnostics) {
    OperationOutcome outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(IssueSeverity.ERROR).setCode(code).setDiagnostics(diagnostics);
    return outcome;
  }

  static String encode(OperationOutcome outcome, boolean xml) {
    return xml
        ? FHIR.newXmlParser().encodeResourceToString(outcome)
        : FHIR.newJsonParser().encodeResourceToString(outcome);
  }

  /** Sets status and content type and writes the outcome; the response must not be committed. */
  public static void write(
      HttpServletRequest request,
      HttpServletResponse response,
      int status,
      IssueType code,
      String diagnostics)
      throws IOException {
    boolean xml = wantsXml(request);
    byte[] body = encode(outcome(code, diagnostics), xml).getBytes(StandardCharsets.UTF_8);
    response.resetBuffer();
    response.setStatus(status);
    response.setContentType(
        (xml ? Constants.CT_FHIR_XML_NEW : Constants.CT_FHIR_JSON_NEW) + ";charset=UTF-8");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    response.flushBuffer();
  }

  /** The FHIR issue type that best names an HTTP error status. */
  static IssueType issueType(int status) {
    return switch (status) {
      case 401 -> IssueType.LOGIN;
      case 403 -> IssueType.FORBIDDEN;
      case 404, 410 -> IssueType.NOTFOUND;
      case 405, 501 -> IssueType.NOTSUPPORTED;
      case 413, 414, 431 -> IssueType.TOOCOSTLY;
      case 415, 406 -> IssueType.NOTSUPPORTED;
      case 409, 412 -> IssueType.CONFLICT;
      default -> status >= 500 ? IssueType.EXCEPTION : IssueType.INVALID;
    };
  }
}
