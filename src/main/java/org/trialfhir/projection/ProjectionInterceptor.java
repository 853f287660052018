package org.trialfhir.projection;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.trialfhir.server.FhirInterceptor;

/**
 * Keeps the projection in step with every write: a storage interceptor, so it sees REST writes,
 * transaction entries, operations, importers and Batch2 jobs alike, and it runs just before the
 * write's database transaction commits, on the same connection. A created or updated resource's
 * rows are replaced by what its view computes now; a deleted one's are removed. A write that rolls
 * back takes its rows with it, so the projection always equals what the views compute from the
 * stored resources.
 */
@Interceptor
public class ProjectionInterceptor implements FhirInterceptor {

  private final Projection projection;

  ProjectionInterceptor(Projection projection) {
    this.projection = projection;
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    projection.store(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    projection.store(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    projection.remove(resource);
  }
}
