package org.trialfhir.projection;

import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor.Verdict;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.trialfhir.security.SmartAuthorizationInterceptor;

/**
 * The caller's right to be shown what a fact of the projection comes from, decided by the same
 * rules as a read of the resource (issue #16's rule): {@link SmartAuthorizationInterceptor}'s, for
 * the request the facts are read for, asked about a resource that carries what those rules look at
 * (type, id, the patient it is about, the patient's organisation). A fact the caller may not see is
 * a 403, as the read of its resource would be: nothing is answered from it.
 */
class CallerRights {

  private final SmartAuthorizationInterceptor authorization;

  CallerRights(SmartAuthorizationInterceptor authorization) {
    this.authorization = authorization;
  }

  void requireShown(RequestDetails request, IBaseResource resource) {
    RestOperationTypeEnum operation =
        request.getRestOperationType() != null
            ? request.getRestOperationType()
            : RestOperationTypeEnum.SEARCH_TYPE;
    Verdict verdict =
        authorization.applyRulesAndReturnDecision(
            operation, request, null, null, resource, Pointcut.STORAGE_PRESHOW_RESOURCES);
    if (verdict == null || verdict.getDecision() != PolicyEnum.ALLOW) {
      throw new ForbiddenOperationException(
          "Access denied by the caller's rules: " + resource.getIdElement().getValue());
    }
  }
}
