package org.trialfhir.server;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL session-level advisory lock, held on a connection of its own until closed: how nodes
 * sharing one database take turns for work that must not run twice at once (schema migration,
 * start-up writes). The lock is the database's, so it is released when the node holding it dies
 * (its connection ends). Polled with {@code pg_try_advisory_lock} rather than blocking, so that the
 * wait is logged and bounded.
 */
final class AdvisoryLock implements AutoCloseable {

  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration LOG_EVERY = Duration.ofSeconds(30);
  private static final Logger log = LoggerFactory.getLogger(AdvisoryLock.class);

  private final Connection connection;
  private final long key;
  private final String what;

  private AdvisoryLock(Connection connection, long key, String what) {
    this.connection = connection;
    this.key = key;
    this.what = what;
  }

  /**
   * Waits until this node holds the lock {@code key}; {@code what} names the work in the log. Gives
   * up (failing the caller) after {@code maxWait}.
   */
  static AdvisoryLock acquire(DataSource dataSource, long key, String what, Duration maxWait) {
    Connection connection = null;
    try {
      connection = dataSource.getConnection();
      connection.setAutoCommit(true);
      long started = System.nanoTime();
      long lastLog = started;
      while (!tryLock(connection, key)) {
        long now = System.nanoTime();
        if (now - started > maxWait.toNanos()) {
          throw new IllegalStateException(
              "Another node has held the lock for the "
                  + what
                  + " for more than "
                  + maxWait
                  + "; giving up");
        }
        if (lastLog == started || now - lastLog > LOG_EVERY.toNanos()) {
          log.info("Waiting for another node's {} to finish", what);
          lastLog = now;
        }
        sleep(POLL);
      }
      return new AdvisoryLock(connection, key, what);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      if (e instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException("Could not take the lock for the " + what, e);
    }
  }

  private static boolean tryLock(Connection connection, long key) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      statement.setLong(1, key);
      try (ResultSet result = statement.executeQuery()) {
        result.next();
        return result.getBoolean(1);
      }
    }
  }

  @Override
  public void close() {
    // Unlock before the connection goes back to the pool: a pooled session would keep the lock.
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
      statement.setLong(1, key);
      statement.execute();
    } catch (SQLException e) {
      log.warn("Could not release the lock for the {}; closing its session", what, e);
      abort(connection);
    } finally {
      closeQuietly(connection);
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for an advisory lock", e);
    }
  }

  /** Ends the session (and so its locks) instead of returning it to the pool. */
  private static void abort(Connection connection) {
    try {
      connection.abort(Runnable::run);
    } catch (SQLException | RuntimeException ignored) {
      // the connection is unusable either way; the pool discards it
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // nothing more to release
    }
  }
}
