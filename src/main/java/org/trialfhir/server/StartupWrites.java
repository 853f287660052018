package org.trialfhir.server;

import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * Nodes starting together on one database take turns for what start-up writes: the project's FHIR
 * package (profiles/PackageInstaller) and the seed studies (study/SeedStudyLoader), both
 * ApplicationRunners. Each checks first whether its work is done, but two nodes starting on an
 * empty database both found the package missing, both installed it, and one died on a unique key
 * ({@code NPM_PACKAGE idx_pack_id}, seen with bench/nodes.sh). On PostgreSQL a session-level
 * advisory lock is therefore taken by the first runner ({@link Take}) and released by the last
 * ({@link Release}): the second node waits, then finds the package and the seed in place and writes
 * nothing. Its readiness stays down meanwhile, as it does not serve yet. If the node holding the
 * lock dies, its session ends and the lock with it. On H2 (one node) there is no lock.
 */
@Component
class StartupWrites implements DisposableBean {

  /** The advisory lock key, distinct from the schema migration's ("trialstw" in ASCII). */
  static final long ADVISORY_LOCK_KEY = 0x747269616c737477L;

  /** How long a node waits for another node's start-up writes before its own start-up fails. */
  static final Duration MAX_WAIT = Duration.ofMinutes(15);

  private static final Logger log = LoggerFactory.getLogger(StartupWrites.class);

  private final DataSource dataSource;
  private final DatabasePlatform platform;
  private AdvisoryLock held;

  StartupWrites(DataSource dataSource, DatabasePlatform platform) {
    this.dataSource = dataSource;
    this.platform = platform;
  }

  synchronized void take() {
    if (platform != DatabasePlatform.POSTGRESQL || held != null) {
      return;
    }
    long start = System.nanoTime();
    held = AdvisoryLock.acquire(dataSource, ADVISORY_LOCK_KEY, "start-up writes", MAX_WAIT);
    log.info(
        "Start-up writes (package, seed): lock taken after {} ms",
        (System.nanoTime() - start) / 1_000_000);
  }

  synchronized void release() {
    if (held != null) {
      held.close();
      held = null;
    }
  }

  /** A start-up runner that failed ends the context without reaching {@link Release}. */
  @Override
  public void destroy() {
    release();
  }

  /** Runs before every other start-up runner. */
  @Component
  static class Take implements ApplicationRunner, Ordered {
    private final StartupWrites writes;

    Take(StartupWrites writes) {
      this.writes = writes;
    }

    @Override
    public void run(ApplicationArguments args) {
      writes.take();
    }

    @Override
    public int getOrder() {
      return Ordered.HIGHEST_PRECEDENCE;
    }
  }

  /** Runs after every other start-up runner. */
  @Component
  static class Release implements ApplicationRunner, Ordered {
    private final StartupWrites writes;

    Release(StartupWrites writes) {
      this.writes = writes;
    }

    @Override
    public void run(ApplicationArguments args) {
      writes.release();
    }

    @Override
    public int getOrder() {
      return Ordered.LOWEST_PRECEDENCE;
    }
  }
}
