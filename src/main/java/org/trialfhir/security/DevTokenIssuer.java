package org.trialfhir.security;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;

/**
 * The token issuer for local development: OAuth2 client credentials (SMART Backend Services style,
 * with a client secret) for the test clients configured under {@code
 * trialfhir.security.dev-clients}, signed by a key made at start-up. Active only when no IdP is
 * configured; never in production.
 */
final class DevTokenIssuer {

  private static final Logger LOG = LoggerFactory.getLogger(DevTokenIssuer.class);

  private DevTokenIssuer() {}

  /**
   * One test client: its secret, the scopes it may ask for, its roles, patient in context and (for
   * an EHR system) the organisation it writes for.
   */
  record Client(
      String secret,
      List<String> scopes,
      List<String> roles,
      String patient,
      String organization) {}

  static InMemoryRegisteredClientRepository clients(Map<String, Client> clients) {
    if (clients.isEmpty()) {
      throw new IllegalStateException(
          "The dev token issuer is on (no trialfhir.security.issuer-uri, jwk-set-uri or"
              + " public-key-location) but trialfhir.security.dev-clients is empty");
    }
    LOG.warn(
        "DEVELOPMENT TOKEN ISSUER ACTIVE: POST /oauth2/token issues tokens for the test clients {}."
            + " Configure trialfhir.security.issuer-uri (your IdP) for any real use.",
        clients.keySet());
    return new InMemoryRegisteredClientRepository(
        clients.entrySet().stream()
            .map(
                e ->
                    RegisteredClient.withId(e.getKey())
                        .clientId(e.getKey())
                        .clientSecret("{noop}" + e.getValue().secret())
                        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                        .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                        .scopes(s -> s.addAll(e.getValue().scopes()))
                        .tokenSettings(
                            TokenSettings.builder()
                                .accessTokenTimeToLive(Duration.ofHours(1))
                                .build())
                        .build())
            .toList());
  }

  /** Adds what our authorisation reads: roles, the patient in context, the client id. */
  static OAuth2TokenCustomizer<JwtEncodingContext> claims(
      Map<String, Client> clients, SecurityProperties properties) {
    return context -> {
      if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
        return;
      }
      String id = context.getRegisteredClient().getClientId();
      Client client = clients.get(id);
      context.getClaims().claim("client_id", id);
      if (client != null) {
        context.getClaims().claim(properties.roleClaim(), client.roles());
        if (client.patient() != null && !client.patient().isBlank()) {
          context.getClaims().claim(properties.patientClaim(), client.patient());
        }
        if (client.organization() != null && !client.organization().isBlank()) {
          context.getClaims().claim(properties.organizationClaim(), client.organization());
        }
      }
    };
  }

  /** A signing key for this run only: tokens from an earlier run are no longer accepted. */
  static JWKSource<SecurityContext> keys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      var pair = generator.generateKeyPair();
      RSAKey key =
          new RSAKey.Builder((RSAPublicKey) pair.getPublic())
              .privateKey((RSAPrivateKey) pair.getPrivate())
              .keyID(UUID.randomUUID().toString())
              .build();
      return new ImmutableJWKSet<>(new JWKSet(key));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
