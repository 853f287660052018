package org.trialfhir.audit;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.audit.*}: the audit trail (an AuditEvent for every access to patient data and
 * every FHIR operation, stored in this server's own database; see {@link AuditOutbox}).
 *
 * @param enabled record the audit trail; when off, no audit interceptor, outbox relay or guard is
 *     active
 * @param relayBatchSize outbox rows stored as AuditEvents per database transaction by the relay
 * @param relayPollInterval how often the relay looks for new outbox rows when it has caught up
 */
@Validated
@ConfigurationProperties("trialfhir.audit")
record AuditProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("20") @Min(1) @Max(500) int relayBatchSize,
    @DefaultValue("200ms") @NotNull Duration relayPollInterval) {

  AuditProperties {
    if (relayPollInterval != null
        && (relayPollInterval.isNegative() || relayPollInterval.isZero())) {
      throw new IllegalArgumentException(
          "trialfhir.audit.relay-poll-interval must be positive, got " + relayPollInterval);
    }
  }
}
