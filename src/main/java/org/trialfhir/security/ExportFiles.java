package org.trialfhir.security;

import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleTester;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;

/**
 * Export output (Binary stamped with the asking client): {@code own} matches the caller's files,
 * otherwise another client's, which no scope may read, change or delete.
 */
record ExportFiles(String clientId, boolean own) implements IAuthRuleTester {

  @Override
  public boolean matches(RuleTestRequest request) {
    // Reads are decided on what would be shown; writes and deletes on the stored resource.
    return request.resource == null ? own : test(request.resource);
  }

  @Override
  public boolean matchesOutput(RuleTestRequest request) {
    return test(request.resource);
  }

  private boolean test(IBaseResource resource) {
    if (!(resource instanceof Binary binary)
        || !SmartAuthorizationInterceptor.EXPORT_CLIENT_SYSTEM.equals(
            binary.getSecurityContext().getIdentifier().getSystem())) {
      return false;
    }
    boolean mine =
        clientId != null && clientId.equals(binary.getSecurityContext().getIdentifier().getValue());
    return own == mine;
  }
}
