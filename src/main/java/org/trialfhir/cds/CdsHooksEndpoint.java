package org.trialfhir.cds;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsServiceRegistry;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.trialfhir.security.JobCaller;
import org.trialfhir.security.JobCallerRequests;

/**
 * The CDS Hooks 2.0 endpoints over HAPI's service registry: discovery, service calls, feedback.
 * Thin, as HAPI's own {@code CdsHooksController}, which it replaces for three reasons: a call must
 * run as the EHR it came from ({@link CdsClientFilter}, {@link JobCallerRequests}); a refused call
 * must be a 4xx with an OperationOutcome naming the problem, not Spring's 500; and CDS Hooks 2.0
 * feedback is {@code {"feedback": [...]}}, which HAPI 8.8's controller binds as one item. Bodies
 * are read and written with the CDS model's own mapper, not the server's.
 */
@RestController
@ConditionalOnProperty(name = "trialfhir.cds.enabled", matchIfMissing = true)
class CdsHooksEndpoint {

  static final String BASE = "/cds-services";
  private static final Logger log = LoggerFactory.getLogger(CdsHooksEndpoint.class);
  private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

  private final ICdsServiceRegistry registry;
  private final TrialMatchService trialMatch;
  private final CdsFeedback feedback;
  private final JobCallerRequests callers;
  private final ObjectMapper json;
  private final FhirContext fhir;

  CdsHooksEndpoint(
      ICdsServiceRegistry registry,
      TrialMatchService trialMatch,
      CdsFeedback feedback,
      JobCallerRequests callers,
      FhirContext fhir) {
    this.registry = registry;
    this.trialMatch = trialMatch;
    this.feedback = feedback;
    this.callers = callers;
    this.fhir = fhir;
    this.json = CdsHooksConfig.mapper(fhir);
  }

  @GetMapping(value = {BASE, BASE + "/"})
  ResponseEntity<String> discovery() throws JsonProcessingException {
    return ok(json.writeValueAsString(registry.getCdsServicesJson()));
  }

  @PostMapping(BASE + "/{service}")
  ResponseEntity<String> call(
      @PathVariable("service") String service,
      @RequestBody(required = false) String body,
      HttpServletRequest http) {
    known(service);
    JsonNode request = parse(body);
    checkContext(request);
    CdsProperties.Issuer issuer = (CdsProperties.Issuer) http.getAttribute(CdsClientFilter.ISSUER);
    checkFhirServer(request, issuer);
    JobCaller caller = (JobCaller) http.getAttribute(CdsClientFilter.CALLER);
    String root = http.getRequestURL().toString();
    root = root.substring(0, root.indexOf(BASE));
    Object answer =
        callers.call(
            caller,
            root + "/fhir",
            "cds-services/" + service,
            "cds-" + UUID.randomUUID(),
            details ->
                trialMatch.as(
                    new TrialMatchService.Caller(
                        details, caller, issuer == null ? null : issuer.issuer()),
                    () -> registry.callService(service, request)));
    try {
      return ok(json.writeValueAsString(answer));
    } catch (JsonProcessingException e) {
      throw new InternalErrorException("the cards could not be written", e);
    }
  }

  /** {@code context.patientId}: a FHIR id, checked before anything reads or fetches with it. */
  private static void checkContext(JsonNode request) {
    JsonNode context = request.get("context");
    JsonNode patient = context == null ? null : context.get("patientId");
    if (patient == null || !patient.isTextual() || !FHIR_ID.matcher(patient.asText()).matches()) {
      throw new InvalidRequestException(
          "patient-view needs context.patientId, a FHIR id (letters, digits, '-' and '.', at most"
              + " 64)");
    }
  }

  /**
   * A call may make this server fetch from its {@code fhirServer} only if the EHR's configuration
   * lists that address: otherwise anyone holding a trusted JWT could make it fetch from anywhere.
   */
  private static void checkFhirServer(JsonNode request, CdsProperties.Issuer issuer) {
    JsonNode server = request.get("fhirServer");
    if (server == null || server.isNull()) {
      return;
    }
    if (!server.isTextual() || issuer == null || !issuer.allowsFhirServer(server.asText())) {
      throw new ForbiddenOperationException(
          "This server does not fetch from that fhirServer for this client; send the record as"
              + " prefetch, or have the fhirServer added to the EHR's configuration here");
    }
  }

  /**
   * A refusal of ours or HAPI's: its status and message; a 412 of HAPI's prefetch (the EHR's server
   * could not be read) in words that do not echo what that server said.
   */
  @ExceptionHandler(BaseServerResponseException.class)
  ResponseEntity<String> refused(BaseServerResponseException e) {
    int status = e.getStatusCode();
    if (status >= 500) {
      log.error("CDS Hooks call failed", e);
      return refused(status, "The CDS service failed; the server's log has the details");
    }
    if (status == 412 && e.getMessage() != null && e.getMessage().contains("HAPI-2385")) {
      log.warn("CDS prefetch from fhirServer failed: {}", e.getMessage());
      return refused(412, "Part of the record could not be fetched from the call's fhirServer");
    }
    return refused(status, e.getMessage());
  }

  @ExceptionHandler(RuntimeException.class)
  ResponseEntity<String> failed(RuntimeException e) {
    log.error("CDS Hooks call failed", e);
    return refused(500, "The CDS service failed; the server's log has the details");
  }

  @PostMapping(BASE + "/{service}/feedback")
  ResponseEntity<String> feedback(
      @PathVariable("service") String service,
      @RequestBody(required = false) String body,
      HttpServletRequest http) {
    known(service);
    JobCaller caller = (JobCaller) http.getAttribute(CdsClientFilter.CALLER);
    CdsProperties.Issuer issuer = (CdsProperties.Issuer) http.getAttribute(CdsClientFilter.ISSUER);
    if (caller == null) {
      throw new AuthenticationException("CDS feedback needs the CDS client's signed JWT");
    }
    int recorded = feedback.record(service, parse(body), caller, issuer);
    log.info("CDS feedback on {}: {} item(s) recorded", service, recorded);
    return ok("{}");
  }

  private void known(String service) {
    try {
      registry.getCdsServiceJson(service);
    } catch (IllegalArgumentException e) {
      throw new ResourceNotFoundException(
          "No CDS service '" + service + "' here; GET " + BASE + " lists them");
    }
  }

  private JsonNode parse(String body) {
    JsonNode node;
    try {
      node = body == null || body.isBlank() ? null : json.readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          "The body is not JSON: " + e.getOriginalMessage()); // Jackson's words, not ours to hide
    }
    if (node == null || !node.isObject()) {
      throw new InvalidRequestException("The body must be a JSON object");
    }
    return node;
  }

  private static ResponseEntity<String> ok(String body) {
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
  }

  private ResponseEntity<String> refused(int status, String why) {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(IssueSeverity.ERROR)
        .setCode(
            status == 404
                ? IssueType.NOTFOUND
                : status == 403
                    ? IssueType.FORBIDDEN
                    : status == 412 ? IssueType.INCOMPLETE : IssueType.INVALID)
        .setDiagnostics(why);
    return ResponseEntity.status(status)
        .contentType(MediaType.valueOf("application/fhir+json"))
        .body(fhir.newJsonParser().encodeResourceToString(outcome));
  }
}
