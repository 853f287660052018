package org.trialfhir.projection;

import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Map;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;

/**
 * {@code $rebuild-projection}: recomputes the eligibility projection from the stored resources as a
 * Batch2 job, as HAPI's {@code $reindex} recomputes its search indexes (docs/projection.md). POST
 * without {@code job} starts one (or answers the one running); GET or POST with {@code job} reports
 * on it. Administrators only (security/RoleRules).
 */
@Component
class ProjectionRebuildProvider implements FhirProvider {

  static final String OPERATION = "$rebuild-projection";

  private final ProjectionRebuilds rebuilds;

  ProjectionRebuildProvider(ProjectionRebuilds rebuilds) {
    this.rebuilds = rebuilds;
  }

  @Operation(name = OPERATION, idempotent = true)
  @Description(
      "Recompute the eligibility projection from the stored resources. POST without 'job' starts"
          + " a rebuild (or answers the one already running); with 'job', its status and, once"
          + " completed, per resource type how many resources were recomputed and how many"
          + " resources' leftover rows were removed")
  public Parameters rebuild(
      @Description("The job id a previous call answered: report on that rebuild")
          @OperationParam(name = "job", max = 1)
          StringType job,
      RequestDetails request) {
    if (job != null && job.hasValue()) {
      return toFhir(rebuilds.status(job.getValue()));
    }
    if (request.getRequestType() != RequestTypeEnum.POST) {
      throw new InvalidRequestException(
          OPERATION + " starts a rebuild only with POST; GET needs the 'job' to report on");
    }
    return toFhir(rebuilds.start());
  }

  static Parameters toFhir(ProjectionRebuilds.Status status) {
    Parameters out = new Parameters();
    out.addParameter("job", new StringType(status.jobId()));
    out.addParameter("status", new StringType(status.state().name()));
    out.addParameter("progress", new DecimalType(status.progress()));
    if (status.requestedBy() != null) {
      out.addParameter("requestedBy", new StringType(status.requestedBy()));
    }
    if (status.state() == StatusEnum.FAILED) {
      // The job's own error may hold SQL or other internals: it is in the server's log.
      out.addParameter(
          "message",
          new StringType("The rebuild failed; the server's log has the reason under this job id"));
    }
    if (status.report() != null) {
      for (Map.Entry<String, Integer> type : status.report().resources().entrySet()) {
        var part = out.addParameter().setName("type");
        part.addPart().setName("resourceType").setValue(new StringType(type.getKey()));
        part.addPart().setName("recomputed").setValue(new IntegerType(type.getValue()));
        part.addPart()
            .setName("removed")
            .setValue(new IntegerType(status.report().removed().getOrDefault(type.getKey(), 0)));
      }
    }
    return out;
  }
}
