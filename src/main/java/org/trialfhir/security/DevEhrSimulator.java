package org.trialfhir.security;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.regex.Pattern;
import org.springframework.context.annotation.Conditional;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.trialfhir.server.FhirServerProperties;

/**
 * A stand-in for an EHR that launches the coordinator page (SMART EHR launch), for tests and trying
 * it out: {@code GET /dev-ehr/launch?patient=…&study=…} makes a launch id for the page's client and
 * the user signed in here, then sends the browser to the page with {@code launch} and {@code iss},
 * as an EHR does. Present only with the development issuer, never when a real IdP is configured.
 * The context cannot widen what the user may do: the token is still the user's, with the user's
 * scopes and roles, and its patient only narrows patient scopes.
 */
@RestController
@Conditional(DevTokenIssuerConfig.NoIdentityProvider.class)
class DevEhrSimulator {

  static final String PATH = "/dev-ehr/launch";

  /** A FHIR logical id (R4 {@code id} datatype). */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

  private static final int MAX_APP_CONTEXT = 2000;

  private final EhrLaunches launches;
  private final SecurityProperties properties;
  private final FhirServerProperties server;

  DevEhrSimulator(
      EhrLaunches launches, SecurityProperties properties, FhirServerProperties server) {
    this.launches = launches;
    this.properties = properties;
    this.server = server;
  }

  @GetMapping(PATH)
  ResponseEntity<String> launch(
      @RequestParam(required = false) String patient,
      @RequestParam(required = false) String encounter,
      @RequestParam(required = false) String study,
      @RequestParam(required = false) String appContext,
      Principal user,
      HttpServletRequest request) {
    if (user == null) {
      return refuse(HttpStatus.UNAUTHORIZED, "sign in at /login first");
    }
    String patientId = id(patient, "Patient");
    if (patientId == null) {
      return refuse(
          HttpStatus.BAD_REQUEST,
          "patient is required: a Patient id (or Patient/id) to launch for");
    }
    String encounterId = encounter == null ? null : id(encounter, "Encounter");
    String studyId = study == null ? null : id(study, "ResearchStudy");
    if ((encounter != null && encounterId == null) || (study != null && studyId == null)) {
      return refuse(
          HttpStatus.BAD_REQUEST,
          "encounter and study are ids (or Encounter/id, ResearchStudy/id)");
    }
    if (appContext != null && appContext.length() > MAX_APP_CONTEXT) {
      return refuse(
          HttpStatus.BAD_REQUEST, "appContext is longer than " + MAX_APP_CONTEXT + " characters");
    }
    String launch;
    try {
      launch =
          launches.mint(
              new EhrLaunches.Context(
                  properties.page().clientId(),
                  user.getName(),
                  patientId,
                  encounterId,
                  studyId,
                  appContext));
    } catch (EhrLaunches.Refused e) {
      return refuse(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
    }
    String page =
        FhirBaseUrl.root(request, server)
            + "/?launch="
            + launch
            + "&iss="
            + URLEncoder.encode(FhirBaseUrl.of(request, server), StandardCharsets.UTF_8);
    return ResponseEntity.status(HttpStatus.FOUND).location(URI.create(page)).build();
  }

  /** The id of {@code id} or {@code Type/id}; null when it is not one. */
  private static String id(String value, String type) {
    if (value == null) {
      return null;
    }
    String id = value.startsWith(type + "/") ? value.substring(type.length() + 1) : value;
    return ID.matcher(id).matches() ? id : null;
  }

  private static ResponseEntity<String> refuse(HttpStatus status, String message) {
    return ResponseEntity.status(status).contentType(MediaType.TEXT_PLAIN).body(message + "\n");
  }
}
