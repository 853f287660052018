package org.trialfhir.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.stereotype.Component;

/**
 * Drops the cached CapabilityStatements ({@link CapabilityStatementCache}) when a SearchParameter
 * or StructureDefinition is created, updated or deleted here, once the write is committed. HAPI
 * refreshes its search parameter registry after the same commit, through a synchronisation its
 * SearchParameter DAO registers before these pre-commit hooks run; Spring runs synchronisations in
 * the order they were registered, so the registry is current when the copies go and the next
 * statement is built from the new set.
 */
@Component
@Interceptor
public class CapabilityStatementChanges implements FhirInterceptor {

  private final CapabilityStatementCache cache;

  CapabilityStatementChanges(CapabilityStatementCache cache) {
    this.cache = cache;
  }

  /** Public: HAPI calls hooks reflectively. */
  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    changed(resource, "created");
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    changed(resource, "updated");
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    changed(resource, "deleted");
  }

  private void changed(IBaseResource resource, String how) {
    if (resource == null || !CapabilityStatementCache.WATCHED.contains(resource.fhirType())) {
      return;
    }
    String why = resource.fhirType() + " " + how;
    AfterCommit.run(() -> cache.invalidate(why));
  }
}
