package org.trialfhir.eligibility;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.eligibility.*}: limits of the evaluations (see docs/eligibility.md).
 *
 * @param maxRecordEntries the most entries a record supplied as a Bundle ({@code record} of {@code
 *     $eligibility} and {@code $match-studies}, {@code trialMatchClinicalData} of {@code $match})
 *     may have; more is refused with 413 before anything is evaluated, as the record is held in
 *     memory while it is judged.
 */
@Validated
@ConfigurationProperties("trialfhir.eligibility")
public record EligibilityProperties(@DefaultValue("5000") @Min(1) int maxRecordEntries) {}
