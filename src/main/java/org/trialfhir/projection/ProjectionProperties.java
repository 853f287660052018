package org.trialfhir.projection;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.eligibility.projection.*}: the eligibility projection (see docs/projection.md).
 *
 * @param enabled answer what the projection holds from it ({@code $screen}'s set-based narrowing,
 *     and the Conditions and Observations of the records {@code $eligibility}, {@code
 *     $match-studies}, {@code $enroll} and {@code $screen}'s full evaluation judge); off, every
 *     fact is read from the resources. The projection is kept in step with every write either way,
 *     so it can be turned on again at any time without a rebuild.
 */
@Validated
@ConfigurationProperties("trialfhir.eligibility.projection")
record ProjectionProperties(@DefaultValue("true") boolean enabled) {}
