package org.trialfhir.screen;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.batch2.model.JobInstanceStartRequest;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.util.JsonUtil;
import java.time.LocalDate;
import java.util.Map;
import java.util.Objects;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Service;
import org.trialfhir.eligibility.Outcome;
import org.trialfhir.eligibility.PopulationScreening;
import org.trialfhir.screen.ScreenModels.Parameters;
import org.trialfhir.screen.ScreenModels.Report;
import org.trialfhir.screen.ScreenModels.Result;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.JobCaller;
import org.trialfhir.security.SecurityProperties;

/** Starts screenings, tells how far they are, cancels them and turns a report into FHIR. */
@Service
class Screenings {

  static final int CHUNK_SIZE = 100;

  private final IJobCoordinator jobs;
  private final IJobMaintenanceService maintenance;
  private final DaoRegistry daos;
  private final SecurityProperties security;
  private final PopulationScreening screening;

  Screenings(
      IJobCoordinator jobs,
      IJobMaintenanceService maintenance,
      DaoRegistry daos,
      SecurityProperties security,
      PopulationScreening screening) {
    this.jobs = jobs;
    this.maintenance = maintenance;
    this.daos = daos;
    this.security = security;
    this.screening = screening;
  }

  /** A screening in progress or done. */
  record Status(StatusEnum state, double progress, String message, Report report) {}

  /**
   * Checks the request as its caller (the study and the Group are read with the caller's identity,
   * so a Group the caller may not see is a 403 or 404 now), then queues the job with what its steps
   * need to read the population as that caller too (see {@link CallerSteps}).
   */
  String start(
      IdType studyId, Reference group, Group proposed, LocalDate date, RequestDetails caller) {
    // 404 now, not a failed job later
    ResearchStudy study =
        daos.getResourceDao(ResearchStudy.class).read(studyId.toUnqualifiedVersionless(), caller);
    String eligibility = null;
    if (proposed != null) {
      // A preview: the proposed Group read now, by the reader the steps use, as the caller (a 4xx
      // naming what it refuses, not a failed job); carried in the job, never stored.
      screening.plan(studyId, proposed, caller);
      eligibility =
          daos.getSystemDao().getContext().newJsonParser().encodeResourceToString(proposed);
    } else if (!study.hasEnrollment()) {
      throw new InvalidRequestException(
          "ResearchStudy/" + studyId.getIdPart() + " has no eligibility Group to screen against");
    }
    String groupId = null;
    if (group != null && group.hasReference()) {
      IdType id = new IdType(group.getReference());
      if (!"Group".equals(id.getResourceType())) {
        throw new InvalidRequestException("Parameter 'group' must reference a Group of patients");
      }
      daos.getResourceDao(Group.class).read(id.toUnqualifiedVersionless(), caller);
      groupId = id.toUnqualifiedVersionless().getValue();
    }
    JobInstanceStartRequest request = new JobInstanceStartRequest();
    request.setJobDefinitionId(ScreenJobConfig.JOB);
    request.setParameters(
        new Parameters(
            studyId.getIdPart(),
            groupId,
            date.toString(),
            CHUNK_SIZE,
            CurrentCaller.principal(security),
            JobCaller.current(security),
            caller.getFhirServerBase(),
            eligibility));
    String job = jobs.startInstance(new SystemRequestDetails(), request).getInstanceId();
    maintenance.runMaintenancePass(); // dispatch the first step now, not at the next minute
    return job;
  }

  Status status(String jobId) {
    JobInstance job = instance(jobId);
    if (!job.getStatus().isEnded()) {
      // Gated steps advance on a maintenance pass, which HAPI schedules once a minute; a client
      // asking how far it is runs one (HAPI lets one pass run at a time and skips the others).
      maintenance.runMaintenancePass();
      job = instance(jobId);
    }
    Report report =
        job.getStatus() == StatusEnum.COMPLETED && job.getReport() != null
            ? JsonUtil.deserialize(job.getReport(), Report.class)
            : null;
    return new Status(job.getStatus(), job.getProgress(), job.getErrorMessage(), report);
  }

  void cancel(String jobId) {
    instance(jobId);
    jobs.cancelInstance(jobId);
  }

  private JobInstance instance(String jobId) {
    JobInstance job;
    try {
      job = jobs.getInstance(jobId);
    } catch (ResourceNotFoundException e) {
      job = null;
    }
    if (job == null
        || !ScreenJobConfig.JOB.equals(job.getJobDefinitionId())
        || !Objects.equals(
            job.getParameters(Parameters.class).requestedBy(), CurrentCaller.principal(security))) {
      // A screening's results are its requester's: to anyone else it does not exist.
      throw new ResourceNotFoundException("No screening with job id '" + jobId + "'");
    }
    return job;
  }

  /** The report as the operation's output: summary, funnel, then one result per patient. */
  static org.hl7.fhir.r4.model.Parameters toFhir(Report report) {
    var out = new org.hl7.fhir.r4.model.Parameters();
    out.addParameter().setName("study").setValue(new Reference("ResearchStudy/" + report.study()));
    out.addParameter().setName("date").setValue(new StringType(report.date()));
    if (report.preview()) {
      out.addParameter().setName("preview").setValue(new BooleanType(true));
    }
    out.addParameter().setName("patients").setValue(new IntegerType(report.patients()));
    out.addParameter().setName("set-based").setValue(new IntegerType(report.setBased()));
    out.addParameter()
        .setName("evaluated")
        .setValue(new IntegerType(report.patients() - report.setBased()));
    var verdicts = out.addParameter().setName("verdicts");
    report.verdicts().forEach((v, n) -> verdicts.addPart().setName(v).setValue(new IntegerType(n)));
    for (Map.Entry<String, Map<String, Integer>> criterion : report.funnel().entrySet()) {
      var part = out.addParameter().setName("funnel");
      part.addPart().setName("criterion").setValue(new StringType(criterion.getKey()));
      criterion
          .getValue()
          .forEach((o, n) -> part.addPart().setName(o).setValue(new IntegerType(n)));
    }
    for (Result result : report.results()) {
      var part = out.addParameter().setName("result");
      part.addPart().setName("patient").setValue(new Reference("Patient/" + result.patient()));
      part.addPart().setName("verdict").setValue(new CodeType(result.verdict().code()));
      result.outcomes().entrySet().stream()
          .filter(e -> e.getValue() != Outcome.PASS)
          .forEach(
              e ->
                  part.addPart()
                      .setName("criterion")
                      .setValue(new StringType(e.getKey() + ":" + e.getValue().code())));
    }
    return out;
  }
}
