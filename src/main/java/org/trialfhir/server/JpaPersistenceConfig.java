package org.trialfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * HAPI's persistence unit on the Spring Boot data source. The schema is migrated before the entity
 * manager factory exists, and Hibernate never alters it.
 */
@Configuration(proxyBeanMethods = false)
class JpaPersistenceConfig {

  @Bean
  DatabasePlatform databasePlatform(DataSourceProperties dataSourceProperties) {
    return DatabasePlatform.fromJdbcUrl(dataSourceProperties.determineUrl());
  }

  @Primary
  @Bean
  LocalContainerEntityManagerFactoryBean entityManagerFactory(
      DataSource dataSource,
      DatabasePlatform platform,
      DatabaseProperties databaseProperties,
      ConfigurableListableBeanFactory beanFactory,
      FhirContext fhirContext,
      JpaStorageSettings storageSettings) {
    if (databaseProperties.migrateOnStart()) {
      SchemaMigration.migrate(dataSource, platform);
    }
    LocalContainerEntityManagerFactoryBean factory =
        HapiEntityManagerFactoryUtil.newEntityManagerFactory(
            beanFactory, fhirContext, storageSettings);
    factory.setPersistenceUnitName("HAPI_PU");
    factory.setDataSource(dataSource);
    factory.setJpaProperties(hibernateProperties(platform));
    return factory;
  }

  @Primary
  @Bean
  JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
    return new JpaTransactionManager(entityManagerFactory);
  }

  private static Properties hibernateProperties(DatabasePlatform platform) {
    Properties properties = new Properties();
    properties.put("hibernate.dialect", platform.hibernateDialect());
    properties.put("hibernate.hbm2ddl.auto", "none");
    // Full-text indexing would need Lucene or Elasticsearch; plain SQL search serves our queries.
    properties.put("hibernate.search.enabled", "false");
    properties.put("hibernate.jdbc.batch_size", "30");
    properties.put("hibernate.order_inserts", "true");
    properties.put("hibernate.order_updates", "true");
    properties.put("hibernate.cache.use_query_cache", "false");
    properties.put("hibernate.cache.use_second_level_cache", "false");
    properties.put("hibernate.cache.use_structured_entries", "false");
    properties.put("hibernate.cache.use_minimal_puts", "false");
    properties.put("hibernate.format_sql", "false");
    properties.put("hibernate.show_sql", "false");
    return properties;
  }
}
