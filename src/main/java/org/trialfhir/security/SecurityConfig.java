package org.trialfhir.security;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.ResourceLoader;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoders;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configuration.OAuth2AuthorizationServerConfiguration;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

/**
 * The HTTP side of security: bearer tokens are checked here (a bad or expired token is a 401 with
 * an OperationOutcome), but requests without one go on to HAPI, whose rules ({@link
 * SmartAuthorizationInterceptor}) decide what is public.
 */
@Configuration
@EnableConfigurationProperties(SecurityProperties.class)
class SecurityConfig {

  @Bean
  @Order(2)
  SecurityFilterChain api(
      HttpSecurity http, SecurityProperties properties, ObjectProvider<JwtDecoder> decoder)
      throws Exception {
    http.securityMatcher("/**")
        .authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
        // Bearer tokens, no cookies: nothing for a cross-site request to ride on.
        .csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .cors(cors -> cors.configurationSource(cors(properties)));
    if (properties.enabled()) {
      http.oauth2ResourceServer(
          server ->
              server
                  .jwt(jwt -> jwt.decoder(decoder.getObject()))
                  .authenticationEntryPoint(operationOutcomeEntryPoint()));
    }
    return http.build();
  }

  @Bean
  JwtDecoder jwtDecoder(
      SecurityProperties properties,
      ResourceLoader resources,
      ObjectProvider<JWKSource<SecurityContext>> devKeys)
      throws Exception {
    NimbusJwtDecoder decoder;
    if (!SecurityProperties.blank(properties.jwkSetUri())) {
      decoder = NimbusJwtDecoder.withJwkSetUri(properties.jwkSetUri()).build();
    } else if (!SecurityProperties.blank(properties.publicKeyLocation())) {
      decoder =
          NimbusJwtDecoder.withPublicKey(
                  publicKey(resources.getResource(properties.publicKeyLocation()).getInputStream()))
              .build();
    } else if (!SecurityProperties.blank(properties.issuerUri())) {
      // Discovery is fetched at the first token, so the server starts while the IdP is down.
      return new SupplierJwtDecoder(
          () -> withValidators(JwtDecoders.fromIssuerLocation(properties.issuerUri()), properties));
    } else {
      JWKSource<SecurityContext> keys = devKeys.getIfAvailable();
      if (keys == null) {
        // Security off: nothing decodes tokens, but the chain above is then not built with one.
        return token -> {
          throw new BadJwtException("security is disabled");
        };
      }
      return withValidators(OAuth2AuthorizationServerConfiguration.jwtDecoder(keys), properties);
    }
    return withValidators(decoder, properties);
  }

  /**
   * Every token must be within its validity, come from the expected issuer (the IdP's, or the
   * development issuer's fixed one: never what a Host header said) and name this server in aud.
   */
  static JwtDecoder withValidators(JwtDecoder decoder, SecurityProperties properties) {
    if (!(decoder instanceof NimbusJwtDecoder nimbus)) {
      throw new IllegalStateException("cannot check iss and aud of tokens decoded by " + decoder);
    }
    String audience = properties.expectedAudience();
    List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
    validators.add(JwtValidators.createDefaultWithIssuer(properties.expectedIssuer()));
    validators.add(
        jwt ->
            jwt.getAudience() != null && jwt.getAudience().contains(audience)
                ? OAuth2TokenValidatorResult.success()
                : OAuth2TokenValidatorResult.failure(
                    new OAuth2Error(
                        "invalid_token",
                        "The token is not meant for this server: its aud claim does not name "
                            + audience,
                        null)));
    nimbus.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
    return nimbus;
  }

  private static RSAPublicKey publicKey(InputStream pem) throws Exception {
    try (pem) {
      String text =
          new String(pem.readAllBytes(), StandardCharsets.US_ASCII)
              .replaceAll("-----[A-Z ]+-----", "")
              .replaceAll("\\s", "");
      return (RSAPublicKey)
          KeyFactory.getInstance("RSA")
              .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(text)));
    }
  }

  /** 401 as FHIR clients expect it: WWW-Authenticate plus an OperationOutcome naming the cause. */
  static AuthenticationEntryPoint operationOutcomeEntryPoint() {
    BearerTokenAuthenticationEntryPoint bearer = new BearerTokenAuthenticationEntryPoint();
    return (request, response, exception) -> {
      bearer.commence(request, response, exception);
      writeOutcome(response, "login", exception.getMessage());
    };
  }

  static void writeOutcome(HttpServletResponse response, String code, String message)
      throws IOException {
    response.setContentType("application/fhir+json");
    response.setCharacterEncoding("UTF-8");
    response
        .getWriter()
        .write(
            "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\""
                + code
                + "\",\"diagnostics\":\""
                + (message == null ? "" : message.replace("\\", "\\\\").replace("\"", "\\\""))
                + "\"}]}");
  }

  private static UrlBasedCorsConfigurationSource cors(SecurityProperties properties) {
    UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
    if (!properties.corsAllowedOrigins().isEmpty()) {
      CorsConfiguration cors = new CorsConfiguration();
      cors.setAllowedOrigins(properties.corsAllowedOrigins());
      cors.setAllowedMethods(List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"));
      cors.setAllowedHeaders(
          List.of(
              "Authorization",
              "Content-Type",
              "Accept",
              "Prefer",
              "If-Match",
              "If-None-Exist",
              "If-None-Match",
              "If-Modified-Since",
              "X-Request-ID"));
      cors.setExposedHeaders(
          List.of(
              "Location",
              "Content-Location",
              "ETag",
              "Last-Modified",
              "X-Progress",
              "X-Request-ID"));
      cors.setMaxAge(3600L);
      source.registerCorsConfiguration("/**", cors);
    }
    return source;
  }
}
