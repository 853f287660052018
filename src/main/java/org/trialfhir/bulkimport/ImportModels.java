package org.trialfhir.bulkimport;

import ca.uhn.fhir.model.api.IModelJson;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.trialfhir.security.JobCaller;

/** What the bulk import job passes between its steps; Batch2 stores each as JSON in its tables. */
final class ImportModels {

  private ImportModels() {}

  /**
   * The job's parameters: the files in the order they are stored, chunking limits, who asked (the
   * owner of the report) and, to act for them in every step, what their authorisation rests on
   * (null with security off) and the FHIR base they called; how many refusals the report lists per
   * file (0, in jobs queued before that limit existed: all).
   */
  record Parameters(
      @JsonProperty("inputs") List<Input> inputs,
      @JsonProperty("chunkSize") int chunkSize,
      @JsonProperty("maxLineLength") int maxLineLength,
      @JsonProperty("requestedBy") String requestedBy,
      @JsonProperty("caller") JobCaller caller,
      @JsonProperty("serverBase") String serverBase,
      @JsonProperty("maxRefusalsListed") int maxRefusalsListed)
      implements IModelJson {}

  /**
   * One file: its resource type, the URL the caller gave and, for this server's own Binary, its id
   * ({@code Binary/x}; null for a URL fetched over HTTP).
   */
  record Input(
      @JsonProperty("type") String type,
      @JsonProperty("url") String url,
      @JsonProperty("binary") String binary)
      implements IModelJson {}

  /** One NDJSON line: its number in the file (from 1), its text, or why it was not read. */
  record Line(
      @JsonProperty("number") int number,
      @JsonProperty("json") String json,
      @JsonProperty("problem") String problem)
      implements IModelJson {}

  /**
   * Lines of one file to store together, or (no lines) a problem with the whole file that the
   * report must show (it could not be fetched, is not NDJSON, holds nothing). {@code after}: how
   * many chunks the files before this one made; a chunk is stored only once those are, so that what
   * a file refers to (Patients for Observations) is there first.
   */
  record Chunk(
      @JsonProperty("after") int after,
      @JsonProperty("file") int file,
      @JsonProperty("source") String source,
      @JsonProperty("type") String type,
      @JsonProperty("lines") List<Line> lines,
      @JsonProperty("problem") String problem)
      implements IModelJson {}

  /** A resource (NDJSON line) not stored, with the HTTP status a REST write would have had. */
  record Refusal(
      @JsonProperty("line") int line,
      @JsonProperty("status") int status,
      @JsonProperty("message") String message)
      implements IModelJson {}

  /**
   * What became of one chunk: either all its resources were stored (created or updated), or none
   * was, and then {@code refused} says which lines were refused and why, the others counting as not
   * stored.
   */
  record ChunkOutcome(
      @JsonProperty("file") int file,
      @JsonProperty("source") String source,
      @JsonProperty("type") String type,
      @JsonProperty("lines") int lines,
      @JsonProperty("created") int created,
      @JsonProperty("updated") int updated,
      @JsonProperty("notStored") int notStored,
      @JsonProperty("refused") List<Refusal> refused,
      @JsonProperty("problem") String problem)
      implements IModelJson {}

  /**
   * One file's part of the report: {@code refused} lists the refusals with the lowest line numbers
   * (at most {@code trialfhir.bulk-import.max-refusals-listed}); {@code refusedNotListed} counts
   * the others.
   */
  record FileReport(
      @JsonProperty("source") String source,
      @JsonProperty("type") String type,
      @JsonProperty("lines") int lines,
      @JsonProperty("created") int created,
      @JsonProperty("updated") int updated,
      @JsonProperty("notStored") int notStored,
      @JsonProperty("refused") List<Refusal> refused,
      @JsonProperty("refusedNotListed") int refusedNotListed,
      @JsonProperty("problems") List<String> problems)
      implements IModelJson {

    /** Every refused resource of the file, listed or not. */
    int refusedCount() {
      return refused.size() + refusedNotListed;
    }
  }

  /** The whole import: totals, how long it took, and each file's outcome. */
  record Report(
      @JsonProperty("resources") int resources,
      @JsonProperty("stored") int stored,
      @JsonProperty("refused") int refused,
      @JsonProperty("notStored") int notStored,
      @JsonProperty("chunks") int chunks,
      @JsonProperty("millis") long millis,
      @JsonProperty("files") List<FileReport> files)
      implements IModelJson {}
}
