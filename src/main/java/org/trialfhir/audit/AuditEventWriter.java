package org.trialfhir.audit;

import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditEventSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.AuditEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * BALP's sink: hands AuditEvents to one background thread through a bounded queue, so that
 * recording never slows a clinical request down or makes it fail. A full queue drops the event (an
 * error in the log and {@code trialfhir.audit.events{outcome=dropped}}); it never blocks.
 *
 * <p>An event raised inside a database transaction (BALP's write hooks run just before commit) is
 * queued only once that transaction has committed: the writer could otherwise look for a resource
 * not yet visible to it, and a write that was rolled back did not happen.
 *
 * <p>A lifecycle bean in a phase below the web server's, so on shutdown it stops after the last
 * request has been answered, and before the database goes away: it then writes what is queued.
 */
class AuditEventWriter implements IBalpAuditEventSink, SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(AuditEventWriter.class);

  /** Below Spring Boot's web server phases (DEFAULT_PHASE - 1024 and - 2048): stops after them. */
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private static final Duration POLL = Duration.ofMillis(200);

  /**
   * Events written per database transaction, at most (see AuditEventStore#storeAll); larger batches
   * cost more in Hibernate's flush checks than they save in commits (measured).
   */
  static final int BATCH = 20;

  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);

  private final AuditEventStore store;
  private final BlockingQueue<AuditEvent> queue;
  private final int capacity;
  private final Counter stored;
  private final Counter dropped;
  private final Counter failed;
  private volatile boolean running;
  private Thread worker;

  AuditEventWriter(AuditEventStore store, int capacity, MeterRegistry meters) {
    this.store = store;
    this.capacity = capacity;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.stored = counter(meters, "stored");
    this.dropped = counter(meters, "dropped");
    this.failed = counter(meters, "failed");
    Gauge.builder("trialfhir.audit.queue", queue, BlockingQueue::size)
        .description("AuditEvents waiting to be stored")
        .register(meters);
  }

  @Override
  public void recordAuditEvent(AuditEvent event) {
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void afterCommit() {
              enqueue(event);
            }
          });
    } else {
      enqueue(event);
    }
  }

  private void enqueue(AuditEvent event) {
    if (!queue.offer(event)) {
      dropped.increment();
      log.error(
          "Audit queue full ({} events waiting): AuditEvent dropped: {}",
          capacity,
          describe(event));
    }
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    worker = new Thread(this::writeUntilStoppedAndDrained, "audit-writer");
    // Daemon: stop() drains the queue; nothing else should keep the JVM alive for it.
    worker.setDaemon(true);
    worker.start();
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    try {
      worker.join(DRAIN_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive() || !queue.isEmpty()) {
      log.error(
          "Audit writer stopped with {} AuditEvents not stored (waited {}s)",
          queue.size(),
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

  private void writeUntilStoppedAndDrained() {
    List<AuditEvent> batch = new ArrayList<>(BATCH);
    while (running || !queue.isEmpty()) {
      AuditEvent event;
      try {
        event = queue.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (event != null) {
        batch.add(event);
        queue.drainTo(batch, BATCH - 1);
        write(batch);
        batch.clear();
      }
    }
  }

  private void write(List<AuditEvent> batch) {
    if (batch.size() == 1) {
      write(batch.get(0));
      return;
    }
    try {
      store.storeAll(batch);
      stored.increment(batch.size());
    } catch (RuntimeException batchFailed) {
      // One bad event must not lose the others: store them one by one.
      batch.forEach(this::write);
    }
  }

  private void write(AuditEvent event) {
    try {
      store.store(event);
      stored.increment();
    } catch (RuntimeException e) {
      failed.increment();
      log.error("AuditEvent could not be stored: {}", describe(event), e);
    }
  }

  /** Enough to find the request again in the access log, without the patient data. */
  private static String describe(AuditEvent event) {
    String subtype = event.hasSubtype() ? event.getSubtypeFirstRep().getCode() : "?";
    String requestId =
        event.getEntity().stream()
            .filter(e -> "XrequestId".equals(e.getType().getCode()))
            .map(e -> e.getWhat().getIdentifier().getValue())
            .filter(java.util.Objects::nonNull)
            .findFirst()
            .orElse("?");
    return subtype + " " + event.getAction() + " request-id=" + requestId;
  }

  private static Counter counter(MeterRegistry meters, String outcome) {
    return Counter.builder("trialfhir.audit.events")
        .description("AuditEvents by what became of them")
        .tag("outcome", outcome)
        .register(meters);
  }
}
