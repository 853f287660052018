package org.trialfhir.cds;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.hapi.fhir.cdshooks.api.CDSHooksVersion;
import ca.uhn.hapi.fhir.cdshooks.api.CdsResolutionStrategyEnum;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsServiceMethod;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsServiceRegistry;
import ca.uhn.hapi.fhir.cdshooks.module.CdsHooksObjectMapperFactory;
import ca.uhn.hapi.fhir.cdshooks.serializer.CdsServiceRequestJsonDeserializer;
import ca.uhn.hapi.fhir.cdshooks.svc.CdsHooksContextBooter;
import ca.uhn.hapi.fhir.cdshooks.svc.CdsServiceRegistryImpl;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchDaoSvc;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchFhirClientSvc;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchSvc;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsResolutionStrategySvc;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.trialfhir.security.SecurityProperties;

/**
 * Wires HAPI's CDS Hooks module by hand rather than importing its {@code CdsHooksConfig}: that
 * class would publish its own Jackson {@code ObjectMapper} as a bean (Spring Boot's would back off,
 * changing every JSON answer of the server) and fetch missing prefetch from our store without the
 * caller ({@code CdsPrefetchDaoSvc}, no RequestDetails). Here HAPI's registry, request
 * deserialiser, discovery model and its FHIR-client prefetch are used as they are; a missing
 * prefetch without {@code fhirServer} is left to our service, which reads as the caller.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "trialfhir.cds.enabled", matchIfMissing = true)
class CdsHooksConfig {

  /** The CDS JSON model's own mapper (FHIR resources in prefetch and context): not a bean. */
  static ObjectMapper mapper(FhirContext fhir) {
    return new CdsHooksObjectMapperFactory(fhir).newMapper();
  }

  @Bean
  ICdsServiceRegistry cdsServiceRegistry(
      FhirContext fhir,
      DaoRegistry daos,
      MatchUrlService matchUrls,
      IInterceptorService storageHooks,
      TrialMatchService trialMatch) {
    ObjectMapper mapper = mapper(fhir);
    CdsPrefetchSvc prefetch =
        new CdsPrefetchSvc(
            new CallerOwnedPrefetch(),
            // never chosen (CallerOwnedPrefetch offers no DAO strategy), but required
            new CdsPrefetchDaoSvc(daos, matchUrls, fhir),
            new CdsPrefetchFhirClientSvc(fhir),
            resource -> {
              throw new ForbiddenOperationException(
                  "prefetch from the store is done as the caller");
            },
            storageHooks);
    CdsServiceRegistryImpl registry =
        new CdsServiceRegistryImpl(
            new CdsHooksContextBooter(),
            prefetch,
            mapper,
            new CdsServiceRequestJsonDeserializer(fhir, mapper),
            CDSHooksVersion.V_2_0);
    registry.init();
    trialMatch.registerIn(registry);
    return registry;
  }

  @Bean
  @Order(1)
  SecurityFilterChain cdsHooks(HttpSecurity http, CdsProperties cds, SecurityProperties security)
      throws Exception {
    CdsClientFilter clients =
        new CdsClientFilter(new EhrJwtVerifier(cds.issuers(), Clock.systemUTC()), cds, security);
    CorsConfiguration anyOrigin = new CorsConfiguration();
    // CDS clients may run in a browser (sandboxes); a call is authorised by its JWT, not a cookie.
    anyOrigin.setAllowedOriginPatterns(List.of("*"));
    anyOrigin.setAllowedMethods(List.of("GET", "POST", "OPTIONS"));
    anyOrigin.setAllowedHeaders(List.of("Authorization", "Content-Type"));
    UrlBasedCorsConfigurationSource cors = new UrlBasedCorsConfigurationSource();
    cors.registerCorsConfiguration(CdsHooksEndpoint.BASE + "/**", anyOrigin);
    cors.registerCorsConfiguration(CdsHooksEndpoint.BASE, anyOrigin);
    http.securityMatcher(CdsHooksEndpoint.BASE, CdsHooksEndpoint.BASE + "/**")
        .authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
        .csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .cors(c -> c.configurationSource(cors))
        .addFilterBefore(clients, AuthorizationFilter.class);
    return http.build();
  }

  /**
   * Where a missing prefetch comes from: the EHR's FHIR server when the call names one (HAPI's FHIR
   * client, with the call's {@code fhirAuthorization}), else our service (it reads this server as
   * the caller). Never HAPI's DAO prefetch, which reads without the caller's rights.
   */
  static final class CallerOwnedPrefetch extends CdsResolutionStrategySvc {
    CallerOwnedPrefetch() {
      super(null);
    }

    @Override
    public Set<CdsResolutionStrategyEnum> determineResolutionStrategy(
        ICdsServiceMethod method, CdsServiceRequestJson request) {
      Set<CdsResolutionStrategyEnum> strategies =
          EnumSet.of(CdsResolutionStrategyEnum.NONE, CdsResolutionStrategyEnum.SERVICE);
      if (request.getFhirServer() != null && method.isAllowAutoFhirClientPrefetch()) {
        strategies.add(CdsResolutionStrategyEnum.FHIR_CLIENT);
      }
      return strategies;
    }
  }
}
