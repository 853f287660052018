package org.trialfhir.server;

import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.openapi.OpenApiInterceptor;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.LoggingInterceptor;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The FHIR REST endpoint: HAPI's {@link RestfulServer} as a servlet, with all providers. */
@Configuration(proxyBeanMethods = false)
class RestfulServerConfig {

  static final String SOFTWARE_NAME = "trialfhir";

  @Bean
  RestfulServer restfulServer(
      IFhirSystemDao<?, ?> systemDao,
      JpaSystemProvider<?, ?> systemProvider,
      ResourceProviderFactory resourceProviders,
      ValueSetOperationProvider valueSetOperations,
      BulkDataExportProvider bulkExport,
      ObjectProvider<FhirProvider> ownProviders,
      ObjectProvider<RestInterceptor> restInterceptors,
      DatabaseBackedPagingProvider pagingProvider,
      FhirServerProperties properties) {
    // An EHR must hear about an element we do not understand, not have it silently dropped.
    systemDao.getContext().setParserErrorHandler(new StrictErrorHandler());
    RestfulServer server = new RestfulServer(systemDao.getContext());
    // The RestfulServer keeps its own interceptor registry (HAPI's default): REST interceptors go
    // there, storage rules on the JPA registry (see RestInterceptor and FhirInterceptor).
    restInterceptors.orderedStream().forEach(server::registerInterceptor);
    server.registerProviders(resourceProviders.createProviders());
    server.registerProvider(systemProvider);
    server.registerProvider(valueSetOperations);
    // FHIR Bulk Data $export: the registries' de-identified channel (export/).
    server.registerProvider(bulkExport);
    ownProviders.orderedStream().forEach(server::registerProvider);
    server.setPagingProvider(pagingProvider);
    server.setDefaultResponseEncoding(EncodingEnum.valueOf(properties.defaultEncoding()));
    server.setServerAddressStrategy(
        properties.publicBaseUrl().isBlank()
            ? new IncomingRequestAddressStrategy()
            : new HardcodedServerAddressStrategy(properties.publicBaseUrl()));
    server.registerInterceptor(new ResponseHighlighterInterceptor());
    // OpenAPI 3 at /fhir/api-docs and a browsable Swagger UI at /fhir/swagger-ui/ (bundled assets).
    server.registerInterceptor(new OpenApiInterceptor());
    server.registerInterceptor(accessLog());
    return server;
  }

  /** Names this software in the CapabilityStatement and lets HAPI describe what JPA supports. */
  @Bean
  InitializingBean capabilityStatement(
      RestfulServer server,
      IFhirSystemDao<?, ?> systemDao,
      JpaStorageSettings storageSettings,
      ISearchParamRegistry searchParamRegistry,
      IValidationSupport validationSupport,
      ObjectProvider<BuildProperties> buildProperties) {
    return () -> {
      server.setServerName(SOFTWARE_NAME);
      server.setServerVersion(
          buildProperties.stream().map(BuildProperties::getVersion).findFirst().orElse("dev"));
      // Built per request; CapabilityStatementCache keeps the serialised copies.
      JpaCapabilityStatementProvider provider =
          new PerRequestCapabilityStatementProvider(
              server, systemDao, storageSettings, searchParamRegistry, validationSupport);
      provider.setImplementationDescription("trialfhir: FHIR R4 server for clinical trials");
      server.setServerConformanceProvider(provider);
    };
  }

  /** Registers every {@link FhirInterceptor} bean on HAPI's JPA (storage) interceptor registry. */
  @Bean
  InitializingBean fhirInterceptors(
      IInterceptorService interceptorService, ObjectProvider<FhirInterceptor> interceptors) {
    return () -> interceptors.orderedStream().forEach(interceptorService::registerInterceptor);
  }

  /**
   * The RestfulServer is looked up when Tomcat initialises the servlet, not when Spring collects
   * servlet registrations (see {@link DeferredFhirServlet}).
   */
  @Bean
  ServletRegistrationBean<DeferredFhirServlet> fhirServlet(
      ObjectProvider<RestfulServer> server, FhirServerProperties properties) {
    ServletRegistrationBean<DeferredFhirServlet> registration =
        new ServletRegistrationBean<>(new DeferredFhirServlet(server), properties.path() + "/*");
    registration.setName("fhir");
    registration.setLoadOnStartup(1);
    return registration;
  }

  private static LoggingInterceptor accessLog() {
    LoggingInterceptor log = new LoggingInterceptor();
    log.setLoggerName("org.trialfhir.access");
    log.setMessageFormat(
        "${requestVerb} ${requestUrl} ${operationType} ${idOrResourceName}"
            + " ${processingTimeMillis}ms request-id=${requestId}");
    log.setErrorMessageFormat(
        "ERROR ${requestVerb} ${requestUrl} request-id=${requestId} ${exceptionMessage}");
    log.setLogExceptions(true);
    return log;
  }
}
