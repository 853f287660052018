package org.trialfhir.server;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Work that must follow a write only once the write is durable: a cache dropped earlier could be
 * filled again with the old version by a read in between, and work started by a write that then
 * rolls back would act on something that never happened.
 */
public final class AfterCommit {

  private AfterCommit() {}

  /** Runs {@code work} when the current transaction commits (never if it rolls back), or now. */
  public static void run(Runnable work) {
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      work.run();
      return;
    }
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            work.run();
          }
        });
  }
}
