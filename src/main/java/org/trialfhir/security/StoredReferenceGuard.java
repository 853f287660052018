package org.trialfhir.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirInterceptor;

/**
 * The match URLs ({@code Patient?identifier=...}) in a resource about to be stored for a caller
 * follow {@link JoinGuard}'s rule, whatever brought them there: the request body is checked before
 * the request is handled, but a JSON Patch or FHIRPath Patch (alone or in a Bundle) builds the
 * resource on the server from a body that is not one, and a 200 or a 412 would then answer whether
 * a patient the caller may not read has that identifier. Runs before HAPI resolves the match URLs
 * and on the JPA registry, so every write made with a caller's request details is covered: REST,
 * transaction entries, operations and importers that write as their caller.
 */
@Component
@Interceptor
class StoredReferenceGuard implements FhirInterceptor {

  private final SecurityProperties properties;
  private final FhirContext fhir;
  private final ISearchParamRegistry searchParams;

  StoredReferenceGuard(
      SecurityProperties properties, FhirContext fhir, @Lazy ISearchParamRegistry searchParams) {
    this.properties = properties;
    this.fhir = fhir;
    this.searchParams = searchParams;
  }

  /** Public: HAPI invokes hooks reflectively. */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(RequestDetails request, IBaseResource resource) {
    check(request, resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(
      RequestDetails request, IBaseResource oldResource, IBaseResource newResource) {
    check(request, newResource);
  }

  private void check(RequestDetails request, IBaseResource resource) {
    if (!properties.enabled()
        || SmartAuthorizationInterceptor.internal(request)
        || resource == null) {
      return;
    }
    new JoinGuard(properties, Caller.current(properties), new Joins(fhir, searchParams))
        .checkReferences(fhir, resource);
  }
}
