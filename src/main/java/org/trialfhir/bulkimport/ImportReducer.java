package org.trialfhir.bulkimport;

import ca.uhn.fhir.batch2.api.ChunkExecutionDetails;
import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IReductionStepWorker;
import ca.uhn.fhir.batch2.api.RunOutcome;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.batch2.model.ChunkOutcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.TreeMap;
import org.trialfhir.bulkimport.ImportModels.FileReport;
import org.trialfhir.bulkimport.ImportModels.Parameters;
import org.trialfhir.bulkimport.ImportModels.Refusal;
import org.trialfhir.bulkimport.ImportModels.Report;

/** Last step: every chunk's outcome into one report, file by file in the order given. */
class ImportReducer implements IReductionStepWorker<Parameters, ImportModels.ChunkOutcome, Report> {

  private final List<ImportModels.ChunkOutcome> outcomes = new ArrayList<>();

  @Override
  public ChunkOutcome consume(
      ChunkExecutionDetails<Parameters, ImportModels.ChunkOutcome> details) {
    outcomes.add(details.getData());
    return ChunkOutcome.SUCCESS();
  }

  @Override
  public RunOutcome run(
      StepExecutionDetails<Parameters, ImportModels.ChunkOutcome> details,
      IJobDataSink<Report> sink) {
    Parameters parameters = details.getParameters();
    TreeMap<Integer, List<ImportModels.ChunkOutcome>> byFile = new TreeMap<>();
    for (ImportModels.ChunkOutcome outcome : outcomes) {
      byFile.computeIfAbsent(outcome.file(), f -> new ArrayList<>()).add(outcome);
    }
    List<FileReport> files = new ArrayList<>();
    int resources = 0;
    int stored = 0;
    int refusedCount = 0;
    int notStored = 0;
    for (int file = 0; file < parameters.inputs().size(); file++) {
      var input = parameters.inputs().get(file);
      int lines = 0;
      int created = 0;
      int updated = 0;
      int skipped = 0;
      List<Refusal> refused = new ArrayList<>();
      List<String> problems = new ArrayList<>();
      for (ImportModels.ChunkOutcome outcome : byFile.getOrDefault(file, List.of())) {
        lines += outcome.lines();
        created += outcome.created();
        updated += outcome.updated();
        skipped += outcome.notStored();
        refused.addAll(outcome.refused());
        if (outcome.problem() != null) {
          problems.add(outcome.problem());
        }
      }
      refused.sort(Comparator.comparingInt(Refusal::line));
      files.add(
          new FileReport(
              input.url(), input.type(), lines, created, updated, skipped, refused, problems));
      resources += lines;
      stored += created + updated;
      refusedCount += refused.size();
      notStored += skipped;
    }
    Date start = details.getInstance().getStartTime();
    long millis = start == null ? 0 : System.currentTimeMillis() - start.getTime();
    sink.accept(
        new Report(resources, stored, refusedCount, notStored, outcomes.size(), millis, files));
    return RunOutcome.SUCCESS;
  }

  @Override
  public IReductionStepWorker<Parameters, ImportModels.ChunkOutcome, Report> newInstance() {
    return new ImportReducer();
  }
}
