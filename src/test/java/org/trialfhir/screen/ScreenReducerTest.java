package org.trialfhir.screen;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.batch2.api.ChunkExecutionDetails;
import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IWarningProcessor;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.batch2.model.WorkChunkData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.trialfhir.eligibility.Outcome;
import org.trialfhir.eligibility.Verdict;
import org.trialfhir.screen.ScreenModels.Parameters;
import org.trialfhir.screen.ScreenModels.Report;
import org.trialfhir.screen.ScreenModels.Result;
import org.trialfhir.screen.ScreenModels.ResultChunk;

/** The report's funnel: per criterion every outcome, and how many it ruled out set-based. */
class ScreenReducerTest {

  private static final Parameters PARAMETERS =
      new Parameters("study-1", null, "2026-06-15", 100, "me", null, null, null);

  @Test
  void theFunnelCountsEachCriterionsSetBasedFailsApartFromTheFullEvaluation() {
    ScreenReducer reducer = new ScreenReducer();
    consume(
        reducer,
        new Result("p1", Verdict.INELIGIBLE, Map.of("inc-age", Outcome.FAIL), true),
        new Result("p2", Verdict.INELIGIBLE, Map.of("exc-dka", Outcome.FAIL), true),
        new Result("p3", Verdict.INELIGIBLE, Map.of("exc-dka", Outcome.FAIL), true));
    consume(
        reducer,
        new Result(
            "p4",
            Verdict.INELIGIBLE,
            Map.of("inc-age", Outcome.PASS, "exc-dka", Outcome.FAIL),
            false),
        new Result(
            "p5",
            Verdict.INSUFFICIENT_DATA,
            Map.of("inc-age", Outcome.MISSING_DATA, "exc-dka", Outcome.PASS),
            false),
        // delivered twice by a chunk run again: counted once
        new Result("p1", Verdict.INELIGIBLE, Map.of("inc-age", Outcome.FAIL), true));
    Report report = run(reducer);

    assertThat(report.patients()).isEqualTo(5);
    assertThat(report.setBased()).isEqualTo(3);
    assertThat(report.funnel().get("inc-age"))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "pass", 1, "fail", 1, "missing-data", 1, "manual-review", 0, "set-based-fail", 1));
    assertThat(report.funnel().get("exc-dka"))
        .containsAllEntriesOf(Map.of("pass", 1, "fail", 3, "set-based-fail", 2));
    assertThat(report.verdicts()).containsEntry("ineligible", 4).containsEntry("eligible", 0);

    var fhir = Screenings.toFhir(report);
    assertThat(fhir.getParameter("set-based").getValue().primitiveValue()).isEqualTo("3");
    assertThat(fhir.getParameter("evaluated").getValue().primitiveValue()).isEqualTo("2");
  }

  private static void consume(ScreenReducer reducer, Result... results) {
    reducer.consume(
        new ChunkExecutionDetails<>(
            new ResultChunk(List.of(results)), PARAMETERS, "job-1", "chunk-1"));
  }

  private static Report run(ScreenReducer reducer) {
    List<Report> reports = new ArrayList<>();
    reducer.run(
        new StepExecutionDetails<>(PARAMETERS, null, new JobInstance(), null, null),
        new IJobDataSink<>() {
          @Override
          public void accept(WorkChunkData<Report> data) {
            reports.add(data.getData());
          }

          @Override
          public void recoveredError(String message) {}

          @Override
          public void setWarningProcessor(IWarningProcessor processor) {}
        });
    return reports.get(0);
  }
}
