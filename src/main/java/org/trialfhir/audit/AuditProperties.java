package org.trialfhir.audit;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.audit.*}: the audit trail (an AuditEvent for every access to patient data and
 * every FHIR operation, stored in this server's own database).
 *
 * @param enabled record the audit trail; when off, no audit interceptor, writer or guard is active
 * @param queueCapacity AuditEvents that may wait for the background writer; when it is full, new
 *     events are dropped (logged as errors and counted) rather than slowing clinical requests down
 */
@Validated
@ConfigurationProperties("trialfhir.audit")
record AuditProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("10000") @Min(1) @Max(1_000_000) int queueCapacity) {}
