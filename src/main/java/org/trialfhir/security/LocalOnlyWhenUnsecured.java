package org.trialfhir.security;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * With {@code trialfhir.security.enabled=false} nobody is checked, and with the development token
 * issuer anyone can get a token; in both cases the server listens on the loopback interface only,
 * whatever {@code server.address} says, so that neither exposes patient data to the network.
 */
public class LocalOnlyWhenUnsecured implements EnvironmentPostProcessor {

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    boolean unsecured = !environment.getProperty("trialfhir.security.enabled", Boolean.class, true);
    // The development token issuer hands out tokens to anyone who knows the secrets in
    // application.yaml: it must not be reachable from the network either.
    boolean devIssuer =
        !unsecured
            && blank(environment, "issuer-uri")
            && blank(environment, "jwk-set-uri")
            && blank(environment, "public-key-location");
    if (unsecured || devIssuer) {
      environment
          .getPropertySources()
          .addFirst(
              new MapPropertySource(
                  "trialfhir-security-disabled", Map.of("server.address", "127.0.0.1")));
    }
  }

  private static boolean blank(ConfigurableEnvironment environment, String key) {
    String value = environment.getProperty("trialfhir.security." + key);
    return value == null || value.isBlank();
  }
}
