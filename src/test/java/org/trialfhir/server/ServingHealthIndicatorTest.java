package org.trialfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

class ServingHealthIndicatorTest {

  private static final String PACKAGE = "trialfhir.profiles#0.1.0-h0123456789ab";
  private static final SearchParameterCheck.Result ALL_ACTIVE =
      new SearchParameterCheck.Result(List.of("eligible-age", "phase"), List.of());
  private static final SearchParameterCheck.Result ONE_MISSING =
      new SearchParameterCheck.Result(
          List.of("phase"),
          List.of("http://trialfhir.org/fhir/SearchParameter/ResearchStudy-eligible-age"));

  private final AtomicReference<SearchParameterCheck.Result> registry =
      new AtomicReference<>(ALL_ACTIVE);
  private final AtomicInteger checks = new AtomicInteger();
  private final ServingHealthIndicator indicator =
      new ServingHealthIndicator(
          () -> {
            checks.incrementAndGet();
            return registry.get();
          });

  @Test
  void outOfServiceUntilPackageSearchParametersAndSeedAreAllThere() {
    Health before = indicator.health();
    assertThat(before.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(before.getDetails())
        .containsEntry("package", "pending")
        .containsEntry("searchParameters", "pending")
        .containsEntry("seed", "pending");
    // Before the install, an empty registry would pass "all active": not asked at all.
    assertThat(checks).hasValue(0);

    indicator.packageInstalled(PACKAGE);
    Health packageOnly = indicator.health();
    assertThat(packageOnly.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(packageOnly.getDetails())
        .containsEntry("package", PACKAGE)
        .containsEntry("searchParameters", List.of("eligible-age", "phase"))
        .containsEntry("seed", "pending");

    indicator.seedLoaded(List.of("ResearchStudy/nct06407297"));
    Health ready = indicator.health();
    assertThat(ready.getStatus()).isEqualTo(Status.UP);
    assertThat(ready.getDetails())
        .containsEntry("package", PACKAGE)
        .containsEntry("searchParameters", List.of("eligible-age", "phase"))
        .containsEntry("seed", List.of("ResearchStudy/nct06407297"));
  }

  @Test
  void aSearchParameterTheRegistryDoesNotApplyKeepsTheNodeOutOfService() {
    registry.set(ONE_MISSING);
    indicator.packageInstalled(PACKAGE);
    indicator.seedLoaded(List.of("ResearchStudy/nct06407297"));

    Health stale = indicator.health();
    assertThat(stale.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(stale.getDetails().get("searchParameters").toString()).contains("eligible-age");

    registry.set(ALL_ACTIVE);
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
  }

  @Test
  void anEmptyRegistryIsNotReady() {
    registry.set(new SearchParameterCheck.Result(List.of(), List.of()));
    indicator.packageInstalled(PACKAGE);
    indicator.seedLoaded(List.of());
    assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
  }

  @Test
  void withSeedingTurnedOffReadinessDoesNotWaitForIt() {
    indicator.packageInstalled(PACKAGE);
    indicator.seedDisabled();
    Health ready = indicator.health();
    assertThat(ready.getStatus()).isEqualTo(Status.UP);
    assertThat(ready.getDetails()).containsEntry("seed", "disabled (trialfhir.seed.enabled=false)");
  }

  @Test
  void onceUpItStaysUpWithoutCheckingAgain() {
    indicator.packageInstalled(PACKAGE);
    indicator.seedDisabled();
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    int checked = checks.get();

    registry.set(ONE_MISSING);
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    assertThat(checks).hasValue(checked);
  }
}
