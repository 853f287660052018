package org.trialfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.HashMap;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.springframework.stereotype.Component;
import org.trialfhir.server.RestInterceptor;

/**
 * Keeps Groups with members (patient data) away from callers that may not read Groups, while
 * definitional Groups (eligibility criteria) stay public: their Group searches find definitional
 * Groups only ({@code actual=false} is added, so Bundle.total counts nothing else, in batches too),
 * and a Group with members that another request brings along ({@code _include}, {@code
 * _revinclude}, {@code $everything}) is left out of the answer. Reading such a Group, or its
 * history, is refused by the authorisation rules ({@link GroupMembers}).
 */
@Component
@Interceptor
class GroupPrivacy implements RestInterceptor {

  private static final String GROUP = "Group";

  private final SecurityProperties properties;

  GroupPrivacy(SecurityProperties properties) {
    this.properties = properties;
  }

  private boolean restricted(RequestDetails request) {
    return properties.enabled()
        && !SmartAuthorizationInterceptor.internal(request)
        && !Caller.current(properties).readsAllOf(GROUP);
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public void narrowSearch(RequestDetails request) {
    if (request.getRestOperationType() == RestOperationTypeEnum.SEARCH_TYPE
        && GROUP.equals(request.getResourceName())
        && restricted(request)) {
      Map<String, String[]> parameters = new HashMap<>(request.getParameters());
      parameters.put("actual", new String[] {"false"});
      request.setParameters(parameters);
    }
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void narrowBundleSearches(RequestDetails request) {
    if (!(request.getResource() instanceof Bundle bundle)
        || (bundle.getType() != Bundle.BundleType.BATCH
            && bundle.getType() != Bundle.BundleType.TRANSACTION)
        || !restricted(request)) {
      return;
    }
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      Bundle.BundleEntryRequestComponent call = entry.getRequest();
      String url = call.getUrl();
      if (call.getMethod() == Bundle.HTTPVerb.GET && url != null && searchesGroups(url)) {
        call.setUrl(url + (url.contains("?") ? "&" : "?") + "actual=false");
      }
    }
  }

  private static boolean searchesGroups(String url) {
    String path = url.startsWith("/") ? url.substring(1) : url;
    int question = path.indexOf('?');
    String resource = question < 0 ? path : path.substring(0, question);
    return resource.equalsIgnoreCase(GROUP) || resource.equalsIgnoreCase(GROUP + "/_search");
  }

  /** Before the authorisation rules look at what is shown (their hook has order 0). */
  @Hook(value = Pointcut.STORAGE_PRESHOW_RESOURCES, order = -100)
  public void leaveOutGroupsWithMembers(RequestDetails request, IPreResourceShowDetails details) {
    if (request == null || GROUP.equals(request.getResourceName()) || !restricted(request)) {
      return; // a Group read, search or history is judged by the rules: refused, not emptied
    }
    for (int i = 0; i < details.size(); i++) {
      IBaseResource resource = details.getResource(i);
      if (resource instanceof Group && !GroupMembers.definitional(resource)) {
        details.setResource(i, null);
      }
    }
  }
}
