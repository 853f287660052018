package org.trialfhir.audit;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.hl7.fhir.r4.model.AuditEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.trialfhir.audit.AuditOutboxTable.Row;

/**
 * Turns outbox rows into AuditEvent resources, on one background thread: in one database
 * transaction it locks the oldest rows, stores their events and deletes the rows, so each event is
 * stored exactly once whether the server stops, crashes or runs as several instances on one
 * database. On start-up it first relays whatever a crash left in the outbox.
 *
 * <p>A batch that fails is retried row by row, so one bad event does not hold up the others; a row
 * that fails {@link #MAX_ATTEMPTS} times stays in the outbox (never deleted, never lost), is logged
 * and counted in {@code trialfhir.audit.outbox{state=given-up}}, for an administrator to look at.
 *
 * <p>A lifecycle bean in a phase below the web server's, so on shutdown it stops after the last
 * request has been answered; it relays what it can within {@link #DRAIN_TIMEOUT} and leaves the
 * rest for the next start.
 */
class AuditOutboxRelay implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(AuditOutboxRelay.class);

  /** Below Spring Boot's web server phases (DEFAULT_PHASE - 1024 and - 2048): stops after them. */
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  static final int MAX_ATTEMPTS = 5;
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration BACK_OFF_AFTER_FAILURE = Duration.ofSeconds(5);

  private final FhirContext fhirContext;
  private final AuditOutboxTable table;
  private final AuditEventStore store;
  private final TransactionTemplate transactions;
  private final int batchSize;
  private final Duration pollInterval;
  private final Counter stored;
  private final Counter failed;
  private final Object wakeUp = new Object();
  private volatile boolean running;
  private Thread worker;

  AuditOutboxRelay(
      FhirContext fhirContext,
      AuditOutboxTable table,
      AuditEventStore store,
      PlatformTransactionManager transactionManager,
      AuditProperties properties,
      MeterRegistry meters) {
    this.fhirContext = fhirContext;
    this.table = table;
    this.store = store;
    this.transactions = new TransactionTemplate(transactionManager);
    this.batchSize = properties.relayBatchSize();
    this.pollInterval = properties.relayPollInterval();
    this.stored = counter(meters, "stored");
    this.failed = counter(meters, "failed");
    Gauge.builder("trialfhir.audit.outbox", this, relay -> relay.safely(table::waiting))
        .description("AuditEvents recorded but not yet stored as resources")
        .tag("state", "waiting")
        .register(meters);
    Gauge.builder(
            "trialfhir.audit.outbox",
            this,
            relay -> relay.safely(() -> table.givenUp(MAX_ATTEMPTS)))
        .description("AuditEvents whose storing failed " + MAX_ATTEMPTS + " times")
        .tag("state", "given-up")
        .register(meters);
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    long left = table.waiting();
    if (left > 0) {
      log.info("Audit outbox: {} event(s) recorded before the last stop; storing them now", left);
    }
    running = true;
    worker = new Thread(this::relayUntilStopped, "audit-outbox-relay");
    // Daemon: stop() drains; a row left behind is relayed on the next start, never lost.
    worker.setDaemon(true);
    worker.start();
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    synchronized (wakeUp) {
      wakeUp.notifyAll();
    }
    try {
      worker.join(DRAIN_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      log.warn(
          "Audit outbox relay still busy after {}s; the rest is stored on the next start",
          DRAIN_TIMEOUT.toSeconds());
      worker.interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  private void relayUntilStopped() {
    while (true) {
      int relayed;
      try {
        relayed = relayOnce();
      } catch (RuntimeException e) {
        // The database is unreachable, say: the rows wait, nothing is lost.
        log.error("Audit outbox relay failed; retrying in {}s", BACK_OFF_AFTER_FAILURE, e);
        relayed = 0;
        if (!pause(BACK_OFF_AFTER_FAILURE)) {
          return;
        }
      }
      if (relayed == 0) {
        if (!running || !pause(pollInterval)) {
          return; // stopped, and the outbox is empty (or only holds given-up rows)
        }
      }
    }
  }

  /** False if the thread was interrupted. */
  private boolean pause(Duration duration) {
    synchronized (wakeUp) {
      try {
        wakeUp.wait(duration.toMillis());
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /**
   * Relays the oldest batch; the number of rows dealt with (relayed or counted as failed), 0 when
   * there are none. References are resolved before the transaction (see {@link
   * AuditEventStore#pinAll}); in it, the rows still there are locked, their events created and the
   * rows deleted.
   */
  int relayOnce() {
    List<Row> rows = table.oldest(batchSize, MAX_ATTEMPTS);
    if (rows.isEmpty()) {
      return 0;
    }
    Map<String, AuditEvent> events = new LinkedHashMap<>();
    for (Row row : rows) {
      try {
        events.put(row.id(), parse(row));
      } catch (RuntimeException unreadable) {
        failedAttempt(row.id(), unreadable);
      }
    }
    if (events.isEmpty()) {
      return rows.size();
    }
    try {
      store.pinAll(new ArrayList<>(events.values()));
      storeAndDelete(events);
    } catch (RuntimeException batchFailed) {
      // One bad event must not hold up the others: relay them one by one, afresh.
      for (Row row : rows) {
        if (events.containsKey(row.id())) {
          relayRow(row);
        }
      }
    }
    return rows.size();
  }

  private void relayRow(Row row) {
    try {
      AuditEvent event = parse(row);
      store.pinAll(List.of(event));
      storeAndDelete(Map.of(row.id(), event));
    } catch (RuntimeException e) {
      failedAttempt(row.id(), e);
    }
  }

  private void storeAndDelete(Map<String, AuditEvent> events) {
    Integer relayed =
        transactions.execute(
            status -> {
              List<String> mine = table.lock(new ArrayList<>(events.keySet()));
              if (!mine.isEmpty()) {
                store.createAll(mine.stream().map(events::get).toList());
                table.delete(mine);
              }
              return mine.size();
            });
    stored.increment(relayed == null ? 0 : relayed);
  }

  private void failedAttempt(String id, RuntimeException cause) {
    failed.increment();
    log.error(
        "Audit outbox row {} could not be stored as an AuditEvent; kept for a retry", id, cause);
    try {
      transactions.executeWithoutResult(status -> table.countFailedAttempt(id));
    } catch (RuntimeException e) {
      log.error("Audit outbox row {}: failed attempt not counted", id, e);
    }
  }

  private AuditEvent parse(Row row) {
    return fhirContext.newJsonParser().parseResource(AuditEvent.class, row.event());
  }

  private double safely(LongSupplier count) {
    try {
      return count.getAsLong();
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  private static Counter counter(MeterRegistry meters, String outcome) {
    return Counter.builder("trialfhir.audit.events")
        .description("AuditEvents relayed from the outbox, by what became of them")
        .tag("outcome", outcome)
        .register(meters);
  }
}
