package org.trialfhir.screen;

import ca.uhn.fhir.batch2.api.JobExecutionFailedException;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.model.api.IModelJson;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.function.Function;
import org.trialfhir.screen.ScreenModels.Parameters;
import org.trialfhir.security.JobCallerRequests;

/**
 * A screening step's reads, made as the caller who started the screening (see {@link
 * JobCallerRequests}). A read that caller may not make fails the whole screening at once, with the
 * reason: no result is reported from a population part of which could not be read, since a patient
 * judged without the data that decides them would get a wrong verdict, and leaving them out would
 * show who was out of reach.
 */
final class CallerSteps {

  private final JobCallerRequests callers;

  CallerSteps(JobCallerRequests callers) {
    this.callers = callers;
  }

  <T> T run(
      StepExecutionDetails<Parameters, ? extends IModelJson> details,
      String step,
      Function<RequestDetails, T> work) {
    Parameters parameters = details.getParameters();
    try {
      return callers.call(
          parameters.caller(),
          parameters.serverBase(),
          "ResearchStudy/" + parameters.study() + "/$screen",
          "screen-" + details.getInstance().getInstanceId() + "-" + step,
          work);
    } catch (ForbiddenOperationException | AuthenticationException e) {
      throw new Refused(e.getMessage(), e);
    }
  }

  /** The screening cannot be done for its caller: fails the job without retries. */
  static final class Refused extends JobExecutionFailedException {

    /** Begins the job's error message, so that its status can answer 403 rather than 500. */
    static final String PREFIX = "Refused for the caller who started the screening: ";

    Refused(String reason, Throwable cause) {
      super(PREFIX + reason, cause);
    }

    /** Batch2 stores this as the job's error message: the reason, not a class name. */
    @Override
    public String toString() {
      return getMessage();
    }
  }
}
