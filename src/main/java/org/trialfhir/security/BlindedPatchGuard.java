package org.trialfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.springframework.stereotype.Component;
import org.trialfhir.server.RestInterceptor;

/**
 * A PATCH is applied to the stored ResearchSubject, arms and all, before any storage rule sees the
 * result: its {@code test} operation answers whether the arm is a given value, and {@code copy}
 * moves the arm into an element that is shown. So a caller without the unblinded role may not PATCH
 * a ResearchSubject, alone or inside a batch or transaction; it may PUT the subject as it was shown
 * (the arms are kept, see {@link BlindedWritesInterceptor}).
 */
@Component
@Interceptor
public class BlindedPatchGuard implements RestInterceptor {

  private static final String SUBJECT = "ResearchSubject";

  private final SecurityProperties properties;

  BlindedPatchGuard(SecurityProperties properties) {
    this.properties = properties;
  }

  /** Public: HAPI invokes hooks reflectively. Before anything is applied. */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void refuseBlindedSubjectPatches(RequestDetails request) {
    if (!properties.enabled() || CurrentCaller.unblinded(properties)) {
      return;
    }
    boolean patchesSubject =
        request.getRestOperationType() == RestOperationTypeEnum.PATCH
                && SUBJECT.equals(request.getResourceName())
            || request.getResource() instanceof Bundle bundle
                && bundle.getEntry().stream()
                    .anyMatch(
                        e ->
                            e.getRequest().getMethod() == HTTPVerb.PATCH
                                && e.getRequest().hasUrl()
                                && e.getRequest()
                                    .getUrl()
                                    .replaceFirst("^/", "")
                                    .startsWith(SUBJECT));
    if (patchesSubject) {
      throw new ForbiddenOperationException(
          "Only an unblinded caller may PATCH a ResearchSubject (a patch reads the stored arm);"
              + " PUT the subject as it was shown instead");
    }
  }
}
