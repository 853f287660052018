package org.trialfhir.bulkimport;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.batch2.model.JobInstanceStartRequest;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.util.JsonUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.springframework.stereotype.Service;
import org.trialfhir.bulkimport.ImportModels.Input;
import org.trialfhir.bulkimport.ImportModels.Parameters;
import org.trialfhir.bulkimport.ImportModels.Report;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.JobCaller;
import org.trialfhir.security.SecurityProperties;

/**
 * Starts imports after checking all that can be checked at once (so that bad input is a 4xx now,
 * not a failed job later), tells how far they are, and cancels them. An import's status and report
 * are its requester's only.
 */
@Service
class BulkImports {

  private final IJobCoordinator jobs;
  private final IJobMaintenanceService maintenance;
  private final DaoRegistry daos;
  private final FhirContext fhir;
  private final SecurityProperties security;
  private final BulkImportProperties properties;

  BulkImports(
      IJobCoordinator jobs,
      IJobMaintenanceService maintenance,
      DaoRegistry daos,
      FhirContext fhir,
      SecurityProperties security,
      BulkImportProperties properties) {
    this.jobs = jobs;
    this.maintenance = maintenance;
    this.daos = daos;
    this.fhir = fhir;
    this.security = security;
    this.properties = properties;
  }

  /** An import in progress or done. */
  record Status(StatusEnum state, double progress, String message, Report report) {}

  String start(org.hl7.fhir.r4.model.Parameters body, RequestDetails caller) {
    if (body == null) {
      throw new InvalidRequestException("$import needs a Parameters body");
    }
    // A nameless parameter is a malformed manifest, not one to skip silently (nor a 500).
    for (int i = 0; i < body.getParameter().size(); i++) {
      String name = body.getParameter().get(i).getName();
      if (name == null || name.isBlank()) {
        throw new InvalidRequestException(
            "parameter " + (i + 1) + " of the $import body has no name");
      }
    }
    String format =
        body.getParameter("inputFormat") == null
            ? null
            : body.getParameter("inputFormat").getValue() == null
                ? null
                : body.getParameter("inputFormat").getValue().primitiveValue();
    if (!Constants.CT_FHIR_NDJSON.equals(format)) {
      throw new InvalidRequestException(
          "Parameter 'inputFormat' must be \""
              + Constants.CT_FHIR_NDJSON
              + "\" (was "
              + (format == null ? "absent" : "\"" + format + "\"")
              + ")");
    }
    long named = body.getParameter().stream().filter(p -> "input".equals(p.getName())).count();
    if (named > properties.maxInputs()) {
      // Before any input is checked (each may be a Binary read): the refusal costs nothing.
      throw new InvalidRequestException(
          "$import takes at most "
              + properties.maxInputs()
              + " inputs per request (trialfhir.bulk-import.max-inputs); this one has "
              + named
              + ": split the files over several imports");
    }
    List<Input> inputs = new ArrayList<>();
    for (ParametersParameterComponent input : body.getParameter()) {
      if (!"input".equals(input.getName())) {
        continue;
      }
      inputs.add(input(input, inputs.size() + 1, caller));
    }
    if (inputs.isEmpty()) {
      throw new InvalidRequestException("$import needs at least one 'input' (type and url)");
    }
    // What is referred to before what refers to it (see order).
    List<String> order = order();
    inputs.sort(java.util.Comparator.comparingInt(i -> order.indexOf(i.type())));

    JobInstanceStartRequest request = new JobInstanceStartRequest();
    request.setJobDefinitionId(BulkImportJobConfig.JOB);
    request.setParameters(
        new Parameters(
            inputs,
            properties.chunkSize(),
            properties.maxLineLength(),
            CurrentCaller.principal(security),
            JobCaller.current(security),
            caller.getFhirServerBase(),
            properties.maxRefusalsListed()));
    String job = jobs.startInstance(new SystemRequestDetails(), request).getInstanceId();
    maintenance.runMaintenancePass();
    return job;
  }

  /**
   * Types that patient records refer to, in the order they are stored: providers, the patient,
   * encounters, diagnoses first; claims and provenance (which refer to everything) last; the rest
   * in HAPI's order for its own import ({@code ResourceOrderUtil}, derived from the search
   * parameters). HAPI's order alone puts Condition before Encounter (the definitions allow
   * references both ways; clinical data refers from Condition to Encounter), which refuses a
   * Synthea export's Conditions.
   */
  static final List<String> FIRST =
      List.of(
          "Organization",
          "Location",
          "Practitioner",
          "PractitionerRole",
          "HealthcareService",
          "Patient",
          "RelatedPerson",
          "Device",
          "Medication",
          "Substance",
          "EpisodeOfCare",
          "Encounter",
          "Condition",
          "AllergyIntolerance",
          "CareTeam");

  static final List<String> LAST =
      List.of("Claim", "ClaimResponse", "ExplanationOfBenefit", "Provenance");

  private volatile List<String> order;

  private List<String> order() {
    List<String> made = order;
    if (made == null) {
      List<String> hapi = ca.uhn.fhir.batch2.jobs.imprt.ResourceOrderUtil.getResourceOrder(fhir);
      List<String> all = new ArrayList<>(FIRST);
      hapi.stream().filter(t -> !FIRST.contains(t) && !LAST.contains(t)).forEach(all::add);
      all.addAll(LAST);
      made = List.copyOf(all);
      order = made;
    }
    return made;
  }

  private Input input(ParametersParameterComponent input, int position, RequestDetails caller) {
    String type = part(input, "type");
    String url = part(input, "url");
    String where = "input " + position;
    if (type == null || url == null) {
      throw new InvalidRequestException(where + " needs both a 'type' and a 'url' part");
    }
    if (!fhir.getResourceTypes().contains(type)) {
      throw new InvalidRequestException(where + ": '" + type + "' is not a FHIR R4 resource type");
    }
    if (!CurrentCaller.writes(security, type)) {
      throw new ForbiddenOperationException(
          where + ": the token's scopes do not allow creating or updating " + type + " resources");
    }
    String binary = ImportSources.ownBinary(url, caller.getFhirServerBase());
    if (binary != null) {
      // As the caller: a Binary they may not read is a 403 or 404 now.
      Binary file = daos.getResourceDao(Binary.class).read(new IdType(binary), caller);
      if (!ImportSources.ndjson(file.getContentType())) {
        throw new InvalidRequestException(
            where
                + ": "
                + binary
                + " has content type '"
                + file.getContentType()
                + "', not NDJSON (one of "
                + String.join(", ", ImportSources.NDJSON_TYPES)
                + ")");
      }
      return new Input(type, url, binary);
    }
    if (!ImportSources.allowed(url, properties.allowedSources())) {
      throw new InvalidRequestException(
          where
              + ": '"
              + url
              + "' is neither a Binary of this server nor under one of the sources this server"
              + " may fetch from (trialfhir.bulk-import.allowed-sources)");
    }
    return new Input(type, url, null);
  }

  private static String part(ParametersParameterComponent parameter, String name) {
    for (ParametersParameterComponent part : parameter.getPart()) {
      if (part.getName() == null || part.getName().isBlank()) {
        throw new InvalidRequestException("a part of an 'input' of the $import body has no name");
      }
      if (name.equals(part.getName()) && part.getValue() != null) {
        String value = part.getValue().primitiveValue();
        return value == null || value.isBlank() ? null : value.trim();
      }
    }
    return null;
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
      job = jobId == null ? null : jobs.getInstance(jobId);
    } catch (ResourceNotFoundException e) {
      job = null;
    }
    if (job == null
        || !BulkImportJobConfig.JOB.equals(job.getJobDefinitionId())
        || !Objects.equals(
            job.getParameters(Parameters.class).requestedBy(), CurrentCaller.principal(security))) {
      // An import's report is its requester's: to anyone else it does not exist.
      throw new ResourceNotFoundException("No import with job id '" + jobId + "'");
    }
    return job;
  }
}
