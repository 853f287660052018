package org.trialfhir.bulkimport;

import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;

/**
 * {@code $import} (FHIR Bulk Data import, as HAPI's {@code BulkDataImportProvider} takes it: a
 * Parameters body with {@code inputFormat} and {@code input} parts of {@code type} and {@code url})
 * and its status endpoint: 202 with Content-Location to poll, 202 with X-Progress while it runs,
 * 200 with the report when done, DELETE to cancel.
 */
@Component
class ImportOperationProvider implements FhirProvider {

  private static final Logger LOG = LoggerFactory.getLogger(ImportOperationProvider.class);

  static final String STATUS = "$import-poll-status";
  static final String JOB_ID = "_jobId";

  private final BulkImports imports;
  private final FhirContext fhir;

  ImportOperationProvider(BulkImports imports, FhirContext fhir) {
    this.imports = imports;
    this.fhir = fhir;
  }

  @Operation(name = "$import", manualResponse = true, idempotent = false)
  @Description(
      "Imports NDJSON files (this server's Binary resources, or URLs under"
          + " trialfhir.bulk-import.allowed-sources) asynchronously, as the caller: send"
          + " 'Prefer: respond-async'; the answer is 202 with Content-Location to poll")
  public void importFiles(@ResourceParam Parameters body, ServletRequestDetails request)
      throws IOException {
    String prefer = request.getHeader(Constants.HEADER_PREFER);
    if (prefer == null || !prefer.contains(Constants.HEADER_PREFER_RESPOND_ASYNC)) {
      throw new InvalidRequestException(
          "$import runs asynchronously: send 'Prefer: respond-async'");
    }
    String job = imports.start(body, request);
    HttpServletResponse response = request.getServletResponse();
    String poll = request.getFhirServerBase() + "/" + STATUS + "?" + JOB_ID + "=" + job;
    response.setHeader(Constants.HEADER_CONTENT_LOCATION, poll);
    write(
        request,
        202,
        outcome(IssueSeverity.INFORMATION, IssueType.INFORMATIONAL, "Import started: job " + job));
  }

  @Operation(name = STATUS, manualResponse = true, idempotent = true, deleteEnabled = true)
  @Description(
      "Status of an import: 202 with X-Progress while it runs, 200 with the report (what was"
          + " stored, and per file an OperationOutcome of what was refused) when done; DELETE"
          + " cancels it")
  public void status(
      @Description("The job id from $import's Content-Location")
          @OperationParam(name = JOB_ID, min = 1, max = 1)
          StringType job,
      ServletRequestDetails request)
      throws IOException {
    if (request.getRequestType() == RequestTypeEnum.DELETE) {
      imports.cancel(job.getValue());
      write(
          request,
          202,
          outcome(
              IssueSeverity.INFORMATION,
              IssueType.INFORMATIONAL,
              "Import " + job.getValue() + " is being cancelled; chunks already stored stay"));
      return;
    }
    BulkImports.Status status = imports.status(job.getValue());
    if (status.state() == StatusEnum.COMPLETED && status.report() != null) {
      write(request, 200, ImportReport.toFhir(status.report()));
    } else if (status.state() == StatusEnum.CANCELLED) {
      write(
          request,
          404,
          outcome(IssueSeverity.ERROR, IssueType.NOTFOUND, "The import was cancelled"));
    } else if (status.state() == StatusEnum.FAILED
        && status.message() != null
        && status.message().startsWith(StoreChunks.REFUSED)) {
      write(
          request,
          403,
          outcome(
              IssueSeverity.ERROR,
              IssueType.FORBIDDEN,
              "Import failed: the server could not act for the caller who asked for the import"));
    } else if (status.state() == StatusEnum.FAILED) {
      // FHIR asynchronous pattern: a job that failed is reported with a 5xx. The job's own error
      // message may hold SQL or other internals: it is in the server's log, not in the answer.
      LOG.warn("Import {} failed: {}", job.getValue(), status.message());
      write(
          request,
          500,
          outcome(
              IssueSeverity.ERROR,
              IssueType.EXCEPTION,
              "Import failed; the server's log has the reason under this import's job id"));
    } else {
      String progress =
          String.format(Locale.ROOT, "%.0f%% (%s)", status.progress() * 100, status.state());
      request.getServletResponse().setHeader("X-Progress", progress);
      request.getServletResponse().setHeader(Constants.HEADER_RETRY_AFTER, "2");
      write(
          request,
          202,
          outcome(IssueSeverity.INFORMATION, IssueType.INFORMATIONAL, "In progress: " + progress));
    }
  }

  private static OperationOutcome outcome(IssueSeverity severity, IssueType type, String text) {
    OperationOutcome outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(severity).setCode(type).setDiagnostics(text);
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
