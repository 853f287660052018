package org.trialfhir.screen;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.screen.*}: giving back the work of a node that died ({@link StaleChunks}).
 *
 * @param staleChunkAfter how long a chunk of a screening may stay queued or in progress before any
 *     node hands it out again; far longer than a chunk takes (seconds), since a chunk handed out
 *     twice is evaluated twice (harmless: the report keeps one result per patient, but wasted)
 * @param staleChunkCheck how often each node looks for such chunks
 */
@Validated
@ConfigurationProperties("trialfhir.screen")
record ScreenProperties(
    @DefaultValue("10m") @NotNull Duration staleChunkAfter,
    @DefaultValue("1m") @NotNull Duration staleChunkCheck) {}
