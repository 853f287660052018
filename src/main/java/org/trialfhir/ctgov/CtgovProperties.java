package org.trialfhir.ctgov;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.ctgov.*}.
 *
 * @param fetchEnabled whether the server may ask the registry: {@code nctId} parts of {@code
 *     $import-ctgov}, {@code $sync-ctgov} and the scheduled sync; off by default, as a server often
 *     has no route to the internet
 * @param apiBaseUrl the registry's API v2 base, an absolute https URL (http only on a loopback
 *     host, e.g. a local stand-in); a record is read from {@code {base}/studies/{nctId}}, changed
 *     records are searched at {@code {base}/studies}
 * @param timeout how long one request to the registry may take, its answer's body included
 * @param maxResponseBytes the largest answer read from the registry (a page of up to 100 full
 *     records); a larger one is refused, not read
 * @param maxImportIds the most {@code nctId}s one {@code $import-ctgov} may ask the registry for
 * @param sync the scheduled sync of followed studies
 */
@Validated
@ConfigurationProperties("trialfhir.ctgov")
record CtgovProperties(
    @DefaultValue("false") boolean fetchEnabled,
    @DefaultValue("https://clinicaltrials.gov/api/v2") @NotNull URI apiBaseUrl,
    @DefaultValue("20s") @NotNull Duration timeout,
    @DefaultValue("32MB") @NotNull DataSize maxResponseBytes,
    @DefaultValue("50") @Min(1) @Max(1000) int maxImportIds,
    @DefaultValue @NotNull @Valid Sync sync) {

  @ConstructorBinding
  CtgovProperties {
    // A base the server cannot use must stop the start, not fail every import later.
    if (apiBaseUrl != null
        && (!apiBaseUrl.isAbsolute()
            || !("http".equals(apiBaseUrl.getScheme()) || "https".equals(apiBaseUrl.getScheme()))
            || apiBaseUrl.getHost() == null
            || apiBaseUrl.getQuery() != null
            || apiBaseUrl.getFragment() != null)) {
      throw new IllegalArgumentException(
          "trialfhir.ctgov.api-base-url must be an absolute http(s) URL without query or fragment,"
              + " e.g. https://clinicaltrials.gov/api/v2; it is '"
              + apiBaseUrl
              + "'");
    }
    if (apiBaseUrl != null && "http".equals(apiBaseUrl.getScheme()) && !loopback(apiBaseUrl)) {
      // Records imported over plain http could be changed on the way, and the sync writes them
      // as the server.
      throw new IllegalArgumentException(
          "trialfhir.ctgov.api-base-url must use https (http only for a loopback host such as"
              + " localhost or 127.0.0.1); it is '"
              + apiBaseUrl
              + "'");
    }
    if (maxResponseBytes != null && maxResponseBytes.toBytes() < 1024) {
      throw new IllegalArgumentException(
          "trialfhir.ctgov.max-response-bytes must be at least 1KB (a registry record is larger);"
              + " it is "
              + maxResponseBytes);
    }
    if (maxImportIds < 1) {
      throw new IllegalArgumentException("trialfhir.ctgov.max-import-ids must be at least 1");
    }
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("trialfhir.ctgov.timeout must be positive");
    }
    if (sync != null && sync.enabled() && !fetchEnabled) {
      throw new IllegalArgumentException(
          "trialfhir.ctgov.sync.enabled=true asks the registry, so it needs"
              + " trialfhir.ctgov.fetch-enabled=true");
    }
  }

  /** Without a sync, with the default limits: the tests' and older callers' form. */
  CtgovProperties(boolean fetchEnabled, URI apiBaseUrl, Duration timeout) {
    this(fetchEnabled, apiBaseUrl, timeout, new Sync(false, Duration.ofDays(1), ""));
  }

  /** With the default limits. */
  CtgovProperties(boolean fetchEnabled, URI apiBaseUrl, Duration timeout, Sync sync) {
    this(fetchEnabled, apiBaseUrl, timeout, DataSize.ofMegabytes(32), 50, sync);
  }

  /** Whether the URL names this machine itself (no name is looked up: only literal names). */
  static boolean loopback(URI url) {
    String host = url.getHost();
    return host != null
        && (host.equalsIgnoreCase("localhost")
            || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")
            || host.equals("[::1]"));
  }

  /**
   * {@code trialfhir.ctgov.sync.*}: asking the registry for the followed studies' changed records
   * (docs/registry-import.md).
   *
   * @param enabled whether the server syncs by itself; {@code $sync-ctgov} works either way
   * @param interval time between two scheduled syncs (at least one minute), the first one an
   *     interval after the start; ignored when {@code cron} is set
   * @param cron a Spring cron expression (six fields, e.g. {@code 0 0 3 * * *} for 03:00 daily) in
   *     the server's time zone; empty: use {@code interval}
   */
  record Sync(
      @DefaultValue("false") boolean enabled,
      @DefaultValue("24h") @NotNull Duration interval,
      @DefaultValue("") @NotNull String cron) {

    Sync {
      if (interval != null && interval.compareTo(Duration.ofMinutes(1)) < 0) {
        throw new IllegalArgumentException(
            "trialfhir.ctgov.sync.interval must be at least 1m; it is " + interval);
      }
      if (cron != null && !cron.isBlank() && !CronExpression.isValidExpression(cron)) {
        throw new IllegalArgumentException(
            "trialfhir.ctgov.sync.cron '"
                + cron
                + "' is not a valid cron expression (six fields, e.g. '0 0 3 * * *')");
      }
    }
  }
}
