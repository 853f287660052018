package org.trialfhir.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.Set;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The audit trail, on unless {@code trialfhir.audit.enabled=false}. The interceptors are {@link
 * org.trialfhir.server.FhirInterceptor}s, so the server registers them on HAPI's shared interceptor
 * service with all the others.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
    prefix = "trialfhir.audit",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
class AuditConfig {

  /** Where BALP and our own events keep their entity references' versions (see AuditEventStore). */
  static final String VERSIONED_PATH = "AuditEvent.entity.what";

  @Bean
  AuditContextServices auditContextServices() {
    return new AuditContextServices();
  }

  @Bean
  AuditEventWriter auditEventWriter(
      FhirContext fhirContext,
      DaoRegistry daos,
      PlatformTransactionManager transactionManager,
      AuditProperties properties,
      MeterRegistry meters) {
    keepVersionsAt(fhirContext, VERSIONED_PATH);
    return new AuditEventWriter(
        new AuditEventStore(daos, transactionManager), properties.queueCapacity(), meters);
  }

  @Bean
  AuditCaptureInterceptor auditCaptureInterceptor(
      AuditEventWriter writer, AuditContextServices contextServices) {
    return new AuditCaptureInterceptor(writer, contextServices);
  }

  @Bean
  OperationAuditInterceptor operationAuditInterceptor(
      FhirContext fhirContext, AuditEventWriter writer, AuditContextServices contextServices) {
    return new OperationAuditInterceptor(
        new OperationAuditEvents(fhirContext, contextServices), writer);
  }

  @Bean
  AuditTrailGuard auditTrailGuard() {
    return new AuditTrailGuard();
  }

  /**
   * HAPI's R4 configuration already keeps versions in references at this path; made sure of here
   * because versioned references are what stop the trail from blocking deletes of what it names.
   */
  private static void keepVersionsAt(FhirContext fhirContext, String path) {
    Set<String> paths =
        new HashSet<>(fhirContext.getParserOptions().getDontStripVersionsFromReferencesAtPaths());
    if (paths.add(path)) {
      fhirContext.getParserOptions().setDontStripVersionsFromReferencesAtPaths(paths);
    }
  }
}
