package org.trialfhir.projection;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.taskdef.ColumnTypeEnum;
import ca.uhn.fhir.jpa.migrate.tasks.api.BaseMigrationTasks;
import ca.uhn.fhir.jpa.migrate.tasks.api.Builder;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
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
  static final String RELEASE = "V2";

  static final String MIGRATION_TABLE = "TRIALFHIR_PX_MIGRATION";
  static final String STATE_TABLE = "TRIALFHIR_PX_STATE";

  /** Longest code, system or text the tables hold; longer is refused (see ProjectionTables). */
  static final int TEXT = 500;

  static final int ID = 64;

  /**
   * The columns {@link #TEXT} wide; the others hold ids, dates and short codes ({@link #ID}), or
   * are {@link #UNBOUNDED}.
   */
  static final java.util.Set<String> WIDE =
      java.util.Set.of(
          "VERIFICATION_STATUS",
          "CODE_SYSTEM",
          "CODE",
          "VALUE_DECIMAL",
          "VALUE_CODE",
          "VALUE_UNIT",
          "UNIT_CANONICAL",
          "ONSET_AGE_VALUE",
          "ONSET_AGE_CODE",
          "RANGE_HIGH_VALUE",
          "RANGE_HIGH_CODE",
          "RANGE_HIGH_UNIT");

  /**
   * Text of any length (collections, displays, free text): never cut, never refused. Nothing is
   * searched by them.
   */
  static final java.util.Set<String> UNBOUNDED =
      java.util.Set.of(
          "VERIFICATION_CODES",
          "CLINICAL_CODES",
          "CODE_TEXT",
          "CODE_DISPLAY",
          "VALUE_CODINGS",
          "INTERPRETATIONS",
          "RANGE_TEXT");

  private static final Logger log = LoggerFactory.getLogger(ProjectionSchema.class);

  enum Release {
    V1,
    /** What {@code $eligibility} reads of a record (docs/projection.md, "What reads it"). */
    V2
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
      v2();
    }

    /** Everything the rules read of a Condition or an Observation, and the order of a record. */
    private void v2() {
      Builder v2 = forVersion(Release.V2);
      String condition = "TRIALFHIR_PX_CONDITION";
      int task = 0;
      for (String column : List.of("VERIFICATION_CODES", "CLINICAL_CODES", "CODE_TEXT")) {
        text(v2, condition, ++task, column);
      }
      string(v2, condition, ++task, "ONSET_AGE_VALUE", TEXT);
      string(v2, condition, ++task, "ONSET_AGE_CODE", TEXT);
      text(v2, condition, ++task, "CODE_DISPLAY");
      v2.onTable(condition)
          .addColumn(v2Task(++task), "RESOURCE_PID")
          .nullable()
          .type(ColumnTypeEnum.LONG);
      v2.onTable(condition).dropColumn(v2Task(++task), "CLINICAL_STATUS");

      String observation = "TRIALFHIR_PX_OBSERVATION";
      string(v2, observation, ++task, "VALUE_TYPE", ID);
      text(v2, observation, ++task, "VALUE_CODINGS");
      text(v2, observation, ++task, "INTERPRETATIONS");
      string(v2, observation, ++task, "EFFECTIVE_PERIOD_END", ID);
      v2.onTable(observation)
          .addColumn(v2Task(++task), "EFFECTIVE_TIMING")
          .nullable()
          .type(ColumnTypeEnum.BOOLEAN);
      for (String column : List.of("RANGE_HIGH_VALUE", "RANGE_HIGH_CODE", "RANGE_HIGH_UNIT")) {
        string(v2, observation, ++task, column, TEXT);
      }
      for (String column : List.of("RANGE_TEXT", "CODE_TEXT", "CODE_DISPLAY")) {
        text(v2, observation, ++task, column);
      }
      for (String column : List.of("EFFECTIVE_LOW", "EFFECTIVE_HIGH")) {
        v2.onTable(observation)
            .addColumn(v2Task(++task), column)
            .nullable()
            .type(ColumnTypeEnum.INT);
      }
      v2.onTable(observation)
          .addColumn(v2Task(++task), "RESOURCE_PID")
          .nullable()
          .type(ColumnTypeEnum.LONG);
      v2.onTable(observation).dropColumn(v2Task(++task), "VALUE_CODING");
      v2.onTable(observation).dropColumn(v2Task(++task), "INTERPRETATION");
    }

    private static String v2Task(int n) {
      return "20261214." + n;
    }

    private static void text(Builder v2, String table, int task, String column) {
      v2.onTable(table).addColumn(v2Task(task), column).nullable().type(ColumnTypeEnum.TEXT);
    }

    private static void string(Builder v2, String table, int task, String column, int width) {
      v2.onTable(table)
          .addColumn(v2Task(task), column)
          .nullable()
          .type(ColumnTypeEnum.STRING, width);
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
