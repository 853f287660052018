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
 * matching someone else's. The authorisation rules still check every resource returned.
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
    if (!properties.enabled() || request instanceof SystemRequestDetails) {
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
