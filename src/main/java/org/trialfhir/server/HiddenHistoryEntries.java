package org.trialfhir.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.springframework.stereotype.Component;

/**
 * A history page with an entry that the consent rules hid (blinding hides treatment allocations by
 * setting the entry to null, see security/BlindingInterceptor) makes HAPI's history binding fail
 * with a NullPointerException, a 500: unlike search, it does not skip hidden entries. Runs after
 * the consent hook and answers as a read would instead: the history of a hidden resource is 404
 * (the resource "is not known", as its read says), and a type or system history page that contains
 * hidden entries is refused (403) rather than shown with holes.
 */
@Component
@Interceptor
public class HiddenHistoryEntries implements RestInterceptor {

  /** Public: HAPI invokes hooks reflectively. After blinding (order -100) hid what it hides. */
  @Hook(value = Pointcut.STORAGE_PRESHOW_RESOURCES, order = 1000)
  public void refuseHistoryWithHiddenEntries(
      RequestDetails request, IPreResourceShowDetails details) {
    RestOperationTypeEnum operation = request == null ? null : request.getRestOperationType();
    if (operation != RestOperationTypeEnum.HISTORY_INSTANCE
        && operation != RestOperationTypeEnum.HISTORY_TYPE
        && operation != RestOperationTypeEnum.HISTORY_SYSTEM) {
      return;
    }
    int hidden = 0;
    for (int i = 0; i < details.size(); i++) {
      if (details.getResource(i) == null) {
        hidden++;
      }
    }
    if (hidden == 0) {
      return;
    }
    if (operation == RestOperationTypeEnum.HISTORY_INSTANCE) {
      throw new ResourceNotFoundException(request.getId().toUnqualifiedVersionless());
    }
    throw new ForbiddenOperationException(
        "This history page includes resources that are hidden from this caller; ask for the"
            + " history of the resources you may read");
  }
}
