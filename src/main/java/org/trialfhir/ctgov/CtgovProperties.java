package org.trialfhir.ctgov;

import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.ctgov.*}.
 *
 * @param fetchEnabled whether {@code nctId} parts are fetched from the registry; off by default, as
 *     a server often has no route to the internet
 * @param apiBaseUrl the registry's API v2 base; a record is read from {@code
 *     {base}/studies/{nctId}}
 * @param timeout how long one fetch may take
 */
@Validated
@ConfigurationProperties("trialfhir.ctgov")
record CtgovProperties(
    @DefaultValue("false") boolean fetchEnabled,
    @DefaultValue("https://clinicaltrials.gov/api/v2") @NotNull URI apiBaseUrl,
    @DefaultValue("20s") @NotNull Duration timeout) {}
