package org.trialfhir.projection;

import ca.uhn.fhir.batch2.model.JobDefinition;
import ca.uhn.fhir.model.api.IModelJson;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.trialfhir.server.ReclaimableJob;

/**
 * {@code $rebuild-projection} as a HAPI Batch2 job, the shape of HAPI's own {@code $reindex}: list
 * the ids of every resource a view reads, recompute their rows a page at a time (each page in one
 * transaction, stored in Batch2's tables, and handed out again by screen/StaleChunks when the node
 * that held them dies), then remove the rows of resources that no longer exist and report.
 *
 * <p>Unlike the start-up rebuild ({@link ProjectionRebuild#onStart()}), nothing is cleared first:
 * each page's rows are replaced in place, so the projection stays in use and is never less complete
 * than before the job. That is what it is for: putting rows back in step with the resources when
 * they may not be (rows written by a node of an older version, a database restored from parts),
 * without taking the projection out of service.
 */
@Configuration(proxyBeanMethods = false)
class ProjectionRebuildJob {

  static final String JOB = "trialfhir-projection-rebuild";

  /** Who asked (shown in the status), nothing else: the job reads every resource as the server. */
  record Parameters(@JsonProperty("requestedBy") String requestedBy) implements IModelJson {}

  /** One page of ids of one view's resource type. */
  record Page(@JsonProperty("type") String type, @JsonProperty("ids") List<String> ids)
      implements IModelJson {}

  /** How many resources of one page were recomputed. */
  record Recomputed(@JsonProperty("type") String type, @JsonProperty("resources") int resources)
      implements IModelJson {}

  /** Per resource type: resources recomputed, and rows removed whose resource no longer exists. */
  record Report(
      @JsonProperty("resources") Map<String, Integer> resources,
      @JsonProperty("removed") Map<String, Integer> removed)
      implements IModelJson {}

  /**
   * A page recomputed twice gets the same rows (they are replaced, not added), so a dead node's
   * pages may be handed out again; only the report's count of recomputed resources counts such a
   * page twice.
   */
  @Bean
  ReclaimableJob projectionRebuildReclaimable() {
    return new ReclaimableJob(JOB);
  }

  @Bean
  JobDefinition<Parameters> projectionRebuildJobDefinition(
      Projection projection, ProjectionRebuild rebuild) {
    ProjectionRebuildSteps steps = new ProjectionRebuildSteps(projection, rebuild);
    return JobDefinition.newBuilder()
        .setJobDefinitionId(JOB)
        .setJobDescription("Recompute the eligibility projection from the stored resources")
        .setJobDefinitionVersion(1)
        .setParametersType(Parameters.class)
        // the reducer removes leftover rows only once every page has been recomputed
        .gatedExecution()
        .addFirstStep("list", "List the ids of each view's resources", Page.class, steps.list())
        .addIntermediateStep(
            "recompute",
            "Recompute one page of rows in one transaction",
            Recomputed.class,
            steps.recompute())
        .addFinalReducerStep(
            "finish",
            "Remove rows of resources that no longer exist, and report",
            Report.class,
            steps.finish())
        .build();
  }
}
