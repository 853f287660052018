package org.trialfhir.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The {@code serving} part of {@code /actuator/health/readiness}: UP only once this node serves
 * what it should, namely the project's FHIR package installed, its SearchParameters active in this
 * node's search parameter registry, and the seed studies loaded (or seeding turned off). Until then
 * OUT_OF_SERVICE (503), naming what is still missing, so that a load balancer does not route to a
 * node that would answer "Unknown search parameter" or find no seed study.
 *
 * <p>Spring's own {@code readinessState} also stays down until the start-up runners have finished,
 * but only as a side effect of the runners being synchronous; this indicator checks the outcome
 * itself and names it (package version, active search parameters, seed studies), so that nodes can
 * be compared. Once UP it stays UP: it gates start-up, and the database has its own indicator.
 */
@Component
public class ServingHealthIndicator implements HealthIndicator {

  static final String PENDING = "pending";
  static final String SEED_DISABLED = "disabled (trialfhir.seed.enabled=false)";

  private static final Logger log = LoggerFactory.getLogger(ServingHealthIndicator.class);

  private final SearchParameterCheck searchParameters;
  private volatile String installedPackage;
  private volatile Object seed;
  private List<String> activeSearchParameters;
  private Health ready;

  ServingHealthIndicator(SearchParameterCheck searchParameters) {
    this.searchParameters = searchParameters;
  }

  /** The project's package is installed (or was already): {@code name#version}. */
  public void packageInstalled(String packageId) {
    installedPackage = packageId;
  }

  /** The seed studies are stored (whether written now or present already). */
  public void seedLoaded(List<String> studies) {
    seed = List.copyOf(studies);
  }

  /** Seeding is turned off: readiness does not wait for it. */
  public void seedDisabled() {
    seed = SEED_DISABLED;
  }

  /**
   * Checks once when Spring declares the application ready, so that the log says when (or that not
   * yet) this node serves, rather than "Started" alone.
   */
  @EventListener(ApplicationReadyEvent.class)
  void checkWhenStarted() {
    Health health = health();
    if (!Status.UP.equals(health.getStatus())) {
      log.warn("Started but not serving yet: {}", health.getDetails());
    }
  }

  @Override
  public synchronized Health health() {
    if (ready != null) {
      return ready;
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("package", installedPackage == null ? PENDING : installedPackage);
    boolean searchParametersActive = false;
    if (installedPackage == null) {
      // Checked only after the install: before it, "all active" would hold of an empty set.
      details.put("searchParameters", PENDING);
    } else {
      SearchParameterCheck.Result result = searchParameters.check();
      searchParametersActive = result.missing().isEmpty() && !result.active().isEmpty();
      if (searchParametersActive) {
        activeSearchParameters = result.active();
        details.put("searchParameters", activeSearchParameters);
      } else {
        details.put("searchParameters", Map.of("notYetActive", result.missing()));
      }
    }
    details.put("seed", seed == null ? PENDING : seed);
    if (installedPackage == null || !searchParametersActive || seed == null) {
      return Health.status(Status.OUT_OF_SERVICE).withDetails(details).build();
    }
    ready = Health.up().withDetails(details).build();
    log.info(
        "Serving: FHIR package {}, {} search parameter(s) active, seed {}",
        installedPackage,
        activeSearchParameters.size(),
        seed);
    return ready;
  }
}
