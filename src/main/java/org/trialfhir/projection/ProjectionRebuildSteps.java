package org.trialfhir.projection;

import ca.uhn.fhir.batch2.api.ChunkExecutionDetails;
import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IJobStepWorker;
import ca.uhn.fhir.batch2.api.IReductionStepWorker;
import ca.uhn.fhir.batch2.api.RunOutcome;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.batch2.api.VoidModel;
import ca.uhn.fhir.batch2.model.ChunkOutcome;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.trialfhir.projection.ProjectionRebuildJob.Page;
import org.trialfhir.projection.ProjectionRebuildJob.Parameters;
import org.trialfhir.projection.ProjectionRebuildJob.Recomputed;
import org.trialfhir.projection.ProjectionRebuildJob.Report;

/** The steps of {@link ProjectionRebuildJob}; the work itself is {@link ProjectionRebuild}'s. */
final class ProjectionRebuildSteps {

  private final Projection projection;
  private final ProjectionRebuild rebuild;

  ProjectionRebuildSteps(Projection projection, ProjectionRebuild rebuild) {
    this.projection = projection;
    this.rebuild = rebuild;
  }

  IJobStepWorker<Parameters, VoidModel, Page> list() {
    return (StepExecutionDetails<Parameters, VoidModel> details, IJobDataSink<Page> sink) -> {
      for (View view : projection.views().all()) {
        List<String> ids = rebuild.ids(view);
        for (int from = 0; from < ids.size(); from += ProjectionRebuild.PAGE) {
          List<String> page =
              ids.subList(from, Math.min(ids.size(), from + ProjectionRebuild.PAGE));
          sink.accept(new Page(view.resource(), List.copyOf(page)));
        }
      }
      return RunOutcome.SUCCESS;
    };
  }

  IJobStepWorker<Parameters, Page, Recomputed> recompute() {
    return (StepExecutionDetails<Parameters, Page> details, IJobDataSink<Recomputed> sink) -> {
      Page page = details.getData();
      rebuild.recompute(projection.views().get(page.type()), page.ids());
      sink.accept(new Recomputed(page.type(), page.ids().size()));
      return RunOutcome.SUCCESS;
    };
  }

  IReductionStepWorker<Parameters, Recomputed, Report> finish() {
    return new Finish();
  }

  /** Counts the pages, then removes what no resource backs any more. One instance per job. */
  private final class Finish implements IReductionStepWorker<Parameters, Recomputed, Report> {

    private final Map<String, Integer> resources = new TreeMap<>();

    @Override
    public ChunkOutcome consume(ChunkExecutionDetails<Parameters, Recomputed> details) {
      resources.merge(details.getData().type(), details.getData().resources(), Integer::sum);
      return ChunkOutcome.SUCCESS();
    }

    @Override
    public RunOutcome run(
        StepExecutionDetails<Parameters, Recomputed> details, IJobDataSink<Report> sink) {
      Map<String, Integer> removed = new TreeMap<>();
      for (View view : projection.views().all()) {
        resources.putIfAbsent(view.resource(), 0);
        removed.put(view.resource(), rebuild.removeLeftovers(view));
      }
      sink.accept(new Report(resources, removed));
      return RunOutcome.SUCCESS;
    }

    @Override
    public IReductionStepWorker<Parameters, Recomputed, Report> newInstance() {
      return new Finish();
    }
  }
}
