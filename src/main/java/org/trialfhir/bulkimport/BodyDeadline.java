package org.trialfhir.bulkimport;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A fetched body that is closed when its time is up, so that a source that answers its headers and
 * then sends the body slowly, or stops sending, cannot hold an import worker forever: the connect
 * and header timeouts of the HTTP client do not cover the body. Closing the JDK client's body
 * stream from another thread ends a read blocked on it with an IOException; the reading thread is
 * never interrupted (it may be in the middle of database work).
 */
final class BodyDeadline extends FilterInputStream {

  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "bulk-import-fetch-deadline");
            thread.setDaemon(true);
            return thread;
          });

  private final ScheduledFuture<?> timer;
  private volatile boolean expired;

  BodyDeadline(InputStream body, Duration limit) {
    super(body);
    this.timer = TIMER.schedule(this::expire, limit.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void expire() {
    expired = true;
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      // Closing is all that is wanted; the reader sees the stream closed either way.
    }
  }

  /** Whether the body was closed because its time was up. */
  boolean expired() {
    return expired;
  }

  @Override
  public void close() throws IOException {
    timer.cancel(false);
    super.close();
  }
}
