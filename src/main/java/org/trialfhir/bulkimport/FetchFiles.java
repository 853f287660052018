package org.trialfhir.bulkimport;

import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IJobStepWorker;
import ca.uhn.fhir.batch2.api.IWarningProcessor;
import ca.uhn.fhir.batch2.api.RunOutcome;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.batch2.api.VoidModel;
import ca.uhn.fhir.batch2.model.WorkChunkData;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.IdType;
import org.trialfhir.bulkimport.ImportModels.Chunk;
import org.trialfhir.bulkimport.ImportModels.Input;
import org.trialfhir.bulkimport.ImportModels.Line;
import org.trialfhir.bulkimport.ImportModels.Parameters;
import org.trialfhir.security.JobCallerRequests;

/**
 * First step: reads each file in turn (a Binary of this server through storage, as the caller; a
 * URL over HTTP, only if allowed) and cuts it into chunks of lines. Problems with a whole file
 * (cannot be fetched, is not NDJSON, is not UTF-8) become a chunk without lines, so that the report
 * shows them; the job goes on with the other files.
 */
class FetchFiles implements IJobStepWorker<Parameters, VoidModel, Chunk> {

  /** HAPI cuts chunks at 2 MB of text too: Batch2 keeps each chunk in one database row. */
  static final int MAX_CHUNK_CHARS = 2 * 1024 * 1024;

  private final DaoRegistry daos;
  private final JobCallerRequests callers;
  private final BulkImportProperties properties;
  private final HttpClient http;

  FetchFiles(DaoRegistry daos, JobCallerRequests callers, BulkImportProperties properties) {
    this.daos = daos;
    this.callers = callers;
    this.properties = properties;
    // No redirects: a redirect could lead anywhere, past the allow-list.
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(properties.timeout())
            .build();
  }

  @Override
  public RunOutcome run(
      StepExecutionDetails<Parameters, VoidModel> details, IJobDataSink<Chunk> sink) {
    Parameters parameters = details.getParameters();
    int lines = 0;
    Counting counting = new Counting(sink);
    for (int file = 0; file < parameters.inputs().size(); file++) {
      Input input = parameters.inputs().get(file);
      String requestId = "import-" + details.getInstance().getInstanceId() + "-fetch-" + file;
      lines += read(parameters, counting.emitted, file, input, requestId, counting);
    }
    return new RunOutcome(lines);
  }

  private int read(
      Parameters parameters,
      int after,
      int file,
      Input input,
      String requestId,
      IJobDataSink<Chunk> sink) {
    InputStream opened = null;
    try (InputStream stream = open(parameters, input, requestId)) {
      opened = stream;
      return split(parameters, after, file, input, stream, sink);
    } catch (SourceProblem e) {
      sink.accept(new Chunk(after, file, input.url(), input.type(), List.of(), e.getMessage()));
      return 0;
    } catch (BaseServerResponseException e) {
      // The caller may no longer read the Binary, or it is gone.
      sink.accept(
          new Chunk(
              after,
              file,
              input.url(),
              input.type(),
              List.of(),
              "HTTP " + e.getStatusCode() + " reading " + input.binary() + ": " + e.getMessage()));
      return 0;
    } catch (IOException e) {
      String problem =
          opened instanceof BodyDeadline deadline && deadline.expired()
              ? "was not read to its end within trialfhir.bulk-import.fetch-timeout ("
                  + properties.fetchTimeout()
                  + "): the lines read by then were imported (this file's counts), the rest"
                  + " was not read"
              : "could not be read: " + e.getMessage();
      sink.accept(new Chunk(after, file, input.url(), input.type(), List.of(), problem));
      return 0;
    }
  }

  private InputStream open(Parameters parameters, Input input, String requestId)
      throws IOException {
    if (input.binary() != null) {
      Binary binary =
          callers.call(
              parameters.caller(),
              parameters.serverBase(),
              input.binary(),
              requestId,
              request ->
                  daos.getResourceDao(Binary.class).read(new IdType(input.binary()), request));
      if (!ImportSources.ndjson(binary.getContentType())) {
        throw new SourceProblem(
            input.binary()
                + " has content type '"
                + binary.getContentType()
                + "', not NDJSON ("
                + String.join(", ", ImportSources.NDJSON_TYPES)
                + ")");
      }
      return new ByteArrayInputStream(binary.getData() == null ? new byte[0] : binary.getData());
    }
    // Checked again here: the allow-list may have changed since the import was asked for.
    // Exactly the URI that was checked is fetched.
    URI checked = ImportSources.checked(input.url(), properties.allowedSources());
    if (checked == null) {
      throw new SourceProblem(
          "is not under any of trialfhir.bulk-import.allowed-sources; not fetched");
    }
    HttpResponse<InputStream> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(checked)
                  .timeout(properties.timeout())
                  .header("Accept", "application/fhir+ndjson")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (response.statusCode() != 200) {
      response.body().close();
      throw new SourceProblem("answered HTTP " + response.statusCode() + "; nothing read");
    }
    String type = response.headers().firstValue("Content-Type").orElse(null);
    if (!ImportSources.ndjson(type)) {
      response.body().close();
      throw new SourceProblem(
          "has content type '"
              + type
              + "', not NDJSON ("
              + String.join(", ", ImportSources.NDJSON_TYPES)
              + ")");
    }
    return new BodyDeadline(response.body(), properties.fetchTimeout());
  }

  private int split(
      Parameters parameters,
      int after,
      int file,
      Input input,
      InputStream stream,
      IJobDataSink<Chunk> sink)
      throws IOException {
    // Invalid UTF-8 is an error, not silently replaced characters.
    var decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    NdjsonLines lines =
        new NdjsonLines(
            new BufferedReader(new InputStreamReader(stream, decoder), 64 * 1024),
            parameters.maxLineLength());
    List<Line> chunk = new ArrayList<>();
    int chars = 0;
    int count = 0;
    try {
      Line line;
      while ((line = lines.next()) != null) {
        chunk.add(line);
        count++;
        chars += line.json() == null ? 0 : line.json().length();
        if (chunk.size() >= parameters.chunkSize() || chars >= MAX_CHUNK_CHARS) {
          sink.accept(new Chunk(after, file, input.url(), input.type(), List.copyOf(chunk), null));
          chunk.clear();
          chars = 0;
        }
      }
    } catch (java.nio.charset.CharacterCodingException e) {
      flush(after, file, input, chunk, sink);
      throw new SourceProblem(
          "is not UTF-8 after line " + lines.lineNumber() + "; the rest was not read");
    } catch (IOException e) {
      flush(after, file, input, chunk, sink);
      throw new SourceProblem(
          "could not be read after line " + lines.lineNumber() + ": " + e.getMessage());
    }
    flush(after, file, input, chunk, sink);
    if (count == 0) {
      throw new SourceProblem("holds no resources");
    }
    return count;
  }

  private static void flush(
      int after, int file, Input input, List<Line> chunk, IJobDataSink<Chunk> sink) {
    if (!chunk.isEmpty()) {
      sink.accept(new Chunk(after, file, input.url(), input.type(), List.copyOf(chunk), null));
      chunk.clear();
    }
  }

  /** A problem with a whole file, reported with it. */
  private static final class SourceProblem extends IOException {
    SourceProblem(String message) {
      super(message);
    }
  }

  /**
   * Counts the chunks handed to Batch2, whose sequence numbers follow the same count: a chunk's
   * {@code after} is the count when its file began.
   */
  private static final class Counting implements IJobDataSink<Chunk> {
    private final IJobDataSink<Chunk> sink;
    private int emitted;

    Counting(IJobDataSink<Chunk> sink) {
      this.sink = sink;
    }

    @Override
    public void accept(WorkChunkData<Chunk> data) {
      emitted++;
      sink.accept(data);
    }

    @Override
    public void recoveredError(String message) {
      sink.recoveredError(message);
    }

    @Override
    public void setWarningProcessor(IWarningProcessor processor) {
      sink.setWarningProcessor(processor);
    }
  }
}
