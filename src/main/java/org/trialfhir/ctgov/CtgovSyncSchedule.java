package org.trialfhir.ctgov;

import java.time.Instant;
import java.util.TimeZone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.Trigger;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;
import org.springframework.scheduling.support.PeriodicTrigger;
import org.springframework.stereotype.Component;

/**
 * Runs the registry sync on {@code trialfhir.ctgov.sync.*}'s schedule, where enabled. Nobody asked
 * for this work, so it runs as the server itself, recording a Provenance for each study and Group
 * it changes; {@code $sync-ctgov} runs it as its caller.
 */
@Component
class CtgovSyncSchedule implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(CtgovSyncSchedule.class);

  private final CtgovSync sync;
  private final CtgovProperties.Sync settings;
  private ThreadPoolTaskScheduler scheduler;

  CtgovSyncSchedule(CtgovSync sync, CtgovProperties properties) {
    this.sync = sync;
    this.settings = properties.sync();
  }

  @Override
  public synchronized void start() {
    if (!settings.enabled() || scheduler != null) {
      return;
    }
    scheduler = new ThreadPoolTaskScheduler();
    scheduler.setPoolSize(1);
    scheduler.setThreadNamePrefix("ctgov-sync-");
    scheduler.setDaemon(true);
    scheduler.initialize();
    scheduler.schedule(this::runOnce, trigger());
    log.info(
        "Registry sync scheduled: {}",
        settings.cron().isBlank() ? "every " + settings.interval() : "cron " + settings.cron());
  }

  private Trigger trigger() {
    if (!settings.cron().isBlank()) {
      return new CronTrigger(settings.cron(), TimeZone.getDefault());
    }
    PeriodicTrigger periodic = new PeriodicTrigger(settings.interval());
    // Not at start-up: a restarting server should not ask the registry each time it starts.
    periodic.setInitialDelay(settings.interval());
    return periodic;
  }

  void runOnce() {
    Instant started = Instant.now();
    try {
      var ran = sync.syncAsServer();
      if (ran.isEmpty()) {
        // A $sync-ctgov is doing the same work now; the next run comes soon enough.
        log.info("Registry sync skipped: a sync is already running");
        return;
      }
      CtgovSync.Report report = ran.get();
      long errors =
          report.results().stream().filter(r -> "error".equals(r.status())).count()
              + report.problems().getIssue().size();
      log.info(
          "Registry sync: {} followed, asked since {}, {} changed, {} problems, {} ms",
          report.followed(),
          report.since(),
          report.changed(),
          errors,
          java.time.Duration.between(started, Instant.now()).toMillis());
      report.problems().getIssue().forEach(i -> log.warn("Registry sync: {}", i.getDiagnostics()));
      report.results().stream()
          .filter(r -> r.outcome() != null && "error".equals(r.status()))
          .forEach(
              r ->
                  r.outcome()
                      .getIssue()
                      .forEach(i -> log.warn("Registry sync: {}", i.getDiagnostics())));
    } catch (RuntimeException e) {
      // The next run tries again; a failed run must not end the schedule.
      log.error("Registry sync failed", e);
    }
  }

  @Override
  public synchronized void stop() {
    if (scheduler != null) {
      scheduler.shutdown();
      scheduler = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return scheduler != null;
  }
}
