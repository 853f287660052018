package org.trialfhir.audit;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.taskdef.ColumnTypeEnum;
import ca.uhn.fhir.jpa.migrate.tasks.api.BaseMigrationTasks;
import ca.uhn.fhir.jpa.migrate.tasks.api.Builder;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit outbox table, created and upgraded with HAPI's own migrator, as the HAPI schema is (see
 * {@code server/SchemaMigration}), so the same column types are used on H2 and PostgreSQL. Its own
 * migration table keeps these tasks apart from HAPI's list, which {@code hapi-fhir-cli} owns.
 *
 * <p>Run whenever the audit trail is on, also with {@code
 * trialfhir.database.migrate-on-start=false}: the outbox is this server's table, which HAPI's tools
 * do not know about; when it exists already the migrator only reads its migration table.
 */
final class AuditOutboxSchema {

  static final String TABLE = "TRIALFHIR_AUDIT_OUTBOX";
  static final String MIGRATION_TABLE = "TRIALFHIR_AUDIT_MIGRATION";

  private static final Logger log = LoggerFactory.getLogger(AuditOutboxSchema.class);

  /** HAPI's task lists are keyed by an enum of releases; the outbox has its own. */
  enum Release {
    V1
  }

  private AuditOutboxSchema() {}

  static void migrate(DataSource dataSource) {
    HapiMigrator migrator = new HapiMigrator(MIGRATION_TABLE, dataSource, driverOf(dataSource));
    migrator.addTasks(new Tasks().getAllTasks(Release.values()));
    migrator.createMigrationTableIfRequired();
    MigrationResult result = migrator.migrate();
    if (!result.failedTasks.isEmpty()) {
      throw new IllegalStateException("Audit outbox migration failed: " + result.failedTasks);
    }
    if (!result.succeededTasks.isEmpty()) {
      log.info(
          "Audit outbox table {}: {} migration task(s) run", TABLE, result.succeededTasks.size());
    }
  }

  private static final class Tasks extends BaseMigrationTasks<Release> {
    Tasks() {
      Builder v1 = forVersion(Release.V1);
      // One row per AuditEvent not yet stored as a resource: the event as FHIR JSON.
      Builder.BuilderAddTableByColumns outbox = v1.addTableByColumns("20261206.1", TABLE, "ID");
      outbox.addColumn("ID").nonNullable().type(ColumnTypeEnum.STRING, 36);
      outbox.addColumn("CREATED_AT").nonNullable().type(ColumnTypeEnum.DATE_TIMESTAMP);
      outbox.addColumn("ATTEMPTS").nonNullable().type(ColumnTypeEnum.INT);
      outbox.addColumn("EVENT").nonNullable().type(ColumnTypeEnum.TEXT);
      v1.onTable(TABLE)
          .addIndex("20261206.2", "IDX_TRIALFHIR_AUDIT_OUTBOX_AGE")
          .unique(false)
          .withColumns("CREATED_AT");
    }
  }

  /** The database behind the data source, as the migrator names it. */
  private static DriverTypeEnum driverOf(DataSource dataSource) {
    try (Connection connection = dataSource.getConnection()) {
      String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
      if (product.contains("h2")) {
        return DriverTypeEnum.H2_EMBEDDED;
      }
      if (product.contains("postgres")) {
        return DriverTypeEnum.POSTGRES_9_4;
      }
      throw new IllegalStateException(
          "Audit outbox: unsupported database '" + product + "' (H2 or PostgreSQL)");
    } catch (SQLException e) {
      throw new IllegalStateException("Audit outbox: cannot reach the database", e);
    }
  }
}
