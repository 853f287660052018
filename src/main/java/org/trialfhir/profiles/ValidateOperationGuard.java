package org.trialfhir.profiles;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.trialfhir.server.RestInterceptor;

/**
 * {@code $validate} answers every input with an OperationOutcome: when HAPI's validator itself
 * fails on a resource (it has, on signed Bundles, MeasureReports and value sets it cannot expand),
 * the client gets 422 saying the resource could not be validated and why, instead of a 500. A
 * REST-side interceptor.
 */
@Interceptor
@Component
public final class ValidateOperationGuard implements RestInterceptor {

  private static final Logger log = LoggerFactory.getLogger(ValidateOperationGuard.class);

  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException validatorFailure(RequestDetails request, Throwable failure) {
    if (request == null || !"$validate".equals(request.getOperation())) {
      return null;
    }
    if (failure instanceof BaseServerResponseException known
        && !(known instanceof InternalErrorException)) {
      return null;
    }
    Throwable root = ExceptionUtils.getRootCause(failure);
    if (root == null) {
      root = failure;
    }
    log.warn("$validate failed inside the validator", failure);
    String message =
        "The validator could not check this resource ("
            + root.getClass().getSimpleName()
            + (root.getMessage() == null ? "" : ": " + root.getMessage())
            + ")";
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(IssueSeverity.ERROR)
        .setCode(IssueType.EXCEPTION)
        .setDiagnostics(message);
    return new UnprocessableEntityException(message, outcome);
  }
}
