package org.trialfhir.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hl7.fhir.r4.model.AuditEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

class AuditEventWriterTest {

  private final List<AuditEvent> stored = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private final AuditEventStore store =
      new AuditEventStore(null, org.mockito.Mockito.mock(PlatformTransactionManager.class)) {
        @Override
        void store(AuditEvent event) {
          if ("fail".equals(event.getOutcomeDesc())) {
            throw new IllegalStateException("database down");
          }
          stored.add(event);
        }

        @Override
        void storeAll(List<AuditEvent> events) {
          batches.add(events.size());
          if (events.stream().anyMatch(e -> "fail".equals(e.getOutcomeDesc()))) {
            throw new IllegalStateException("rolled back");
          }
          stored.addAll(events);
        }
      };
  private final List<Integer> batches = new CopyOnWriteArrayList<>();

  @AfterEach
  void endTransaction() {
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.clearSynchronization();
    }
  }

  private double count(String outcome) {
    return meters.get("trialfhir.audit.events").tag("outcome", outcome).counter().count();
  }

  private static AuditEvent event(String description) {
    return new AuditEvent().setOutcomeDesc(description);
  }

  @Test
  void aFullQueueDropsAndCountsInsteadOfWaitingAndShutdownWritesWhatIsQueued() {
    AuditEventWriter writer = new AuditEventWriter(store, 2, meters);

    writer.recordAuditEvent(event("1"));
    writer.recordAuditEvent(event("2"));
    writer.recordAuditEvent(event("3"));
    assertThat(count("dropped")).isEqualTo(1);

    writer.start();
    writer.stop();
    assertThat(stored).extracting(AuditEvent::getOutcomeDesc).containsExactly("1", "2");
    assertThat(count("stored")).isEqualTo(2);
    assertThat(writer.isRunning()).isFalse();
  }

  @Test
  void droppingAnEventWithoutARequestIdNeitherThrowsNorFailsTheRequest() {
    AuditEventWriter writer = new AuditEventWriter(store, 1, meters);
    AuditEvent noRequestId = event("2");
    // BALP adds the request-id entity with an empty identifier when the request has no id.
    noRequestId.addEntity().getType().setCode("XrequestId");

    writer.recordAuditEvent(event("1"));
    writer.recordAuditEvent(noRequestId);

    assertThat(count("dropped")).isEqualTo(1);
  }

  @Test
  void queuedEventsAreWrittenInBatchesAndABatchThatFailsIsWrittenOneByOne() {
    AuditEventWriter writer = new AuditEventWriter(store, 1000, meters);
    for (int i = 0; i < AuditEventWriter.BATCH + 5; i++) {
      writer.recordAuditEvent(event(i == 3 ? "fail" : "e" + i));
    }

    writer.start();
    writer.stop();

    // The first batch held the failing event: its other 99 were stored one by one.
    assertThat(batches).containsExactly(AuditEventWriter.BATCH, 5);
    assertThat(stored).hasSize(AuditEventWriter.BATCH + 4);
    assertThat(count("stored")).isEqualTo(AuditEventWriter.BATCH + 4);
    assertThat(count("failed")).isEqualTo(1);
  }

  @Test
  void aFailedStoreIsCountedAndTheWriterGoesOn() {
    AuditEventWriter writer = new AuditEventWriter(store, 10, meters);
    writer.recordAuditEvent(event("fail"));
    writer.recordAuditEvent(event("ok"));

    writer.start();
    writer.stop();

    assertThat(count("failed")).isEqualTo(1);
    assertThat(stored).extracting(AuditEvent::getOutcomeDesc).containsExactly("ok");
  }

  @Test
  void insideATransactionAnEventWaitsForTheCommit() {
    AuditEventWriter writer = new AuditEventWriter(store, 10, meters);
    TransactionSynchronizationManager.initSynchronization();

    writer.recordAuditEvent(event("committed"));
    writer.start();
    writer.stop();
    assertThat(stored).as("not before the commit").isEmpty();

    TransactionSynchronizationManager.getSynchronizations()
        .forEach(TransactionSynchronization::afterCommit);
    writer.start();
    writer.stop();
    assertThat(stored).extracting(AuditEvent::getOutcomeDesc).containsExactly("committed");
  }

  @Test
  void itStopsAfterTheWebServer() {
    // Spring stops higher phases first; the web server's are DEFAULT_PHASE - 1024 and - 2048.
    assertThat(AuditEventWriter.PHASE)
        .isLessThan(org.springframework.context.SmartLifecycle.DEFAULT_PHASE - 2048);
  }
}
