package org.trialfhir.projection;

import ca.uhn.fhir.interceptor.api.HookParams;
import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SimplePreResourceShowDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.rest.server.util.CompositeInterceptorBroadcaster;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Shows what facts of the projection come from to the caller exactly as a search shows the
 * resources: through the {@code STORAGE_PRESHOW_RESOURCES} hooks of the JPA registry and of the
 * request's own (HAPI's searches call the same pair), with a resource that carries what those hooks
 * look at (type, id, the patient it is about, the patient's organisation). So the caller's
 * authorisation rules judge each one (a resource the caller may not read is a 403, issue #16's
 * rule, as for the search), blinding may withhold it, and the audit trail records the query per
 * patient, as for the resources.
 */
class CallerRights {

  private final IInterceptorBroadcaster storageHooks;

  CallerRights(IInterceptorBroadcaster storageHooks) {
    this.storageHooks = storageHooks;
  }

  /**
   * Which of these the caller is shown: the same list, with null where a hook withheld one. A
   * resource the caller may not read throws {@code ForbiddenOperationException}.
   */
  List<IBaseResource> show(RequestDetails request, List<? extends IBaseResource> resources) {
    SimplePreResourceShowDetails details = new SimplePreResourceShowDetails(resources);
    HookParams params =
        new HookParams()
            .add(IPreResourceShowDetails.class, details)
            .add(RequestDetails.class, request)
            .addIfMatchesType(ServletRequestDetails.class, request);
    CompositeInterceptorBroadcaster.newCompositeBroadcaster(storageHooks, request)
        .callHooks(Pointcut.STORAGE_PRESHOW_RESOURCES, params);
    List<IBaseResource> shown = new ArrayList<>(details.size());
    for (int i = 0; i < details.size(); i++) {
      shown.add(details.getResource(i));
    }
    return shown;
  }
}
