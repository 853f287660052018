package org.trialfhir.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.validation.JpaValidationSupportChain;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class TerminologyConfig {

  /**
   * First in the chain: HAPI's in-memory module would answer "unknown code system" for ICD-10-CM.
   */
  @Bean
  InitializingBean composeMembershipFirst(JpaValidationSupportChain chain, FhirContext context) {
    return () -> chain.addValidationSupport(0, new ComposeMembershipValidationSupport(context));
  }
}
