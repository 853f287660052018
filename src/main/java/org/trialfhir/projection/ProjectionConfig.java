package org.trialfhir.projection;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/** The projection's beans; its tables exist before the interceptor that writes them. */
@Configuration(proxyBeanMethods = false)
class ProjectionConfig {

  @Bean
  Projection projection(FhirContext fhirContext, DataSource dataSource) {
    ProjectionSchema.migrate(dataSource);
    return new Projection(fhirContext, Views.load(), new ProjectionTables(dataSource));
  }

  @Bean
  ProjectionInterceptor projectionInterceptor(Projection projection) {
    return new ProjectionInterceptor(projection);
  }

  @Bean
  ProjectionReads projectionReads(
      Projection projection,
      ProjectionRebuild rebuild,
      IInterceptorService storageHooks,
      ProjectionProperties properties) {
    return new ProjectionReads(
        projection.tables(), rebuild, new CallerRights(storageHooks), properties);
  }

  @Bean
  ProjectionRecords projectionRecords(
      Projection projection, ProjectionReads reads, IInterceptorService storageHooks) {
    return new ProjectionRecords(reads, projection.tables(), new CallerRights(storageHooks));
  }

  @Bean
  CodedRecords codedRecords(ProjectionReads reads, ProjectionRecords records) {
    return new CodedRecords(reads, records);
  }

  @Bean
  ProjectionRebuild projectionRebuild(
      Projection projection, DaoRegistry daos, PlatformTransactionManager transactions) {
    return new ProjectionRebuild(projection, daos, transactions);
  }
}
