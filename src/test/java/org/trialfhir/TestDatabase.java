package org.trialfhir;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The database the integration tests run on, chosen by the system property {@code
 * trialfhir.it.database} ({@code h2}, the default, or {@code postgres}). The Maven build runs every
 * integration test on H2 and the ones tagged {@code persistence} again on a real PostgreSQL,
 * started here from the embedded binaries on Maven Central (no Docker).
 */
final class TestDatabase {

  static final String PROPERTY = "trialfhir.it.database";
  private static Map<String, String> properties;

  private TestDatabase() {}

  static synchronized Map<String, String> springProperties() {
    if (properties == null) {
      properties =
          "postgres".equals(System.getProperty(PROPERTY, "h2")) ? startPostgres() : inMemoryH2();
    }
    return properties;
  }

  private static Map<String, String> inMemoryH2() {
    return Map.of(
        "spring.datasource.url", "jdbc:h2:mem:trialfhir-it;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000",
        "spring.datasource.username", "sa",
        "spring.datasource.password", "");
  }

  private static Map<String, String> startPostgres() {
    try {
      EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
      // The Spring test context closes in its own shutdown hook; stopping the database a little
      // earlier or later only costs a few pool warnings at the very end of the run.
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(postgres)));
      return Map.of(
          "spring.datasource.url", postgres.getJdbcUrl("postgres", "postgres"),
          "spring.datasource.username", "postgres",
          "spring.datasource.password", "");
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start the embedded PostgreSQL", e);
    }
  }

  private static void closeQuietly(EmbeddedPostgres postgres) {
    try {
      postgres.close();
    } catch (IOException ignored) {
      // the JVM is exiting
    }
  }
}
