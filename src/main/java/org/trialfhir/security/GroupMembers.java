package org.trialfhir.security;

import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleTester;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Group;

/**
 * Tells a definitional Group (eligibility criteria: {@code actual=false}, characteristics, no
 * members), which is public, from a Group that lists people (a candidate list, a cohort), which is
 * patient data. A Group that says nothing about {@code actual} counts as one with members.
 */
enum GroupMembers implements IAuthRuleTester {
  /** Matches definitional Groups; on the way in (a search, a read not yet done) it lets through. */
  DEFINITIONAL {
    @Override
    public boolean matches(RuleTestRequest request) {
      return request.resource == null || definitional(request.resource);
    }

    @Override
    public boolean matchesOutput(RuleTestRequest request) {
      return definitional(request.resource);
    }
  },
  /** Matches Groups with members, once they are there to look at. */
  WITH_MEMBERS {
    @Override
    public boolean matches(RuleTestRequest request) {
      return request.resource != null && !definitional(request.resource);
    }

    @Override
    public boolean matchesOutput(RuleTestRequest request) {
      return !definitional(request.resource);
    }
  };

  static boolean definitional(IBaseResource resource) {
    return resource instanceof Group group
        && group.hasActualElement()
        && group.getActualElement().getValue() != null
        && !group.getActual()
        && !group.hasMember();
  }
}
