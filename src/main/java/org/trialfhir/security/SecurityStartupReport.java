package org.trialfhir.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Says at start-up, loudly where it matters, how requests are authenticated. */
@Component
class SecurityStartupReport {

  private static final Logger LOG = LoggerFactory.getLogger(SecurityStartupReport.class);

  private final SecurityProperties properties;

  SecurityStartupReport(SecurityProperties properties) {
    this.properties = properties;
  }

  @EventListener(ApplicationReadyEvent.class)
  void report() {
    if (!properties.enabled()) {
      LOG.warn(
          "SECURITY DISABLED (trialfhir.security.enabled=false): no token is checked and every"
              + " caller sees every record and every treatment allocation. Listening on 127.0.0.1"
              + " only. Never run like this with real patient data.");
    } else if (properties.devIssuer()) {
      LOG.warn(
          "Tokens come from the built-in DEVELOPMENT issuer (/oauth2/token, test clients {}). Set"
              + " trialfhir.security.issuer-uri to your identity provider for real use.",
          properties.devClients().keySet());
    } else {
      LOG.info(
          "Bearer tokens are validated against {}",
          !SecurityProperties.blank(properties.issuerUri())
              ? properties.issuerUri()
              : !SecurityProperties.blank(properties.jwkSetUri())
                  ? properties.jwkSetUri()
                  : properties.publicKeyLocation());
    }
  }
}
