package org.trialfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.migrate.HapiMigrationLock;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.entity.HapiMigrationEntity;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two nodes starting together on one empty database both migrate the schema: both must succeed, and
 * the schema must be whole. Runs on the database of the run ({@code trialfhir.it.database}), each
 * time on a database of its own, never the one the other integration tests share: a fresh H2 in
 * memory, or a PostgreSQL cluster started for this test only.
 */
@Tag("persistence")
class SchemaMigrationRaceIT {

  // HAPI quotes the table name (upper case) and its column names (lower case).
  private static final String TABLE = "\"" + SchemaMigration.MIGRATION_TABLE + "\"";

  @Test
  void twoNodesMigratingOneEmptyDatabaseTogetherBothStart() throws Exception {
    if ("postgres".equals(System.getProperty("trialfhir.it.database", "h2"))) {
      try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
        race(postgres.getJdbcUrl("postgres", "postgres"), "postgres", DatabasePlatform.POSTGRESQL);
      }
    } else {
      race(
          "jdbc:h2:mem:migration-race-"
              + UUID.randomUUID()
              + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000",
          "sa",
          DatabasePlatform.H2);
    }
  }

  private static void race(String url, String user, DatabasePlatform platform) throws Exception {
    // One pool per node, as two processes would have.
    try (HikariDataSource nodeA = pool(url, user);
        HikariDataSource nodeB = pool(url, user)) {
      CyclicBarrier together = new CyclicBarrier(2);
      ExecutorService nodes = Executors.newFixedThreadPool(2);
      try {
        List<Future<MigrationResult>> results = new ArrayList<>();
        for (DataSource node : List.of(nodeA, nodeB)) {
          results.add(
              nodes.submit(
                  () -> {
                    together.await();
                    return SchemaMigration.migrate(node, platform);
                  }));
        }
        MigrationResult first = results.get(0).get(5, TimeUnit.MINUTES);
        MigrationResult second = results.get(1).get(5, TimeUnit.MINUTES);

        // One node built the schema; the other, after waiting, found nothing left to do.
        int ranByFirst = first.succeededTasks.size();
        int ranBySecond = second.succeededTasks.size();
        assertThat(Math.min(ranByFirst, ranBySecond)).isZero();
        assertThat(Math.max(ranByFirst, ranBySecond)).isPositive();
        assertThat(first.failedTasks).isEmpty();
        assertThat(second.failedTasks).isEmpty();
      } finally {
        nodes.shutdownNow();
      }

      // The schema is whole: a third start finds every task recorded and runs none...
      assertThat(SchemaMigration.migrate(nodeA, platform).succeededTasks).isEmpty();
      try (Connection connection = nodeA.getConnection();
          Statement statement = connection.createStatement()) {
        // ...HAPI's tables are there and usable...
        assertThat(count(statement, "SELECT COUNT(*) FROM HFJ_RESOURCE")).isZero();
        assertThat(count(statement, "SELECT COUNT(*) FROM HFJ_SPIDX_TOKEN")).isZero();
        // ...the table was created once, every task is recorded once, and no lock row is left.
        assertThat(
                count(
                    statement,
                    "SELECT COUNT(*) FROM "
                        + TABLE
                        + " WHERE \"installed_rank\" = "
                        + HapiMigrationEntity.CREATE_TABLE_PID))
            .isEqualTo(1);
        assertThat(
                count(
                    statement,
                    "SELECT COUNT(*) FROM (SELECT \"version\" FROM "
                        + TABLE
                        + " WHERE \"installed_rank\" > 0"
                        + " GROUP BY \"version\" HAVING COUNT(*) > 1) twice"))
            .isZero();
        assertThat(
                count(
                    statement,
                    "SELECT COUNT(*) FROM "
                        + TABLE
                        + " WHERE \"installed_rank\" = "
                        + HapiMigrationLock.LOCK_PID))
            .isZero();
        assertThat(count(statement, "SELECT COUNT(*) FROM " + TABLE + " WHERE NOT \"success\""))
            .isZero();
        assertThat(count(statement, "SELECT COUNT(*) FROM " + TABLE)).isGreaterThan(100);
      }
    }
  }

  private static HikariDataSource pool(String url, String user) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword("");
    config.setMaximumPoolSize(5);
    return new HikariDataSource(config);
  }

  private static long count(Statement statement, String sql) throws SQLException {
    try (ResultSet result = statement.executeQuery(sql)) {
      result.next();
      return result.getLong(1);
    }
  }
}
