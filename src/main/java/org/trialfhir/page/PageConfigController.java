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
 * Endpoints come from the SMART discovery document, as for any SMART app.
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
    return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(config);
  }
}
