package org.trialfhir.security;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * With {@code trialfhir.security.enabled=false} nobody is checked, so the server listens on the
 * loopback interface only, whatever {@code server.address} says: switching security off must not
 * expose patient data to the network by accident.
 */
public class LocalOnlyWhenUnsecured implements EnvironmentPostProcessor {

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    if (!environment.getProperty("trialfhir.security.enabled", Boolean.class, true)) {
      environment
          .getPropertySources()
          .addFirst(
              new MapPropertySource(
                  "trialfhir-security-disabled", Map.of("server.address", "127.0.0.1")));
    }
  }
}
