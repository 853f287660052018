package org.trialfhir.bulkimport;

import ca.uhn.fhir.batch2.api.ChunkExecutionDetails;
import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IReductionStepWorker;
import ca.uhn.fhir.batch2.api.RunOutcome;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.batch2.model.ChunkOutcome;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.TreeMap;
import org.trialfhir.bulkimport.ImportModels.FileReport;
import org.trialfhir.bulkimport.ImportModels.Parameters;
import org.trialfhir.bulkimport.ImportModels.Refusal;
import org.trialfhir.bulkimport.ImportModels.Report;

/**
 * Last step: every chunk's outcome into one report, file by file in the order given. Each chunk is
 * folded into its file's totals as it comes, so what the reducer holds is bounded by the number of
 * files and {@code max-refusals-listed}, not by the number of lines refused.
 */
class ImportReducer implements IReductionStepWorker<Parameters, ImportModels.ChunkOutcome, Report> {

  /** One file's totals so far. */
  private static final class Tally {
    int lines;
    int created;
    int updated;
    int notStored;
    final ListedRefusals refused;
    final List<String> problems = new ArrayList<>();

    Tally(int maxRefusalsListed) {
      refused = new ListedRefusals(maxRefusalsListed);
    }
  }

  private final TreeMap<Integer, Tally> files = new TreeMap<>();
  private int chunks;

  @Override
  public ChunkOutcome consume(
      ChunkExecutionDetails<Parameters, ImportModels.ChunkOutcome> details) {
    ImportModels.ChunkOutcome outcome = details.getData();
    int limit = details.getParameters().maxRefusalsListed();
    Tally tally = files.computeIfAbsent(outcome.file(), f -> new Tally(limit));
    tally.lines += outcome.lines();
    tally.created += outcome.created();
    tally.updated += outcome.updated();
    tally.notStored += outcome.notStored();
    if (outcome.refused() != null) {
      for (Refusal refusal : outcome.refused()) {
        tally.refused.add(refusal);
      }
    }
    if (outcome.problem() != null) {
      tally.problems.add(outcome.problem());
    }
    chunks++;
    return ChunkOutcome.SUCCESS();
  }

  @Override
  public RunOutcome run(
      StepExecutionDetails<Parameters, ImportModels.ChunkOutcome> details,
      IJobDataSink<Report> sink) {
    Parameters parameters = details.getParameters();
    List<FileReport> reports = new ArrayList<>();
    int resources = 0;
    int stored = 0;
    int refusedCount = 0;
    int notStored = 0;
    for (int file = 0; file < parameters.inputs().size(); file++) {
      var input = parameters.inputs().get(file);
      Tally tally = files.getOrDefault(file, new Tally(parameters.maxRefusalsListed()));
      FileReport report =
          new FileReport(
              input.url(),
              input.type(),
              tally.lines,
              tally.created,
              tally.updated,
              tally.notStored,
              tally.refused.listed(),
              tally.refused.notListed(),
              tally.problems);
      reports.add(report);
      resources += tally.lines;
      stored += tally.created + tally.updated;
      refusedCount += report.refusedCount();
      notStored += tally.notStored;
    }
    Date start = details.getInstance().getStartTime();
    long millis = start == null ? 0 : System.currentTimeMillis() - start.getTime();
    sink.accept(new Report(resources, stored, refusedCount, notStored, chunks, millis, reports));
    return RunOutcome.SUCCESS;
  }

  @Override
  public IReductionStepWorker<Parameters, ImportModels.ChunkOutcome, Report> newInstance() {
    return new ImportReducer();
  }
}
