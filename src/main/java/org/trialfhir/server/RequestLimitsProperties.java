package org.trialfhir.server;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.server.requests.*}: how much one request's URL may ask for. Each repeat of a
 * search parameter is one more AND-ed condition in one SQL statement: a thousand of them kept a
 * database busy for minutes.
 *
 * @param maxParameterRepeats how often one parameter name may appear in a request
 * @param maxParameters how many parameter values a request may carry in all
 */
@Validated
@ConfigurationProperties("trialfhir.server.requests")
record RequestLimitsProperties(
    @DefaultValue("20") @Min(1) int maxParameterRepeats,
    @DefaultValue("100") @Min(1) int maxParameters) {}
