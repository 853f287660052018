package org.trialfhir.profiles;

import ca.uhn.fhir.rest.server.RestfulServer;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ValidationConfig {

  /**
   * {@link ValidationWarnings}, {@link Utf8RequestCheck} and {@link ValidateOperationGuard} hook
   * the REST request and response, so they are registered on the RESTful server itself (whose
   * registry the storage layer may share, or not).
   */
  @Bean
  InitializingBean restSideValidation(RestfulServer server) {
    return () -> {
      server.registerInterceptor(new ValidationWarnings());
      server.registerInterceptor(new Utf8RequestCheck());
      server.registerInterceptor(new ValidateOperationGuard());
    };
  }
}
