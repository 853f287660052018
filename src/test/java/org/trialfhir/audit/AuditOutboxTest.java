package org.trialfhir.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.h2.jdbcx.JdbcDataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The outbox and its relay on a real H2 database, with the table made by the migrator. */
class AuditOutboxTest {

  private static final FhirContext R4 = FhirContext.forR4Cached();

  private final JdbcDataSource dataSource = new JdbcDataSource();
  private final AuditOutboxTable table;
  private final DataSourceTransactionManager transactions;
  private final AuditOutbox outbox;
  private final List<String> stored = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  AuditOutboxTest() {
    dataSource.setURL("jdbc:h2:mem:outbox-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    AuditOutboxSchema.migrate(dataSource);
    AuditOutboxSchema.migrate(dataSource); // a restart: nothing to do the second time
    table = new AuditOutboxTable(dataSource);
    transactions = new DataSourceTransactionManager(dataSource);
    outbox = new AuditOutbox(R4, table, transactions);
  }

  private static AuditEvent event(String description) {
    return new AuditEvent().setOutcomeDesc(description);
  }

  private long rows() {
    return new JdbcTemplate(dataSource)
        .queryForObject("SELECT COUNT(*) FROM " + AuditOutboxSchema.TABLE, Long.class);
  }

  /** Stores into a list; an event described "bad" fails, as a broken event would. */
  private AuditOutboxRelay relay() {
    AuditEventStore store =
        new AuditEventStore(null, null) {
          @Override
          void pinAll(List<AuditEvent> events) {}

          @Override
          void createAll(List<AuditEvent> events) {
            for (AuditEvent event : events) {
              if ("bad".equals(event.getOutcomeDesc())) {
                throw new IllegalStateException("cannot store");
              }
            }
            events.forEach(event -> stored.add(event.getOutcomeDesc()));
          }
        };
    return new AuditOutboxRelay(
        R4,
        table,
        store,
        transactions,
        new AuditProperties(true, 20, Duration.ofMillis(50)),
        meters);
  }

  @Test
  void aWritesRecordCommitsAndRollsBackWithTheWrite() {
    TransactionTemplate write = new TransactionTemplate(transactions);
    write.executeWithoutResult(status -> outbox.recordAuditEvent(event("committed")));
    write.executeWithoutResult(
        status -> {
          outbox.recordAuditEvent(event("rolled back"));
          status.setRollbackOnly();
        });

    assertThat(rows()).isEqualTo(1);
    relay().relayOnce();
    assertThat(stored).containsExactly("committed");
    assertThat(rows()).isZero();
  }

  @Test
  void aReadsRecordWaitsInTheRequestUntilFlushedAndIsThenDurable() {
    ServletRequestDetails request = new ServletRequestDetails();
    TransactionTemplate read = new TransactionTemplate(transactions);
    read.setReadOnly(true);
    read.executeWithoutResult(
        status ->
            AuditOutbox.capturing(
                request,
                () -> {
                  outbox.recordAuditEvent(event("read"));
                  return null;
                }));
    assertThat(rows()).as("not inside the read-only transaction").isZero();

    outbox.flush(request);
    assertThat(rows()).isEqualTo(1);
    outbox.flush(request);
    assertThat(rows()).as("flushed once").isEqualTo(1);
  }

  @Test
  void anEventOutsideAnyTransactionOrRequestIsCommittedAtOnce() {
    outbox.recordAuditEvent(event("operation"));
    assertThat(rows()).isEqualTo(1);
  }

  @Test
  void whatACrashLeftIsRelayedOnStartAndABadEventDoesNotHoldUpTheOthers() throws Exception {
    for (String description : List.of("first", "bad", "third")) {
      outbox.recordAuditEvent(event(description));
    }
    AuditOutboxRelay relay = relay();
    relay.start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (stored.size() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    relay.stop();

    assertThat(stored).containsExactlyInAnyOrder("first", "third");
    assertThat(rows()).as("the bad event stays, given up on but not lost").isEqualTo(1);
    assertThat(table.givenUp(AuditOutboxRelay.MAX_ATTEMPTS)).isEqualTo(1);
    assertThat(meters.get("trialfhir.audit.events").tag("outcome", "stored").counter().count())
        .isEqualTo(2);
  }

  @Test
  void aRecordThatCannotBeStoredFailsTheRequest() {
    new JdbcTemplate(dataSource).execute("DROP TABLE " + AuditOutboxSchema.TABLE);
    assertThatThrownBy(() -> outbox.recordAuditEvent(event("lost")))
        .isInstanceOf(AuditOutbox.AuditNotRecordedException.class);
  }
}
