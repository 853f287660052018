package org.trialfhir.screen;

import ca.uhn.fhir.batch2.api.ChunkExecutionDetails;
import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IReductionStepWorker;
import ca.uhn.fhir.batch2.api.RunOutcome;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.batch2.model.ChunkOutcome;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.trialfhir.eligibility.Outcome;
import org.trialfhir.eligibility.Verdict;
import org.trialfhir.screen.ScreenModels.Parameters;
import org.trialfhir.screen.ScreenModels.Report;
import org.trialfhir.screen.ScreenModels.Result;
import org.trialfhir.screen.ScreenModels.ResultChunk;

/**
 * Last step: every chunk's results into one report, best verdicts first, one result per patient (a
 * chunk handed out again after a node died, {@link StaleChunks}, may deliver its results twice).
 */
class ScreenReducer implements IReductionStepWorker<Parameters, ResultChunk, Report> {

  /** The verdicts' codes best first (eligible and needs-review: whom a coordinator contacts). */
  static final List<String> ORDER = Arrays.stream(Verdict.values()).map(Verdict::code).toList();

  private final Map<String, Result> results = new HashMap<>();

  @Override
  public ChunkOutcome consume(ChunkExecutionDetails<Parameters, ResultChunk> details) {
    details.getData().results().forEach(result -> results.put(result.patient(), result));
    return ChunkOutcome.SUCCESS();
  }

  @Override
  public RunOutcome run(
      StepExecutionDetails<Parameters, ResultChunk> details, IJobDataSink<Report> sink) {
    List<Result> ordered =
        results.values().stream()
            .sorted(Comparator.comparing(Result::verdict).thenComparing(Result::patient))
            .toList();
    Map<String, Integer> verdicts = new LinkedHashMap<>();
    for (Verdict verdict : Verdict.values()) {
      verdicts.put(verdict.code(), 0);
    }
    Map<String, Map<String, Integer>> funnel = new LinkedHashMap<>();
    int setBased = 0;
    for (Result result : ordered) {
      verdicts.merge(result.verdict().code(), 1, Integer::sum);
      setBased += result.setBased() ? 1 : 0;
      result
          .outcomes()
          .forEach(
              (criterion, outcome) -> {
                Map<String, Integer> counts = funnel.computeIfAbsent(criterion, c -> newCounts());
                counts.merge(outcome.code(), 1, Integer::sum);
                if (result.setBased() && outcome == Outcome.FAIL) {
                  counts.merge(Report.SET_BASED_FAIL, 1, Integer::sum);
                }
              });
    }
    Parameters parameters = details.getParameters();
    sink.accept(
        new Report(
            parameters.study(),
            parameters.eligibility() != null,
            parameters.date(),
            ordered.size(),
            verdicts,
            funnel,
            setBased,
            ordered));
    return RunOutcome.SUCCESS;
  }

  /** A criterion's counts: every outcome, then its set-based fails, each from zero. */
  private static Map<String, Integer> newCounts() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (Outcome outcome : Outcome.values()) {
      counts.put(outcome.code(), 0);
    }
    counts.put(Report.SET_BASED_FAIL, 0);
    return counts;
  }

  @Override
  public IReductionStepWorker<Parameters, ResultChunk, Report> newInstance() {
    return new ScreenReducer();
  }
}
