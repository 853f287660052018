package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EhrLaunchesTest {

  /** A clock the test moves. */
  private static final class Hands extends Clock {
    private Instant now = Instant.parse("2026-12-07T10:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private final Hands clock = new Hands();
  private final EhrLaunches launches = new EhrLaunches(Duration.ofMinutes(5), 100, clock);
  private final EhrLaunches.Context context =
      new EhrLaunches.Context("coordinator-page", "coordinator", "p1", "e1", "nct06407297", null);

  @Test
  void theContextGoesFromTheLaunchThroughTheAuthorisationToTheToken() {
    String launch = launches.mint(context);
    launches.check(launch, "coordinator-page");
    assertThat(launches.redeem(launch, "coordinator-page", "coordinator")).isEqualTo(context);
    assertThat(launches.take(launch, "coordinator-page", "coordinator")).isEqualTo(context);
  }

  @Test
  void launchIdsAreOpaqueAndUnguessable() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      String id = launches.mint(context);
      assertThat(id).matches("[A-Za-z0-9_-]{43}"); // 256 random bits, base64url
      ids.add(id);
    }
    assertThat(ids).hasSize(50);
  }

  @Test
  void aLaunchIsAuthorisedOnceAndGivesOneToken() {
    String launch = launches.mint(context);
    launches.redeem(launch, "coordinator-page", "coordinator");
    assertThatThrownBy(() -> launches.check(launch, "coordinator-page"))
        .hasMessageContaining("already been used");
    assertThatThrownBy(() -> launches.redeem(launch, "coordinator-page", "coordinator"))
        .hasMessageContaining("already been used");
    launches.take(launch, "coordinator-page", "coordinator");
    assertThatThrownBy(() -> launches.take(launch, "coordinator-page", "coordinator"))
        .hasMessageContaining("already been used");
    assertThatThrownBy(() -> launches.redeem(launch, "coordinator-page", "coordinator"))
        .hasMessageContaining("already been used");
  }

  @Test
  void aTokenNeedsTheAuthorisationToHaveRedeemedTheLaunch() {
    String launch = launches.mint(context);
    assertThatThrownBy(() -> launches.take(launch, "coordinator-page", "coordinator"))
        .hasMessageContaining("not authorised");
  }

  @Test
  void anExpiredLaunchIsRefusedAtEveryStep() {
    String waited = launches.mint(context);
    clock.now = clock.now.plus(Duration.ofMinutes(5));
    assertThatThrownBy(() -> launches.check(waited, "coordinator-page"))
        .hasMessageContaining("expired");

    String slow = launches.mint(context);
    launches.redeem(slow, "coordinator-page", "coordinator");
    clock.now = clock.now.plus(Duration.ofMinutes(6));
    assertThatThrownBy(() -> launches.take(slow, "coordinator-page", "coordinator"))
        .hasMessageContaining("expired");
  }

  @Test
  void aLaunchIsBoundToItsClientAndItsUser() {
    String launch = launches.mint(context);
    assertThatThrownBy(() -> launches.check(launch, "another-app"))
        .hasMessageContaining("another client");
    assertThatThrownBy(() -> launches.redeem(launch, "another-app", "coordinator"))
        .hasMessageContaining("another client");
    assertThatThrownBy(() -> launches.redeem(launch, "coordinator-page", "investigator"))
        .hasMessageContaining("another user");
    // Refusals consumed nothing: the rightful user still authorises with it.
    launches.redeem(launch, "coordinator-page", "coordinator");
    assertThatThrownBy(() -> launches.take(launch, "another-app", "coordinator"))
        .hasMessageContaining("another client or user");
  }

  @Test
  void anUnknownLaunchIsRefused() {
    assertThatThrownBy(() -> launches.check("made-up", "coordinator-page"))
        .hasMessageContaining("unknown launch");
    assertThatThrownBy(() -> launches.check(null, "coordinator-page"))
        .hasMessageContaining("unknown launch");
  }

  @Test
  void pendingLaunchesAreBoundedAndExpiredOnesMakeRoom() {
    EhrLaunches few = new EhrLaunches(Duration.ofMinutes(5), 2, clock);
    few.mint(context);
    few.mint(context);
    assertThatThrownBy(() -> few.mint(context)).hasMessageContaining("too many");
    clock.now = clock.now.plus(Duration.ofMinutes(5));
    assertThat(few.mint(context)).isNotBlank();
  }
}
