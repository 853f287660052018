package org.trialfhir.bulkimport;

import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IJobStepWorker;
import ca.uhn.fhir.batch2.api.JobExecutionFailedException;
import ca.uhn.fhir.batch2.api.RunOutcome;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import org.trialfhir.bulkimport.ImportModels.Chunk;
import org.trialfhir.bulkimport.ImportModels.ChunkOutcome;
import org.trialfhir.bulkimport.ImportModels.Parameters;
import org.trialfhir.security.JobCallerRequests;

/**
 * Second step: stores each chunk as the caller who asked for the import ({@link ChunkWriter}). A
 * chunk that carries a problem with its whole file is passed on to the report as it is.
 */
class StoreChunks implements IJobStepWorker<Parameters, Chunk, ChunkOutcome> {

  /** Begins the job's error message when it cannot act for its caller: answered 403, not 500. */
  static final String REFUSED = "Refused for the caller who asked for the import: ";

  private final ChunkWriter writer;
  private final JobCallerRequests callers;

  StoreChunks(ChunkWriter writer, JobCallerRequests callers) {
    this.writer = writer;
    this.callers = callers;
  }

  @Override
  public RunOutcome run(
      StepExecutionDetails<Parameters, Chunk> details, IJobDataSink<ChunkOutcome> sink) {
    Chunk chunk = details.getData();
    if (chunk.lines().isEmpty()) {
      sink.accept(
          new ChunkOutcome(
              chunk.file(),
              chunk.source(),
              chunk.type(),
              0,
              0,
              0,
              0,
              java.util.List.of(),
              chunk.problem()));
      return new RunOutcome(0);
    }
    Parameters parameters = details.getParameters();
    String requestId =
        "import-" + details.getInstance().getInstanceId() + "-chunk-" + details.getChunkId();
    ChunkOutcome outcome;
    try {
      outcome =
          callers.as(
              parameters.caller(),
              requestId,
              () -> writer.store(chunk, parameters.serverBase(), requestId));
    } catch (ForbiddenOperationException e) {
      // No caller recorded: nothing can be written for anyone.
      throw new JobExecutionFailedException(REFUSED + e.getMessage(), e);
    }
    sink.accept(outcome);
    return new RunOutcome(chunk.lines().size());
  }
}
