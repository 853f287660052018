package org.trialfhir.audit;

import static org.trialfhir.audit.AuditOutboxSchema.TABLE;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The SQL of the audit outbox. Plain JDBC on the server's data source: inside a Spring transaction
 * it runs on that transaction's connection (the JPA transaction manager binds it to the data
 * source), so a row inserted during a FHIR write commits or rolls back with the write.
 */
class AuditOutboxTable {

  /** A row waiting to be relayed: the AuditEvent as FHIR JSON. */
  record Row(String id, String event, int attempts) {}

  private final DataSource dataSource;
  private final JdbcTemplate jdbc;

  AuditOutboxTable(DataSource dataSource) {
    this.dataSource = dataSource;
    this.jdbc = new JdbcTemplate(dataSource);
  }

  DataSource dataSource() {
    return dataSource;
  }

  void insert(List<String> events) {
    Timestamp now = Timestamp.from(Instant.now());
    jdbc.batchUpdate(
        "INSERT INTO " + TABLE + " (ID, CREATED_AT, ATTEMPTS, EVENT) VALUES (?, ?, 0, ?)",
        events,
        events.size(),
        (statement, event) -> {
          statement.setString(1, UUID.randomUUID().toString());
          statement.setTimestamp(2, now);
          statement.setString(3, event);
        });
  }

  /** The oldest rows not given up on (not locked: see {@link #lock}). */
  List<Row> oldest(int limit, int maxAttempts) {
    return jdbc.query(
        "SELECT ID, EVENT, ATTEMPTS FROM "
            + TABLE
            + " WHERE ATTEMPTS < ? ORDER BY CREATED_AT, ID FETCH FIRST ? ROWS ONLY",
        (rs, n) -> new Row(rs.getString(1), rs.getString(2), rs.getInt(3)),
        maxAttempts,
        limit);
  }

  /**
   * Of these rows, those still there, locked until the caller's transaction ends. Rows another
   * server instance is relaying are skipped rather than waited for (and are gone once it commits),
   * so no event is stored twice.
   */
  List<String> lock(List<String> ids) {
    String marks = String.join(",", Collections.nCopies(ids.size(), "?"));
    return jdbc.queryForList(
        "SELECT ID FROM " + TABLE + " WHERE ID IN (" + marks + ") FOR UPDATE SKIP LOCKED",
        String.class,
        ids.toArray());
  }

  void delete(List<String> ids) {
    jdbc.batchUpdate(
        "DELETE FROM " + TABLE + " WHERE ID = ?",
        ids,
        ids.size(),
        (statement, id) -> statement.setString(1, id));
  }

  void countFailedAttempt(String id) {
    jdbc.update("UPDATE " + TABLE + " SET ATTEMPTS = ATTEMPTS + 1 WHERE ID = ?", id);
  }

  /** Rows waiting, and of them those given up on after too many failed attempts. */
  long waiting() {
    Long count = jdbc.queryForObject("SELECT COUNT(*) FROM " + TABLE, Long.class);
    return count == null ? 0 : count;
  }

  long givenUp(int maxAttempts) {
    Long count =
        jdbc.queryForObject(
            "SELECT COUNT(*) FROM " + TABLE + " WHERE ATTEMPTS >= ?", Long.class, maxAttempts);
    return count == null ? 0 : count;
  }
}
