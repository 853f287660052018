package org.trialfhir.security;

import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;
import org.springframework.stereotype.Component;
import org.trialfhir.server.RestInterceptor;

/**
 * A caller whose only data access is patient-level sees searches narrowed to its patient's
 * compartment ({@code Observation?code=x} means its own Observations), instead of a 403 for
 * matching someone else's. The authorisation rules still check every resource returned, and its
 * joins (_has, chains) are refused, not narrowed: see JoinGuard.
 */
@Component
@Interceptor
public class PatientSearchNarrowing extends SearchNarrowingInterceptor implements RestInterceptor {

  private final SecurityProperties properties;

  PatientSearchNarrowing(SecurityProperties properties) {
    this.properties = properties;
  }

  @Override
  protected AuthorizedList buildAuthorizedList(RequestDetails request) {
    if (!properties.enabled()
        || request instanceof SystemRequestDetails
        || "Group".equals(request.getResourceName())) {
      // Its Group searches find the public, definitional Groups only (GroupPrivacy), none of which
      // has members: narrowing them to Groups listing its patient would find nothing.
      return null;
    }
    Caller caller = Caller.current(properties);
    boolean patientOnly =
        caller.patient() != null
            && !caller.scopes().isEmpty()
            && caller.scopes().stream().allMatch(s -> s.context().equals("patient"));
    return patientOnly ? new AuthorizedList().addCompartment("Patient/" + caller.patient()) : null;
  }
}
