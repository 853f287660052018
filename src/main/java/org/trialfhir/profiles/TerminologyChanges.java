package org.trialfhir.profiles;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.stereotype.Component;
import org.trialfhir.server.AfterCommit;
import org.trialfhir.server.FhirInterceptor;

/**
 * A changed ValueSet, CodeSystem or ConceptMap is what the next evaluation uses: HAPI's validation
 * support chain keeps what it fetched for minutes, and a site that adds its local lab codes to its
 * own ValueSet must not have eligibility judge by the old one meanwhile. The caches are dropped
 * once the change is committed (dropped earlier, a read in between could cache the old version
 * again).
 */
@Component
@Interceptor
class TerminologyChanges implements FhirInterceptor {

  private final IValidationSupport validationSupport;

  TerminologyChanges(IValidationSupport validationSupport) {
    this.validationSupport = validationSupport;
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    changed(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    changed(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    changed(resource);
  }

  private void changed(IBaseResource resource) {
    if (!(resource instanceof ValueSet
        || resource instanceof CodeSystem
        || resource instanceof ConceptMap)) {
      return;
    }
    AfterCommit.run(validationSupport::invalidateCaches);
  }
}
