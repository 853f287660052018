package org.trialfhir.server;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.server.capability-statement.*}: how {@code /metadata} is cached (see {@link
 * CapabilityStatementCache}).
 *
 * @param cache serve {@code /metadata} from the serialised copy; {@code false} builds and
 *     serialises it on every request
 * @param maxAge how long one copy is served before it is rebuilt in the background of a request;
 *     what it still gets wrong in that time is only the per-type resource counts, since a change of
 *     SearchParameters or StructureDefinitions drops the copy at once
 * @param maxVariants how many variants (base URL, format, compression, ...) are kept at most
 */
@Validated
@ConfigurationProperties("trialfhir.server.capability-statement")
record CapabilityStatementProperties(
    @DefaultValue("true") boolean cache,
    @DefaultValue("60s") @NotNull Duration maxAge,
    @DefaultValue("16") @Min(1) @Max(256) int maxVariants) {}
