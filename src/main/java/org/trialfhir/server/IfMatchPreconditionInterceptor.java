package org.trialfhir.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * FHIR says a version-aware update whose {@code If-Match} names a stale version gets {@code 412
 * Precondition Failed}; HAPI answers {@code 409 Conflict}. Clients such as EHR interface engines
 * branch on the status code, so translate it, keeping HAPI's message.
 */
@Component
@Interceptor
public class IfMatchPreconditionInterceptor implements RestInterceptor {

  private static final Set<RestOperationTypeEnum> VERSION_AWARE_WRITES =
      Set.of(RestOperationTypeEnum.UPDATE, RestOperationTypeEnum.PATCH);

  /** Public: HAPI invokes hooks reflectively. */
  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException staleIfMatchIsAFailedPrecondition(
      RequestDetails request, Throwable exception) {
    if (exception instanceof ResourceVersionConflictException conflict
        && VERSION_AWARE_WRITES.contains(request.getRestOperationType())
        && request.getHeader(Constants.HEADER_IF_MATCH) != null) {
      PreconditionFailedException failed =
          new PreconditionFailedException(conflict.getMessage(), conflict.getOperationOutcome());
      failed.initCause(conflict);
      return failed;
    }
    return null; // leave every other exception as HAPI made it
  }
}
