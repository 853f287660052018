package org.trialfhir.server;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.rest.annotation.Metadata;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.hl7.fhir.instance.model.api.IBaseConformance;

/**
 * HAPI's JPA CapabilityStatement, without HAPI's own one-minute cache of it: that cache holds one
 * statement for every caller, so whoever asked first decided the {@code implementation.url} and
 * SMART endpoints every other base URL was told for a minute; and it rebuilds in a background
 * thread with the servlet request of whoever found it expired, which may have ended by then. {@link
 * CapabilityStatementCache} caches per variant instead.
 *
 * <p>Public, with a public method: HAPI binds and invokes it reflectively. HAPI scans the subclass
 * after its superclasses, so this binding (cacheMillis 0) is the one it keeps.
 */
public class PerRequestCapabilityStatementProvider extends JpaCapabilityStatementProvider {

  PerRequestCapabilityStatementProvider(
      RestfulServer server,
      IFhirSystemDao<?, ?> systemDao,
      JpaStorageSettings storageSettings,
      ISearchParamRegistry searchParamRegistry,
      IValidationSupport validationSupport) {
    super(server, systemDao, storageSettings, searchParamRegistry, validationSupport);
  }

  @Override
  @Metadata(cacheMillis = 0)
  public IBaseConformance getServerConformance(
      HttpServletRequest request, RequestDetails requestDetails) {
    return super.getServerConformance(request, requestDetails);
  }
}
