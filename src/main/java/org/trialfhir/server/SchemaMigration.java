package org.trialfhir.server;

import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.util.VersionEnum;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or upgrades the HAPI schema with HAPI's own migrator (the same task list as {@code
 * hapi-fhir-cli migrate-database}), never with Hibernate's {@code hbm2ddl}. The migrator records
 * what it ran in its own table and takes a database lock, so several instances starting together
 * against one PostgreSQL do not race.
 */
final class SchemaMigration {

  static final String MIGRATION_TABLE = "FLY_HFJ_MIGRATION";
  private static final Logger log = LoggerFactory.getLogger(SchemaMigration.class);

  private SchemaMigration() {}

  static void migrate(DataSource dataSource, DatabasePlatform platform) {
    long start = System.nanoTime();
    HapiMigrator migrator =
        new HapiMigrator(MIGRATION_TABLE, dataSource, platform.migratorDriver());
    migrator.addTasks(new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values()));
    migrator.createMigrationTableIfRequired();
    MigrationResult result = migrator.migrate();
    log.info(
        "HAPI schema migration on {}: {} task(s) run, {} change(s), {} failed, in {} ms",
        platform,
        result.succeededTasks.size(),
        result.changes,
        result.failedTasks.size(),
        (System.nanoTime() - start) / 1_000_000);
    if (!result.failedTasks.isEmpty()) {
      throw new IllegalStateException("HAPI schema migration failed: " + result.failedTasks);
    }
  }
}
