package org.trialfhir.server;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import java.util.Arrays;

/**
 * The databases trialfhir supports, recognised from the JDBC URL so that plain {@code
 * SPRING_DATASOURCE_URL} is enough to switch between them: no second setting can disagree with it.
 */
enum DatabasePlatform {
  H2("jdbc:h2:", DriverTypeEnum.H2_EMBEDDED, HapiFhirH2Dialect.class.getName()),
  POSTGRESQL(
      "jdbc:postgresql:", DriverTypeEnum.POSTGRES_9_4, HapiFhirPostgresDialect.class.getName());

  private final String urlPrefix;
  private final DriverTypeEnum migratorDriver;
  private final String hibernateDialect;

  DatabasePlatform(String urlPrefix, DriverTypeEnum migratorDriver, String hibernateDialect) {
    this.urlPrefix = urlPrefix;
    this.migratorDriver = migratorDriver;
    this.hibernateDialect = hibernateDialect;
  }

  static DatabasePlatform fromJdbcUrl(String jdbcUrl) {
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      throw new IllegalStateException("spring.datasource.url is not set");
    }
    return Arrays.stream(values())
        .filter(platform -> jdbcUrl.startsWith(platform.urlPrefix))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "Unsupported database URL '"
                        + jdbcUrl
                        + "': trialfhir runs on H2 (jdbc:h2:) or PostgreSQL (jdbc:postgresql:)"));
  }

  DriverTypeEnum migratorDriver() {
    return migratorDriver;
  }

  String hibernateDialect() {
    return hibernateDialect;
  }
}
