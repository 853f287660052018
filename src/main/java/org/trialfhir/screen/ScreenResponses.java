package org.trialfhir.screen;

import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.springframework.stereotype.Component;

/** The HTTP side of the asynchronous pattern: 202 and where to poll, progress, results. */
@Component
class ScreenResponses {

  private final FhirContext fhir;

  ScreenResponses(FhirContext fhir) {
    this.fhir = fhir;
  }

  void accepted(ServletRequestDetails request, String job) throws IOException {
    HttpServletResponse response = request.getServletResponse();
    response.setHeader(
        Constants.HEADER_CONTENT_LOCATION,
        request.getFhirServerBase() + "/$screen-status?job=" + job);
    write(request, 202, outcome(IssueSeverity.INFORMATION, "Screening started: job " + job));
  }

  void cancelled(ServletRequestDetails request, String job) throws IOException {
    write(
        request,
        202,
        outcome(IssueSeverity.INFORMATION, "Screening " + job + " is being cancelled"));
  }

  void status(ServletRequestDetails request, Screenings.Status status) throws IOException {
    HttpServletResponse response = request.getServletResponse();
    ServletRequestDetails to = request;
    if (status.state() == StatusEnum.COMPLETED && status.report() != null) {
      write(to, 200, Screenings.toFhir(status.report()));
    } else if (status.state() == StatusEnum.CANCELLED) {
      write(to, 404, outcome(IssueSeverity.ERROR, "The screening was cancelled"));
    } else if (status.state() == StatusEnum.FAILED && refused(status.message())) {
      // Its steps read as its caller, who may not read all it needs: a 403, with the reason.
      OperationOutcome refused =
          outcome(IssueSeverity.ERROR, "Screening failed: " + status.message());
      refused.getIssueFirstRep().setCode(IssueType.FORBIDDEN);
      write(to, 403, refused);
    } else if (status.state() == StatusEnum.FAILED) {
      // FHIR asynchronous pattern: a job that failed is reported with a 5xx and its reason.
      write(to, 500, outcome(IssueSeverity.ERROR, "Screening failed: " + status.message()));
    } else {
      String progress =
          String.format(Locale.ROOT, "%.0f%% (%s)", status.progress() * 100, status.state());
      response.setHeader("X-Progress", progress);
      response.setHeader(Constants.HEADER_RETRY_AFTER, "2");
      write(to, 202, outcome(IssueSeverity.INFORMATION, "In progress: " + progress));
    }
  }

  private static boolean refused(String message) {
    return message != null && message.contains(CallerSteps.Refused.PREFIX);
  }

  private static OperationOutcome outcome(IssueSeverity severity, String text) {
    OperationOutcome outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(severity).setCode(IssueType.INFORMATIONAL).setDiagnostics(text);
    if (severity == IssueSeverity.ERROR) {
      outcome.getIssueFirstRep().setCode(IssueType.PROCESSING);
    }
    return outcome;
  }

  /** In the format the client asked for (_format or Accept), JSON by default, as HAPI answers. */
  private void write(ServletRequestDetails request, int status, IBaseResource body)
      throws IOException {
    HttpServletResponse response = request.getServletResponse();
    EncodingEnum encoding =
        RestfulServerUtils.determineResponseEncodingWithDefault(request).getEncoding();
    response.setStatus(status);
    response.setContentType(encoding.getResourceContentTypeNonLegacy());
    response.setCharacterEncoding("UTF-8");
    encoding.newParser(fhir).encodeResourceToWriter(body, response.getWriter());
  }
}
