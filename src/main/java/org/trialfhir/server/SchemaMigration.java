package org.trialfhir.server;

import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.util.VersionEnum;
import java.time.Duration;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or upgrades the HAPI schema with HAPI's own migrator (the same task list as {@code
 * hapi-fhir-cli migrate-database}), never with Hibernate's {@code hbm2ddl}.
 *
 * <p>Several nodes may start together on one empty database. HAPI's migrator serialises them with a
 * lock row in its own table, but that table has to exist first, and HAPI creates it (table, index,
 * first row: three statements) without any lock, so two nodes both found it missing and one died
 * with "relation FLY_HFJ_MIGRATION already exists". Hence:
 *
 * <ul>
 *   <li>on PostgreSQL the whole step (create the table, then migrate) runs under a session-level
 *       advisory lock, so a second node waits for the first and then finds nothing left to do. The
 *       lock is the database's: it is released if the node holding it dies (its connection ends),
 *       unlike HAPI's lock row, which a killed migrator leaves behind;
 *   <li>everywhere (H2, or an older node that does not take the advisory lock) a failure to create
 *       the table is checked again: if the table is there now, another node created it, and HAPI's
 *       own lock row serialises the migration itself.
 * </ul>
 */
final class SchemaMigration {

  static final String MIGRATION_TABLE = "FLY_HFJ_MIGRATION";

  /**
   * The PostgreSQL advisory lock key (one per database): an arbitrary constant that no other
   * application sharing the database is likely to choose ("trialfhi" in ASCII).
   */
  static final long ADVISORY_LOCK_KEY = 0x747269616c666869L;

  /** How long a node waits for another node's migration before it gives up (and fails start-up). */
  static final Duration MAX_WAIT = Duration.ofMinutes(15);

  private static final Duration POLL = Duration.ofMillis(500);
  private static final int CREATE_ATTEMPTS = 3;
  private static final Logger log = LoggerFactory.getLogger(SchemaMigration.class);

  private SchemaMigration() {}

  static MigrationResult migrate(DataSource dataSource, DatabasePlatform platform) {
    long start = System.nanoTime();
    HapiMigrator migrator =
        new HapiMigrator(MIGRATION_TABLE, dataSource, platform.migratorDriver());
    migrator.addTasks(new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values()));
    MigrationResult result;
    if (platform == DatabasePlatform.POSTGRESQL) {
      try (AdvisoryLock ignored =
          AdvisoryLock.acquire(dataSource, ADVISORY_LOCK_KEY, "HAPI schema migration", MAX_WAIT)) {
        result = createTableAndMigrate(migrator);
      }
    } else {
      result = createTableAndMigrate(migrator);
    }
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
    return result;
  }

  private static MigrationResult createTableAndMigrate(HapiMigrator migrator) {
    createMigrationTable(migrator);
    // HAPI's migrate() takes its lock row, diffs against what is recorded, and runs the rest.
    return migrator.migrate();
  }

  /**
   * HAPI's create-if-missing, tried again when it fails: a concurrent creator makes the first try
   * fail ("already exists", or a unique violation in PostgreSQL's catalog), and the next try then
   * finds the table and returns. A failure that is not such a race fails every try.
   */
  private static void createMigrationTable(HapiMigrator migrator) {
    for (int attempt = 1; ; attempt++) {
      try {
        migrator.createMigrationTableIfRequired();
        return;
      } catch (RuntimeException e) {
        if (attempt >= CREATE_ATTEMPTS) {
          throw e;
        }
        log.info(
            "Creating {} failed ({}); another node is probably creating it, checking again",
            MIGRATION_TABLE,
            e.getMessage());
        sleep(POLL);
      }
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for the schema migration", e);
    }
  }
}
