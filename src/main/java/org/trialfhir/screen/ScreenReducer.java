package org.trialfhir.screen;

import ca.uhn.fhir.batch2.api.ChunkExecutionDetails;
import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IReductionStepWorker;
import ca.uhn.fhir.batch2.api.RunOutcome;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.batch2.model.ChunkOutcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.trialfhir.screen.ScreenModels.Parameters;
import org.trialfhir.screen.ScreenModels.Report;
import org.trialfhir.screen.ScreenModels.Result;
import org.trialfhir.screen.ScreenModels.ResultChunk;

/** Last step: every chunk's results into one report, best verdicts first. */
class ScreenReducer implements IReductionStepWorker<Parameters, ResultChunk, Report> {

  /** Eligible and needs-review first: whom a coordinator contacts. */
  static final List<String> ORDER =
      List.of("eligible", "needs-review", "insufficient-data", "ineligible");

  private final List<Result> results = new ArrayList<>();

  @Override
  public ChunkOutcome consume(ChunkExecutionDetails<Parameters, ResultChunk> details) {
    results.addAll(details.getData().results());
    return ChunkOutcome.SUCCESS();
  }

  @Override
  public RunOutcome run(
      StepExecutionDetails<Parameters, ResultChunk> details, IJobDataSink<Report> sink) {
    List<Result> ordered =
        results.stream()
            .sorted(
                Comparator.comparingInt((Result r) -> ORDER.indexOf(r.verdict()))
                    .thenComparing(Result::patient))
            .toList();
    Map<String, Integer> verdicts = new LinkedHashMap<>();
    ORDER.forEach(v -> verdicts.put(v, 0));
    Map<String, Map<String, Integer>> funnel = new LinkedHashMap<>();
    for (Result result : ordered) {
      verdicts.merge(result.verdict(), 1, Integer::sum);
      result
          .outcomes()
          .forEach(
              (criterion, outcome) ->
                  funnel
                      .computeIfAbsent(criterion, c -> new LinkedHashMap<>())
                      .merge(outcome, 1, Integer::sum));
    }
    Parameters parameters = details.getParameters();
    sink.accept(
        new Report(
            parameters.study(), parameters.date(), ordered.size(), verdicts, funnel, ordered));
    return RunOutcome.SUCCESS;
  }

  @Override
  public IReductionStepWorker<Parameters, ResultChunk, Report> newInstance() {
    return new ScreenReducer();
  }
}
