package org.trialfhir.bulkimport;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.bulk-import.*}.
 *
 * @param allowedSources the only places (scheme, host, port and path prefix) from which {@code
 *     $import} fetches NDJSON by URL: fetching any URL a request names would let a caller make the
 *     server reach inside its own network. Empty by default; this server's own Binary resources are
 *     always allowed, and read through storage, not over HTTP.
 * @param chunkSize resources per chunk: each chunk is stored in one database transaction, all or
 *     nothing
 * @param maxLineLength longest NDJSON line (one resource) read, in characters; a longer one is
 *     refused and reported, not read into memory
 * @param timeout how long fetching one file by URL may take to connect and to answer
 * @param fetchTimeout how long reading one file fetched by URL may take, from its answer to its
 *     last line (a source that sends slowly or stops sending would otherwise hold a worker
 *     forever); what was read by then is imported, and the file's report says the rest was not
 * @param maxInputs most {@code input}s (files) one {@code $import} request may name; a request with
 *     more is refused with 400 before anything is read or queued, since each input costs a fetch, a
 *     file report and a Batch2 work chunk
 * @param maxRefusalsListed most refused resources the report lists per file (those with the lowest
 *     line numbers); the others are counted in one issue, so that a file of a million bad lines
 *     makes a report of bounded size, not a million issues held in memory and stored with the job
 */
@Validated
@ConfigurationProperties("trialfhir.bulk-import")
record BulkImportProperties(
    @DefaultValue({}) @NotNull List<URI> allowedSources,
    @DefaultValue("100") @Min(1) @Max(1000) int chunkSize,
    @DefaultValue("1000000") @Min(1000) int maxLineLength,
    @DefaultValue("30s") @NotNull Duration timeout,
    @DefaultValue("30m") @NotNull Duration fetchTimeout,
    @DefaultValue("1000") @Min(1) @Max(100000) int maxInputs,
    @DefaultValue("100") @Min(1) @Max(100000) int maxRefusalsListed) {}
