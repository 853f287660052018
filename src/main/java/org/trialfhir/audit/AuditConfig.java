package org.trialfhir.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManagerFactory;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.transaction.PlatformTransactionManager;
import org.trialfhir.server.VersionedReferences;

/**
 * The audit trail, on unless {@code trialfhir.audit.enabled=false}: BALP capture and our operation
 * events record into the outbox ({@link AuditOutbox}) and a relay ({@link AuditOutboxRelay}) stores
 * them as AuditEvent resources. The interceptors are {@link org.trialfhir.server.FhirInterceptor}s,
 * so the server registers them with all the others.
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

  /** The outbox table exists before any interceptor that writes to it is created. */
  @Bean
  AuditOutboxTable auditOutboxTable(DataSource dataSource) {
    AuditOutboxSchema.migrate(dataSource);
    return new AuditOutboxTable(dataSource);
  }

  @Bean
  AuditOutbox auditOutbox(
      FhirContext fhirContext, AuditOutboxTable table, PlatformTransactionManager transactions) {
    VersionedReferences.keep(fhirContext, VERSIONED_PATH);
    return new AuditOutbox(fhirContext, table, transactions);
  }

  @Bean
  AuditOutboxRelay auditOutboxRelay(
      FhirContext fhirContext,
      AuditOutboxTable table,
      DaoRegistry daos,
      PlatformTransactionManager transactions,
      EntityManagerFactory entityManagers,
      AuditProperties properties,
      MeterRegistry meters) {
    VersionedReferences.keep(fhirContext, VERSIONED_PATH);
    AuditEventStore store =
        new AuditEventStore(
            daos, SharedEntityManagerCreator.createSharedEntityManager(entityManagers));
    return new AuditOutboxRelay(fhirContext, table, store, transactions, properties, meters);
  }

  @Bean
  AuditCaptureInterceptor auditCaptureInterceptor(
      AuditOutbox outbox, AuditContextServices contextServices) {
    return new AuditCaptureInterceptor(outbox, contextServices, outbox::flush);
  }

  @Bean
  OperationAuditInterceptor operationAuditInterceptor(
      FhirContext fhirContext, AuditOutbox outbox, AuditContextServices contextServices) {
    return new OperationAuditInterceptor(
        new OperationAuditEvents(fhirContext, contextServices), outbox);
  }

  @Bean
  AuditTrailGuard auditTrailGuard() {
    return new AuditTrailGuard();
  }
}
