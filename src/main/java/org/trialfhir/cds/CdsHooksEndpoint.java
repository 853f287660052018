package org.trialfhir.cds;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsServiceRegistry;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
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
    try {
      known(service);
      JsonNode request = parse(body);
      JobCaller caller = (JobCaller) http.getAttribute(CdsClientFilter.CALLER);
      String root = http.getRequestURL().toString();
      root = root.substring(0, root.indexOf(BASE));
      Object answer =
          callers.call(
              caller,
              root + "/fhir",
              "cds-services/" + service,
              "cds-" + UUID.randomUUID(),
              details -> trialMatch.as(details, () -> registry.callService(service, request)));
      return ok(json.writeValueAsString(answer));
    } catch (BaseServerResponseException e) {
      return refused(e.getStatusCode(), e.getMessage());
    } catch (IllegalArgumentException | JsonProcessingException e) {
      return refused(400, "The CDS Hooks request cannot be read: " + e.getMessage());
    }
  }

  @PostMapping(BASE + "/{service}/feedback")
  ResponseEntity<String> feedback(
      @PathVariable("service") String service,
      @RequestBody(required = false) String body,
      HttpServletRequest http) {
    try {
      known(service);
      JobCaller caller = (JobCaller) http.getAttribute(CdsClientFilter.CALLER);
      int recorded = feedback.record(service, parse(body), caller);
      log.info("CDS feedback on {}: {} item(s) recorded", service, recorded);
      return ok("{}");
    } catch (BaseServerResponseException e) {
      return refused(e.getStatusCode(), e.getMessage());
    } catch (IllegalArgumentException | JsonProcessingException e) {
      return refused(400, "The CDS Hooks feedback cannot be read: " + e.getMessage());
    }
  }

  private void known(String service) {
    try {
      registry.getCdsServiceJson(service);
    } catch (IllegalArgumentException e) {
      throw new ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException(
          "No CDS service '" + service + "' here; GET " + BASE + " lists them");
    }
  }

  private JsonNode parse(String body) throws JsonProcessingException {
    if (body == null || body.isBlank()) {
      throw new IllegalArgumentException("the body is empty");
    }
    JsonNode node = json.readTree(body);
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("the body is not a JSON object");
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
