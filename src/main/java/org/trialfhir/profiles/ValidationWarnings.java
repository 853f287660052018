package org.trialfhir.profiles;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.springframework.stereotype.Component;
import org.trialfhir.server.RestInterceptor;

/**
 * {@code trialfhir.validation.mode: warn}: the problems found in writes that were stored anyway go
 * back to the client in an OperationOutcome: the response's own OperationOutcome (a write sent with
 * {@code Prefer: return=OperationOutcome}), or {@code Bundle.entry.response.outcome} of the entry
 * that wrote the resource in a batch or transaction. A REST-side interceptor: the storage hook
 * {@link WriteValidationInterceptor} records the problems in the request, this adds them to the
 * response.
 */
@Interceptor
@Component
public final class ValidationWarnings implements RestInterceptor {

  private static final String KEY = ValidationWarnings.class.getName();

  /** Keeps a write's problems for the response; {@code request} may be null (no response). */
  @SuppressWarnings("unchecked")
  static void record(RequestDetails request, IBaseResource resource, OperationOutcome problems) {
    if (request == null) {
      return;
    }
    Map<String, List<OperationOutcomeIssueComponent>> byResource =
        (Map<String, List<OperationOutcomeIssueComponent>>)
            request.getUserData().computeIfAbsent(KEY, k -> new LinkedHashMap<>());
    byResource
        .computeIfAbsent(
            key(resource.getIdElement().getValue(), resource.fhirType()), k -> new ArrayList<>())
        .addAll(problems.getIssue());
  }

  @SuppressWarnings("unchecked")
  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public boolean addToResponse(RequestDetails request, ResponseDetails response) {
    Object recorded = request == null ? null : request.getUserData().remove(KEY);
    if (!(recorded instanceof Map<?, ?> map) || map.isEmpty()) {
      return true;
    }
    Map<String, List<OperationOutcomeIssueComponent>> byResource =
        (Map<String, List<OperationOutcomeIssueComponent>>) map;
    IBaseResource body = response.getResponseResource();
    if (body instanceof OperationOutcome outcome) {
      byResource.values().forEach(issues -> issues.forEach(outcome::addIssue));
    } else if (body instanceof Bundle bundle
        && (bundle.getType() == Bundle.BundleType.TRANSACTIONRESPONSE
            || bundle.getType() == Bundle.BundleType.BATCHRESPONSE)) {
      for (BundleEntryComponent entry : bundle.getEntry()) {
        if (!entry.hasResponse() || !entry.getResponse().hasLocation()) {
          continue;
        }
        List<OperationOutcomeIssueComponent> issues =
            byResource.get(key(entry.getResponse().getLocation(), null));
        if (issues != null) {
          OperationOutcome outcome =
              entry.getResponse().getOutcome() instanceof OperationOutcome existing
                  ? existing
                  : new OperationOutcome();
          issues.forEach(outcome::addIssue);
          entry.getResponse().setOutcome(outcome);
        }
      }
    }
    return true;
  }

  /** Type/id, without base or version. */
  private static String key(String id, String type) {
    IdType parsed = new IdType(id == null ? "" : id);
    String resourceType = parsed.hasResourceType() ? parsed.getResourceType() : type;
    return resourceType + "/" + parsed.getIdPart();
  }
}
