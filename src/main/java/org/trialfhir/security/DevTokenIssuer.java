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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * The token issuer for local development: OAuth2 client credentials (SMART Backend Services style,
 * with a client secret) for the test clients configured under {@code
 * trialfhir.security.dev-clients}, and authorisation code with PKCE for the coordinator page, whose
 * users ({@code trialfhir.security.dev-users}) sign in with a form; tokens are signed by a key made
 * at start-up. Active only when no IdP is configured; never in production.
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

  /** A development user who signs in to the coordinator page: password, roles, scopes. */
  record User(String password, List<String> roles, List<String> scopes) {}

  static InMemoryRegisteredClientRepository clients(
      Map<String, Client> clients, String pageClientId, List<String> pageScopes) {
    if (clients.isEmpty()) {
      throw new IllegalStateException(
          "The dev token issuer is on (no trialfhir.security.issuer-uri, jwk-set-uri or"
              + " public-key-location) but trialfhir.security.dev-clients is empty");
    }
    LOG.warn(
        "DEVELOPMENT TOKEN ISSUER ACTIVE: POST /oauth2/token issues tokens for the test clients {}."
            + " Configure trialfhir.security.issuer-uri (your IdP) for any real use.",
        clients.keySet());
    List<RegisteredClient> registered =
        new ArrayList<>(
            clients.entrySet().stream()
                .map(
                    e ->
                        RegisteredClient.withId(e.getKey())
                            .clientId(e.getKey())
                            .clientSecret("{noop}" + e.getValue().secret())
                            .clientAuthenticationMethod(
                                ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                            .clientAuthenticationMethod(
                                ClientAuthenticationMethod.CLIENT_SECRET_POST)
                            .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                            .scopes(s -> s.addAll(e.getValue().scopes()))
                            .tokenSettings(
                                TokenSettings.builder()
                                    .accessTokenTimeToLive(Duration.ofHours(1))
                                    .build())
                            .build())
                .toList());
    registered.add(pageClient(pageClientId, pageScopes));
    return new InMemoryRegisteredClientRepository(registered);
  }

  /**
   * The coordinator page: a public browser client (no secret), authorisation code with PKCE. The
   * redirect is the page on a loopback address, where the authorisation server allows any port.
   */
  private static RegisteredClient pageClient(String clientId, List<String> scopes) {
    return RegisteredClient.withId(clientId)
        .clientId(clientId)
        .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
        .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
        .redirectUri("http://127.0.0.1/")
        .redirectUri("http://[::1]/")
        .scopes(s -> s.addAll(scopes))
        .clientSettings(
            ClientSettings.builder()
                .requireProofKey(true)
                .requireAuthorizationConsent(false)
                .build())
        .tokenSettings(TokenSettings.builder().accessTokenTimeToLive(Duration.ofHours(8)).build())
        .build();
  }

  /** The development users of the coordinator page's sign-in form. */
  static UserDetailsService users(Map<String, User> users) {
    return new InMemoryUserDetailsManager(
        users.entrySet().stream()
            .map(
                e ->
                    org.springframework.security.core.userdetails.User.withUsername(e.getKey())
                        .password("{noop}" + e.getValue().password())
                        .authorities("ROLE_DEV_USER")
                        .build())
            .toList());
  }

  /** Adds what our authorisation reads: roles, the patient in context, the client id. */
  static OAuth2TokenCustomizer<JwtEncodingContext> claims(
      Map<String, Client> clients, Map<String, User> users, SecurityProperties properties) {
    return context -> {
      if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
        return;
      }
      String id = context.getRegisteredClient().getClientId();
      Client client = clients.get(id);
      context.getClaims().claim("client_id", id);
      // Meant for this server (the resource server checks aud), not for the client.
      context.getClaims().audience(List.of(properties.expectedAudience()));
      if (AuthorizationGrantType.AUTHORIZATION_CODE.equals(context.getAuthorizationGrantType())) {
        // A person signed in: the roles are the user's, not the page's.
        User user = users.get(context.getPrincipal().getName());
        context.getClaims().claim(properties.roleClaim(), user == null ? List.of() : user.roles());
        if (user != null && user.scopes() != null && !user.scopes().isEmpty()) {
          context.getClaims().claim("scope", String.join(" ", user.scopes()));
        }
        return;
      }
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
