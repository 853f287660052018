package org.trialfhir.screen;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.io.IOException;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;
import org.trialfhir.server.OperationDates;

/** {@code $screen} (FHIR asynchronous request pattern) and its status endpoint. */
@Component
public class ScreenOperationProvider implements FhirProvider {

  private final Screenings screenings;
  private final ScreenResponses responses;

  ScreenOperationProvider(Screenings screenings, ScreenResponses responses) {
    this.screenings = screenings;
    this.responses = responses;
  }

  @Operation(
      name = "$screen",
      type = ResearchStudy.class,
      manualResponse = true,
      idempotent = true,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchStudy-screen")
  @Description(
      "Screens every patient (or a Group's) against the study, asynchronously: send"
          + " 'Prefer: respond-async'; the answer is 202 with Content-Location to poll")
  public void screen(
      @IdParam IdType study,
      @Description("A Group of candidate patients; all patients when absent")
          @OperationParam(name = "group", max = 1)
          Reference group,
      @Description("Reference date of the evaluation (default: today)")
          @OperationParam(name = "date", max = 1)
          DateType date,
      @Description(
              "A preview: a proposed eligibility Group screened in place of the study's, nothing"
                  + " stored (POST)")
          @OperationParam(name = "eligibility", max = 1)
          Group eligibility,
      ServletRequestDetails request)
      throws IOException {
    String prefer = request.getHeader(Constants.HEADER_PREFER);
    if (prefer == null || !prefer.contains(Constants.HEADER_PREFER_RESPOND_ASYNC)) {
      throw new InvalidRequestException(
          "$screen runs asynchronously over the population: send 'Prefer: respond-async'");
    }
    String job =
        screenings.start(study, group, eligibility, OperationDates.dayOrToday(date), request);
    responses.accepted(request, job);
  }

  @Operation(
      name = "$screen-status",
      manualResponse = true,
      idempotent = true,
      deleteEnabled = true)
  @Description(
      "Status of a screening: 202 with X-Progress while it runs, 200 with the results when done;"
          + " DELETE cancels it")
  public void status(
      @Description("The job id from $screen's Content-Location")
          @OperationParam(name = "job", min = 1, max = 1)
          StringType job,
      ServletRequestDetails request)
      throws IOException {
    if (request.getRequestType() == RequestTypeEnum.DELETE) {
      screenings.cancel(job.getValue());
      responses.cancelled(request, job.getValue());
    } else {
      responses.status(request, screenings.status(job.getValue()));
    }
  }
}
