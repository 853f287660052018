package org.trialfhir.projection;

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
 * The projection's tables, created and upgraded with HAPI's own migrator (as the audit outbox is,
 * see audit/AuditOutboxSchema), so the same column types serve H2 and PostgreSQL. One table per
 * view, named after its resource type, with the view's columns (upper case), the row's number
 * within its resource ({@code ROW_NO}: a view may give several rows per resource, one per coding)
 * and columns derived in Java from the view's ({@link DerivedColumns}). A unit test holds these
 * columns and the views' in step.
 */
final class ProjectionSchema {

  /** Changes when the tables change; part of the projection's version (see {@link Views}). */
  static final String RELEASE = "V1";

  static final String MIGRATION_TABLE = "TRIALFHIR_PX_MIGRATION";
  static final String STATE_TABLE = "TRIALFHIR_PX_STATE";

  /** Longest code, system or text the tables hold; longer is refused (see ProjectionTables). */
  static final int TEXT = 500;

  static final int ID = 64;

  /** The columns {@link #TEXT} wide; the others hold ids, dates and short codes ({@link #ID}). */
  static final java.util.Set<String> WIDE =
      java.util.Set.of(
          "CLINICAL_STATUS",
          "VERIFICATION_STATUS",
          "CODE_SYSTEM",
          "CODE",
          "VALUE_DECIMAL",
          "VALUE_CODE",
          "VALUE_UNIT",
          "VALUE_CODING",
          "INTERPRETATION",
          "UNIT_CANONICAL");

  private static final Logger log = LoggerFactory.getLogger(ProjectionSchema.class);

  enum Release {
    V1
  }

  private ProjectionSchema() {}

  static void migrate(DataSource dataSource) {
    HapiMigrator migrator = new HapiMigrator(MIGRATION_TABLE, dataSource, driverOf(dataSource));
    migrator.addTasks(new Tasks().getAllTasks(Release.values()));
    migrator.createMigrationTableIfRequired();
    MigrationResult result = migrator.migrate();
    if (!result.failedTasks.isEmpty()) {
      throw new IllegalStateException("Projection migration failed: " + result.failedTasks);
    }
    if (!result.succeededTasks.isEmpty()) {
      log.info("Projection tables: {} migration task(s) run", result.succeededTasks.size());
    }
  }

  private static final class Tasks extends BaseMigrationTasks<Release> {
    Tasks() {
      Builder v1 = forVersion(Release.V1);
      Builder.BuilderAddTableByColumns state =
          v1.addTableByColumns("20261207.1", STATE_TABLE, "NAME");
      state.addColumn("NAME").nonNullable().type(ColumnTypeEnum.STRING, ID);
      state.addColumn("VERSION").nonNullable().type(ColumnTypeEnum.STRING, ID);

      Builder.BuilderAddTableByColumns patient =
          v1.addTableByColumns("20261207.2", "TRIALFHIR_PX_PATIENT", "ID", "ROW_NO");
      key(patient);
      patient.addColumn("BIRTH_DATE").nullable().type(ColumnTypeEnum.STRING, ID);
      patient.addColumn("GENDER").nullable().type(ColumnTypeEnum.STRING, ID);
      patient.addColumn("ORGANIZATION_ID").nullable().type(ColumnTypeEnum.STRING, ID);
      patient.addColumn("LABELLED").nullable().type(ColumnTypeEnum.BOOLEAN);

      Builder.BuilderAddTableByColumns condition =
          v1.addTableByColumns("20261207.3", "TRIALFHIR_PX_CONDITION", "ID", "ROW_NO");
      key(condition);
      condition.addColumn("PATIENT_ID").nullable().type(ColumnTypeEnum.STRING, ID);
      condition.addColumn("CLINICAL_STATUS").nullable().type(ColumnTypeEnum.STRING, TEXT);
      condition.addColumn("VERIFICATION_STATUS").nullable().type(ColumnTypeEnum.STRING, TEXT);
      condition.addColumn("ONSET_DATE_TIME").nullable().type(ColumnTypeEnum.STRING, ID);
      condition.addColumn("ONSET_PERIOD_START").nullable().type(ColumnTypeEnum.STRING, ID);
      condition.addColumn("RECORDED_DATE").nullable().type(ColumnTypeEnum.STRING, ID);
      condition.addColumn("LABELLED").nullable().type(ColumnTypeEnum.BOOLEAN);
      condition.addColumn("CODE_SYSTEM").nullable().type(ColumnTypeEnum.STRING, TEXT);
      condition.addColumn("CODE").nullable().type(ColumnTypeEnum.STRING, TEXT);
      v1.onTable("TRIALFHIR_PX_CONDITION")
          .addIndex("20261207.4", "IDX_TRIALFHIR_PX_COND_CODE")
          .unique(false)
          .withColumns("CODE", "CODE_SYSTEM", "PATIENT_ID");
      v1.onTable("TRIALFHIR_PX_CONDITION")
          .addIndex("20261207.5", "IDX_TRIALFHIR_PX_COND_PAT")
          .unique(false)
          .withColumns("PATIENT_ID");

      Builder.BuilderAddTableByColumns observation =
          v1.addTableByColumns("20261207.6", "TRIALFHIR_PX_OBSERVATION", "ID", "ROW_NO");
      key(observation);
      observation.addColumn("PATIENT_ID").nullable().type(ColumnTypeEnum.STRING, ID);
      observation.addColumn("STATUS").nullable().type(ColumnTypeEnum.STRING, ID);
      observation.addColumn("VALUE_DECIMAL").nullable().type(ColumnTypeEnum.STRING, TEXT);
      observation.addColumn("VALUE_COMPARATOR").nullable().type(ColumnTypeEnum.STRING, ID);
      observation.addColumn("VALUE_CODE").nullable().type(ColumnTypeEnum.STRING, TEXT);
      observation.addColumn("VALUE_UNIT").nullable().type(ColumnTypeEnum.STRING, TEXT);
      observation.addColumn("VALUE_CODING").nullable().type(ColumnTypeEnum.STRING, TEXT);
      observation.addColumn("INTERPRETATION").nullable().type(ColumnTypeEnum.STRING, TEXT);
      observation.addColumn("DATA_ABSENT").nullable().type(ColumnTypeEnum.BOOLEAN);
      observation.addColumn("EFFECTIVE_DATE_TIME").nullable().type(ColumnTypeEnum.STRING, ID);
      observation.addColumn("EFFECTIVE_PERIOD_START").nullable().type(ColumnTypeEnum.STRING, ID);
      observation.addColumn("EFFECTIVE_INSTANT").nullable().type(ColumnTypeEnum.STRING, ID);
      observation.addColumn("LABELLED").nullable().type(ColumnTypeEnum.BOOLEAN);
      observation.addColumn("CODE_SYSTEM").nullable().type(ColumnTypeEnum.STRING, TEXT);
      observation.addColumn("CODE").nullable().type(ColumnTypeEnum.STRING, TEXT);
      observation.addColumn("VALUE_CANONICAL").nullable().type(ColumnTypeEnum.DOUBLE);
      observation.addColumn("UNIT_CANONICAL").nullable().type(ColumnTypeEnum.STRING, TEXT);
      v1.onTable("TRIALFHIR_PX_OBSERVATION")
          .addIndex("20261207.7", "IDX_TRIALFHIR_PX_OBS_PAT")
          .unique(false)
          .withColumns("PATIENT_ID", "CODE");
      v1.onTable("TRIALFHIR_PX_OBSERVATION")
          .addIndex("20261207.8", "IDX_TRIALFHIR_PX_OBS_CODE")
          .unique(false)
          .withColumns("CODE", "CODE_SYSTEM");
    }

    private static void key(Builder.BuilderAddTableByColumns table) {
      table.addColumn("ID").nonNullable().type(ColumnTypeEnum.STRING, ID);
      table.addColumn("ROW_NO").nonNullable().type(ColumnTypeEnum.INT);
    }
  }

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
          "Projection: unsupported database '" + product + "' (H2 or PostgreSQL)");
    } catch (SQLException e) {
      throw new IllegalStateException("Projection: cannot reach the database", e);
    }
  }
}
