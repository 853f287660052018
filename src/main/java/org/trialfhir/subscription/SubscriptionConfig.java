package org.trialfhir.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * HAPI's R4 Subscription processing (matching on the JPA registry, delivery by rest-hook), limited
 * to what {@link SubscriptionGuard} lets through. With {@code
 * trialfhir.subscriptions.enabled=false} no channel type is supported, so HAPI registers no matcher
 * and writes cost nothing extra.
 */
@Configuration(proxyBeanMethods = false)
@Import({SubscriptionSubmitterConfig.class, SubscriptionProcessorConfig.class})
class SubscriptionConfig {

  private static final Logger LOG = LoggerFactory.getLogger(SubscriptionConfig.class);

  SubscriptionConfig(FhirContext fhir) {
    // Rest-hook delivery goes through the context's client factory: one that follows no redirect.
    fhir.setRestfulClientFactory(new NoRedirectsClientFactory(fhir));
  }

  @Bean
  SubscriptionSettings subscriptionSettings(SubscriptionProperties properties) {
    SubscriptionSettings settings = new SubscriptionSettings();
    if (properties.enabled()) {
      settings.addSupportedSubscriptionType(SubscriptionChannelType.RESTHOOK);
      // HAPI's own endpoint check, the same list as the guard's: a second line of defence.
      settings.setRestHookEndpointUrlValidationRegex(properties.endpointPattern());
      LOG.info(
          "Subscriptions: rest-hook on {} to {} endpoint prefix(es): {}",
          properties.resourceTypes(),
          properties.restHookEndpoints().size(),
          properties.restHookEndpoints());
    }
    return settings;
  }

  /**
   * HAPI's delivery wiring asks for a mail sender; the email channel is never allowed here ({@link
   * SubscriptionGuard}), so one that is reached would be a bug, and says so.
   */
  @Bean
  IEmailSender emailSender() {
    return details -> {
      throw new IllegalStateException("Email subscriptions are not supported on this server");
    };
  }
}
