package org.trialfhir.page;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.trialfhir.security.SecurityProperties;
import org.trialfhir.server.FhirServerProperties;

/**
 * What the coordinator page (static assets served at {@code /}) needs to know before it can talk to
 * the FHIR API: where it is, whether to sign in, and as which OAuth client with which scopes.
 * Endpoints come from the SMART discovery document, as for any SMART app; the end-session endpoint
 * (Sign out) is not in it, so it is said here.
 */
@RestController
class PageConfigController {

  private final SecurityProperties security;
  private final FhirServerProperties server;

  PageConfigController(SecurityProperties security, FhirServerProperties server) {
    this.security = security;
    this.server = server;
  }

  @GetMapping(value = "/config.json", produces = "application/json")
  ResponseEntity<Map<String, Object>> config() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("fhirBase", server.path());
    config.put("authRequired", security.enabled());
    config.put("clientId", security.page().clientId());
    config.put("scope", security.page().scope());
    String endSession = endSessionEndpoint(security);
    if (endSession != null) {
      config.put("endSessionEndpoint", endSession);
    }
    return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(config);
  }

  /**
   * Where Sign out ends the sign-in session (OpenID Connect RP-initiated logout): the configured
   * IdP's end_session_endpoint, or the development issuer's on this server (relative: the page is
   * served by the same server, on whatever host and port it was reached). None: security off, or an
   * IdP without one configured, where Sign out can only drop the page's token.
   */
  static String endSessionEndpoint(SecurityProperties security) {
    String configured = security.page().endSessionEndpoint();
    if (configured != null && !configured.isBlank()) {
      return configured.trim();
    }
    return security.devIssuer() ? DEV_END_SESSION : null;
  }

  /** Spring Authorization Server's OpenID Connect logout endpoint (the dev issuer). */
  static final String DEV_END_SESSION = "/connect/logout";
}
