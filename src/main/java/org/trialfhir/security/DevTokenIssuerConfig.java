package org.trialfhir.security;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationValidator;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.oidc.authentication.OidcLogoutAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2AccessTokenResponseAuthenticationSuccessHandler;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.trialfhir.server.FhirServerProperties;

/**
 * Spring Authorization Server's token endpoint ({@code /oauth2/token}, {@code /oauth2/jwks}), with
 * OpenID Connect (id_token, RP-initiated logout at {@code /connect/logout}), for local development,
 * present only when security is on and no IdP or key is configured; with SMART EHR launch ({@link
 * EhrLaunches}, minted by the {@link DevEhrSimulator}).
 */
@Configuration
@Conditional(DevTokenIssuerConfig.NoIdentityProvider.class)
@EnableConfigurationProperties(EhrLaunchProperties.class)
class DevTokenIssuerConfig {

  @Bean
  @Order(1)
  SecurityFilterChain tokenIssuer(
      HttpSecurity http,
      EhrLaunches launches,
      SecurityProperties properties,
      FhirServerProperties server)
      throws Exception {
    OAuth2AuthorizationServerConfigurer issuer =
        OAuth2AuthorizationServerConfigurer.authorizationServer();
    // The FHIR base of the request being authorised: what aud must name.
    Supplier<String> fhirBase =
        () ->
            FhirBaseUrl.of(
                ((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes())
                    .getRequest(),
                server);
    Consumer<OAuth2AuthorizationCodeRequestAuthenticationContext> checks =
        new OAuth2AuthorizationCodeRequestAuthenticationValidator()
            .andThen(new LaunchAuthorization(launches, fhirBase));
    OAuth2AccessTokenResponseAuthenticationSuccessHandler tokenResponse =
        new OAuth2AccessTokenResponseAuthenticationSuccessHandler();
    tokenResponse.setAccessTokenResponseCustomizer(DevTokenIssuer.launchResponse(properties));
    http.securityMatcher(issuer.getEndpointsMatcher())
        .with(
            issuer,
            configurer ->
                configurer
                    .authorizationEndpoint(
                        endpoint ->
                            endpoint.authenticationProviders(
                                providers -> checkAuthorizations(providers, checks)))
                    .tokenEndpoint(token -> token.accessTokenResponseHandler(tokenResponse))
                    // OpenID Connect: an id_token naming who signed in, and RP-initiated logout
                    // (/connect/logout), which ends the sign-in session, not only the page's token.
                    .oidc(
                        oidc ->
                            oidc.logoutEndpoint(
                                logout ->
                                    logout.authenticationProviders(
                                        DevTokenIssuerConfig::checkLogouts))))
        .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
        // A browser at the authorisation endpoint without a session signs in first.
        .exceptionHandling(
            errors ->
                errors.defaultAuthenticationEntryPointFor(
                    new LoginUrlAuthenticationEntryPoint("/login"),
                    new MediaTypeRequestMatcher(MediaType.TEXT_HTML)));
    return http.build();
  }

  /**
   * Spring's checks of an authorisation request, then the SMART ones ({@link LaunchAuthorization}).
   */
  private static void checkAuthorizations(
      List<AuthenticationProvider> providers,
      Consumer<OAuth2AuthorizationCodeRequestAuthenticationContext> checks) {
    for (AuthenticationProvider provider : providers) {
      if (provider instanceof OAuth2AuthorizationCodeRequestAuthenticationProvider codes) {
        codes.setAuthenticationValidator(checks);
      }
    }
  }

  /**
   * Post-logout redirects to the page on any loopback port ({@link LoopbackPostLogoutRedirect}).
   */
  private static void checkLogouts(List<AuthenticationProvider> providers) {
    for (AuthenticationProvider provider : providers) {
      if (provider instanceof OidcLogoutAuthenticationProvider logouts) {
        logouts.setAuthenticationValidator(new LoopbackPostLogoutRedirect());
      }
    }
  }

  /** The sign-in form of the development users (Spring Security's own page; no external assets). */
  @Bean
  @Order(1)
  SecurityFilterChain devSignIn(HttpSecurity http, SecurityProperties properties) throws Exception {
    http.securityMatcher("/login", "/logout", "/default-ui.css", DevEhrSimulator.PATH)
        // The EHR simulator launches as the user signed in at it, as an EHR does.
        .authorizeHttpRequests(
            requests ->
                requests
                    .requestMatchers(DevEhrSimulator.PATH)
                    .authenticated()
                    .anyRequest()
                    .permitAll())
        .userDetailsService(DevTokenIssuer.users(properties.devUsers()))
        .formLogin(Customizer.withDefaults())
        .logout(Customizer.withDefaults());
    return http.build();
  }

  @Bean
  EhrLaunches ehrLaunches(EhrLaunchProperties launch) {
    return new EhrLaunches(launch.ttl(), launch.maxPending(), Clock.systemUTC());
  }

  @Bean
  RegisteredClientRepository devClients(SecurityProperties properties) {
    return DevTokenIssuer.clients(
        properties.devClients(),
        properties.page().clientId(),
        List.of(properties.page().scope().trim().split("\\s+")));
  }

  @Bean
  AuthorizationServerSettings devIssuerSettings(SecurityProperties properties) {
    // A fixed issuer: otherwise "iss" follows the Host header of the token request, and the
    // resource server could not tell its own tokens by it.
    return AuthorizationServerSettings.builder().issuer(properties.devIssuerUri()).build();
  }

  @Bean
  JWKSource<SecurityContext> devSigningKeys() {
    return DevTokenIssuer.keys();
  }

  @Bean
  OAuth2TokenCustomizer<JwtEncodingContext> devTokenClaims(
      SecurityProperties properties, EhrLaunches launches) {
    return DevTokenIssuer.claims(
        properties.devClients(), properties.devUsers(), properties, launches);
  }

  /** Security on, and none of issuer-uri, jwk-set-uri, public-key-location set. */
  static class NoIdentityProvider implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      Environment env = context.getEnvironment();
      return env.getProperty("trialfhir.security.enabled", Boolean.class, true)
          && blank(env, "issuer-uri")
          && blank(env, "jwk-set-uri")
          && blank(env, "public-key-location");
    }

    private static boolean blank(Environment env, String key) {
      String value = env.getProperty("trialfhir.security." + key);
      return value == null || value.isBlank();
    }
  }
}
