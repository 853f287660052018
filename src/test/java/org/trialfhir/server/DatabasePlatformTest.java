package org.trialfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import org.junit.jupiter.api.Test;

class DatabasePlatformTest {

  @Test
  void recognisesH2AndPostgresqlFromTheUrl() {
    assertThat(DatabasePlatform.fromJdbcUrl("jdbc:h2:file:./data/trialfhir"))
        .isEqualTo(DatabasePlatform.H2);
    DatabasePlatform postgres = DatabasePlatform.fromJdbcUrl("jdbc:postgresql://db:5432/trialfhir");
    assertThat(postgres).isEqualTo(DatabasePlatform.POSTGRESQL);
    assertThat(postgres.migratorDriver()).isEqualTo(DriverTypeEnum.POSTGRES_9_4);
    assertThat(postgres.hibernateDialect()).endsWith("HapiFhirPostgresDialect");
  }

  @Test
  void refusesOtherDatabasesWithAClearMessage() {
    assertThatThrownBy(() -> DatabasePlatform.fromJdbcUrl("jdbc:mysql://db/trialfhir"))
        .hasMessageContaining("jdbc:mysql://db/trialfhir")
        .hasMessageContaining("PostgreSQL");
    assertThatThrownBy(() -> DatabasePlatform.fromJdbcUrl(""))
        .hasMessageContaining("spring.datasource.url");
  }
}
