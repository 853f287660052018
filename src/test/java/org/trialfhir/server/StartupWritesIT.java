package org.trialfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two nodes starting together on one PostgreSQL take turns for the start-up writes (package, seed):
 * the second waits until the first releases the lock, whether by finishing its runners or by ending
 * (a failed start-up destroys the bean). Each node has its own pool, as two processes would.
 * PostgreSQL only (H2 serves one node and takes no lock); a cluster started for this test alone.
 */
@Tag("persistence")
class StartupWritesIT {

  @Test
  void aSecondNodeWaitsForTheFirstNodesStartupWrites() throws Exception {
    assumeTrue("postgres".equals(System.getProperty("trialfhir.it.database", "h2")));
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
        HikariDataSource poolA = pool(postgres);
        HikariDataSource poolB = pool(postgres)) {
      StartupWrites nodeA = new StartupWrites(poolA, DatabasePlatform.POSTGRESQL);
      StartupWrites nodeB = new StartupWrites(poolB, DatabasePlatform.POSTGRESQL);

      nodeA.take();
      CompletableFuture<Void> second = CompletableFuture.runAsync(nodeB::take);
      Thread.sleep(2_000);
      assertThat(second).as("node B waits while node A writes").isNotDone();
      nodeA.release();
      second.get(30, TimeUnit.SECONDS);

      // Node B's start-up fails: destroying its context frees the lock for node A's next start.
      CompletableFuture<Void> restart = CompletableFuture.runAsync(nodeA::take);
      Thread.sleep(2_000);
      assertThat(restart).isNotDone();
      nodeB.destroy();
      restart.get(30, TimeUnit.SECONDS);
      nodeA.release();
    }
  }

  private static HikariDataSource pool(EmbeddedPostgres postgres) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
    config.setUsername("postgres");
    config.setPassword("");
    config.setMaximumPoolSize(3);
    return new HikariDataSource(config);
  }
}
