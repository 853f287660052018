package org.trialfhir.watch;

import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.watch.*}: screening that runs itself ({@link Rescreening}), docs/watch.md.
 *
 * @param enabled false: writes are not followed by re-evaluation
 * @param perMinute re-evaluations of one patient against the watched studies, at most, per minute
 *     and node; more wait in the queue (writes are never slowed)
 * @param queue patients waiting at most; a patient already waiting is not queued twice, and past
 *     this the oldest change is still evaluated but newer ones are dropped and counted in the log
 */
@Validated
@ConfigurationProperties("trialfhir.watch")
record WatchProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("600") @Positive int perMinute,
    @DefaultValue("10000") @Positive int queue) {}
