package org.trialfhir.security;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.security.ehr-launch.*}: SMART EHR launches of the development issuer (its EHR
 * simulator at {@code /dev-ehr/launch}).
 *
 * @param ttl how long a launch id may wait for the app's authorisation request (and then its token
 *     request); after that it is refused
 * @param maxPending at most this many launch ids are held at once
 */
@Validated
@ConfigurationProperties("trialfhir.security.ehr-launch")
record EhrLaunchProperties(
    @DefaultValue("5m") @NotNull Duration ttl, @DefaultValue("10000") @Positive int maxPending) {}
