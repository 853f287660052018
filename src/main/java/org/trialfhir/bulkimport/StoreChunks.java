package org.trialfhir.bulkimport;

import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IJobPersistence;
import ca.uhn.fhir.batch2.api.IJobStepWorker;
import ca.uhn.fhir.batch2.api.JobExecutionFailedException;
import ca.uhn.fhir.batch2.api.RunOutcome;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.batch2.model.WorkChunk;
import ca.uhn.fhir.batch2.model.WorkChunkStatusEnum;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.time.Duration;
import java.util.Iterator;
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

  /** How long a chunk waits for the files before its own; then it is stored all the same. */
  static final Duration MAX_WAIT = Duration.ofMinutes(30);

  private final ChunkWriter writer;
  private final JobCallerRequests callers;
  private final IJobPersistence persistence;

  StoreChunks(ChunkWriter writer, JobCallerRequests callers, IJobPersistence persistence) {
    this.writer = writer;
    this.callers = callers;
    this.persistence = persistence;
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
    if (!earlierFilesStored(details.getInstance().getInstanceId(), chunk.after())) {
      return new RunOutcome(0); // cancelled meanwhile
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

  /**
   * Waits until every chunk of the files before this chunk's file is done. Batch2 runs a step's
   * chunks in parallel, but an Observation can be stored only once its Patient is (referential
   * integrity): files are in dependency order, and their chunks were made, and are handed out, in
   * that order, so those waited for are already running. Chunks of one file run in parallel. False
   * if the import was cancelled meanwhile.
   */
  private boolean earlierFilesStored(String instanceId, int after) {
    if (after == 0) {
      return true;
    }
    long deadline = System.nanoTime() + MAX_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      boolean pending = false;
      Iterator<WorkChunk> chunks = persistence.fetchAllWorkChunksIterator(instanceId, false);
      while (chunks.hasNext()) {
        WorkChunk chunk = chunks.next();
        if (BulkImportJobConfig.STORE.equals(chunk.getTargetStepId())
            && chunk.getSequence() < after
            && chunk.getStatus() != WorkChunkStatusEnum.COMPLETED
            && chunk.getStatus() != WorkChunkStatusEnum.FAILED) {
          pending = true;
          break;
        }
      }
      if (!pending) {
        return true;
      }
      if (persistence.fetchInstance(instanceId).map(i -> i.isCancelled()).orElse(true)) {
        return false;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JobExecutionFailedException("interrupted", e);
      }
    }
    return true;
  }
}
