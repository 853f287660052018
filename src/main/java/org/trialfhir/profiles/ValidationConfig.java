package org.trialfhir.profiles;

import ca.uhn.fhir.rest.server.RestfulServer;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ValidationConfig {

  /**
   * {@link ValidationWarnings} hooks the REST response, so it is registered on the RESTful server
   * itself (whose registry the storage layer may share, or not).
   */
  @Bean
  InitializingBean validationWarningsOnResponses(RestfulServer server) {
    return () -> server.registerInterceptor(new ValidationWarnings());
  }
}
