package org.trialfhir.projection;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.batch2.model.JobInstanceStartRequest;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.util.JsonUtil;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.trialfhir.projection.ProjectionRebuildJob.Parameters;
import org.trialfhir.projection.ProjectionRebuildJob.Report;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.SecurityProperties;

/** Starts {@code $rebuild-projection} jobs and reports on them; the provider only translates. */
@Component
class ProjectionRebuilds {

  private static final Logger LOG = LoggerFactory.getLogger(ProjectionRebuilds.class);

  private final IJobCoordinator jobs;
  private final IJobMaintenanceService maintenance;
  private final ProjectionRebuild startUp;
  private final SecurityProperties security;

  ProjectionRebuilds(
      IJobCoordinator jobs,
      IJobMaintenanceService maintenance,
      ProjectionRebuild startUp,
      SecurityProperties security) {
    this.jobs = jobs;
    this.maintenance = maintenance;
    this.startUp = startUp;
    this.security = security;
  }

  /** A rebuild in progress or done; {@code report} once it has completed. */
  record Status(
      String jobId, StatusEnum state, double progress, String requestedBy, Report report) {}

  /**
   * Starts a rebuild, or answers the one already running (a second would redo the same work). The
   * start-up rebuild (views changed) clears the tables first and must finish before this one may
   * start: it is refused until then.
   */
  Status start() {
    if (!startUp.ready()) {
      throw new PreconditionFailedException(
          "The projection is being rebuilt at start-up after its views changed; try again when it"
              + " is done");
    }
    List<JobInstance> running =
        jobs.getInstancesbyJobDefinitionIdAndEndedStatus(ProjectionRebuildJob.JOB, false, 1, 0);
    if (!running.isEmpty()) {
      return status(running.get(0));
    }
    JobInstanceStartRequest request = new JobInstanceStartRequest();
    request.setJobDefinitionId(ProjectionRebuildJob.JOB);
    request.setParameters(new Parameters(CurrentCaller.principal(security)));
    String id = jobs.startInstance(new SystemRequestDetails(), request).getInstanceId();
    maintenance.runMaintenancePass();
    return status(id);
  }

  Status status(String jobId) {
    JobInstance job;
    try {
      job = jobId == null ? null : jobs.getInstance(jobId);
    } catch (ResourceNotFoundException e) {
      job = null;
    }
    if (job == null || !ProjectionRebuildJob.JOB.equals(job.getJobDefinitionId())) {
      throw new ResourceNotFoundException("No projection rebuild with job id '" + jobId + "'");
    }
    if (!job.getStatus().isEnded()) {
      // Gated steps advance on a maintenance pass (HAPI runs one a minute): asking runs one.
      maintenance.runMaintenancePass();
      job = jobs.getInstance(jobId);
    }
    return status(job);
  }

  private Status status(JobInstance job) {
    if (job.getStatus() == StatusEnum.FAILED) {
      LOG.warn("Projection rebuild {} failed: {}", job.getInstanceId(), job.getErrorMessage());
    }
    Report report =
        job.getStatus() == StatusEnum.COMPLETED && job.getReport() != null
            ? JsonUtil.deserialize(job.getReport(), Report.class)
            : null;
    return new Status(
        job.getInstanceId(),
        job.getStatus(),
        job.getProgress(),
        job.getParameters(Parameters.class).requestedBy(),
        report);
  }
}
