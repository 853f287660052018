package org.trialfhir.study;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code trialfhir.seed.*}.
 *
 * @param enabled load the seed trials (NCT06407297, GXIPC1 phase 1) from the project's FHIR package
 *     at start-up; production sites that manage their own studies turn it off
 */
@ConfigurationProperties("trialfhir.seed")
record SeedProperties(@DefaultValue("true") boolean enabled) {}
