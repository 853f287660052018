package org.trialfhir.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditEventSink;
import java.util.List;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.AuditEvent;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Where every AuditEvent goes first: a row of the outbox table, durable before the client hears
 * that the access happened. {@link AuditOutboxRelay} turns the rows into AuditEvent resources
 * afterwards. Nothing is held in memory, so nothing is dropped under load and a crash (kill -9)
 * loses nothing: the cost is one small insert, paid by the request that is audited — that is the
 * back-pressure.
 *
 * <ul>
 *   <li><b>Writes</b> (BALP's create, update and delete hooks run just before the commit): the row
 *       is inserted in the write's own database transaction, so a write commits with its audit
 *       record or not at all. A failure to insert the row fails the write.
 *   <li><b>Reads and searches</b> run in a read-only transaction, which cannot take an insert (and
 *       a second connection per read could exhaust the pool under load), so their events wait in
 *       the request (see {@link RequestAudit}) and are committed in one short transaction before
 *       the response is sent ({@link #flush}); if that fails, the client gets an error instead of
 *       the data. A read inside a writable transaction (a transaction Bundle's GET entries) joins
 *       it like a write. The durable record before the response is the read's analogue of the
 *       write's commit; the relay and its restart-safety are the same for both.
 *   <li>Anything else (an operation's event, a refused request): committed on its own at once.
 * </ul>
 */
class AuditOutbox implements IBalpAuditEventSink {

  /** The request BALP is building events for on this thread (see {@link #capturing}). */
  private static final ThreadLocal<RequestDetails> CAPTURING = new ThreadLocal<>();

  private final FhirContext fhirContext;
  private final AuditOutboxTable table;
  private final TransactionTemplate ownTransaction;

  AuditOutbox(
      FhirContext fhirContext, AuditOutboxTable table, PlatformTransactionManager transactions) {
    this.fhirContext = fhirContext;
    this.table = table;
    this.ownTransaction = new TransactionTemplate(transactions);
    // Also when called inside a read-only transaction: this one must write.
    this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
  }

  /** Runs BALP's capture for a request, so that its events can wait in that request. */
  static <T> T capturing(RequestDetails request, Supplier<T> capture) {
    RequestDetails previous = CAPTURING.get();
    CAPTURING.set(request);
    try {
      return capture.get();
    } finally {
      if (previous == null) {
        CAPTURING.remove();
      } else {
        CAPTURING.set(previous);
      }
    }
  }

  @Override
  public void recordAuditEvent(AuditEvent event) {
    String encoded = fhirContext.newJsonParser().encodeResourceToString(event);
    if (inWritableTransaction()) {
      insert(List.of(encoded));
      return;
    }
    RequestDetails request = CAPTURING.get();
    if (request != null) {
      RequestAudit.of(request).addPending(encoded);
      return;
    }
    ownTransaction.executeWithoutResult(status -> insert(List.of(encoded)));
  }

  /** Commits the request's waiting events; called before its response is sent, and at its end. */
  void flush(RequestDetails request) {
    List<String> pending = RequestAudit.of(request).takePending();
    if (!pending.isEmpty()) {
      ownTransaction.executeWithoutResult(status -> insert(pending));
    }
  }

  private void insert(List<String> events) {
    try {
      table.insert(events);
    } catch (RuntimeException e) {
      throw new AuditNotRecordedException(e);
    }
  }

  /**
   * A read-write transaction whose connection JDBC can join. The JPA transaction manager binds its
   * connection to the data source; if it ever did not, an insert would commit on its own, which is
   * exactly what the outbox is for avoiding: refuse instead.
   */
  private boolean inWritableTransaction() {
    if (!TransactionSynchronizationManager.isActualTransactionActive()
        || TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
      return false;
    }
    if (!TransactionSynchronizationManager.hasResource(table.dataSource())) {
      throw new AuditNotRecordedException(
          new IllegalStateException(
              "the current transaction's connection is not bound to the data source"));
    }
    return true;
  }

  /** The request must not succeed without its audit record: a server error, nothing kept. */
  static final class AuditNotRecordedException extends InternalErrorException {
    AuditNotRecordedException(Throwable cause) {
      super(
          "The audit record of this request could not be stored; the request was not carried out",
          cause);
    }
  }
}
