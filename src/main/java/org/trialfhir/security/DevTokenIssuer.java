package org.trialfhir.security;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationToken;
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

  static final List<String> LAUNCH_SCOPES =
      List.of("launch", "launch/patient", "openid", "fhirUser", "profile");
  static final String ENCOUNTER = "encounter";
  static final String FHIR_CONTEXT = "fhirContext";
  static final String APP_CONTEXT = "appContext";

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

  /**
   * A development user who signs in to the coordinator page: password, roles, scopes, and the name
   * the page shows (the id_token's {@code name}; the user name when not given).
   */
  record User(String password, List<String> roles, List<String> scopes, String name) {}

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
        // Where Sign out returns (RP-initiated logout), any loopback port as for the redirect.
        .postLogoutRedirectUri("http://127.0.0.1/")
        .postLogoutRedirectUri("http://[::1]/")
        .scopes(s -> s.addAll(scopes))
        // SMART App Launch: EHR launch and its context, and the user's identity.
        .scopes(s -> s.addAll(LAUNCH_SCOPES))
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
      Map<String, Client> clients,
      Map<String, User> users,
      SecurityProperties properties,
      EhrLaunches launches) {
    return context -> {
      if (OidcParameterNames.ID_TOKEN.equals(context.getTokenType().getValue())) {
        identity(context, users);
        return;
      }
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
        launchContext(context, properties, launches);
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

  /**
   * Who signed in, for the page's header (a shared ward PC must show it): the standard claims
   * {@code name} and {@code preferred_username} of the id_token. No {@code fhirUser}: the
   * development users have no Practitioner.
   */
  private static void identity(JwtEncodingContext context, Map<String, User> users) {
    String username = context.getPrincipal().getName();
    User user = users.get(username);
    context.getClaims().claim("preferred_username", username);
    context
        .getClaims()
        .claim(
            "name",
            user == null || user.name() == null || user.name().isBlank() ? username : user.name());
  }

  /**
   * An EHR launch's context: the patient (and encounter) in context, and the study the user
   * launched from. The patient claim is the one our authorisation reads: it narrows patient scopes
   * to that patient and widens nothing, the user's own scopes and roles stay what they are. The
   * rest is what the app reads from the token response ({@link #launchResponse}).
   */
  private static void launchContext(
      JwtEncodingContext context, SecurityProperties properties, EhrLaunches launches) {
    OAuth2AuthorizationRequest request =
        context.getAuthorization() == null
            ? null
            : context.getAuthorization().getAttribute(OAuth2AuthorizationRequest.class.getName());
    String launch =
        request == null
            ? null
            : LaunchAuthorization.text(request.getAdditionalParameters().get("launch"));
    if (launch == null) {
      return;
    }
    EhrLaunches.Context launched;
    try {
      launched =
          launches.take(
              launch,
              context.getRegisteredClient().getClientId(),
              context.getPrincipal().getName());
    } catch (EhrLaunches.Refused e) {
      throw new OAuth2AuthenticationException(
          new OAuth2Error(
              OAuth2ErrorCodes.INVALID_GRANT, "launch refused: " + e.getMessage(), null));
    }
    context.getClaims().claim(properties.patientClaim(), launched.patient());
    if (launched.encounter() != null) {
      context.getClaims().claim(ENCOUNTER, launched.encounter());
    }
    if (launched.study() != null) {
      context
          .getClaims()
          .claim(FHIR_CONTEXT, List.of(Map.of("reference", "ResearchStudy/" + launched.study())));
    }
    if (launched.appContext() != null) {
      context.getClaims().claim(APP_CONTEXT, launched.appContext());
    }
  }

  /**
   * The SMART launch context parameters of the token response (patient, encounter, fhirContext, CDS
   * Hooks appContext), copied from the access token this very response carries (a client
   * credentials token of a test client with a patient says its patient too).
   */
  static Consumer<OAuth2AccessTokenAuthenticationContext> launchResponse(
      SecurityProperties properties) {
    return context -> {
      OAuth2AccessTokenAuthenticationToken token = context.getAuthentication();
      Map<String, Object> claims;
      try {
        claims =
            SignedJWT.parse(token.getAccessToken().getTokenValue())
                .getJWTClaimsSet()
                .toJSONObject();
      } catch (java.text.ParseException e) {
        return; // not one of our JWTs: no context to tell
      }
      Map<String, Object> parameters = new LinkedHashMap<>(token.getAdditionalParameters());
      copy(claims, properties.patientClaim(), parameters, "patient");
      copy(claims, ENCOUNTER, parameters, ENCOUNTER);
      copy(claims, FHIR_CONTEXT, parameters, FHIR_CONTEXT);
      copy(claims, APP_CONTEXT, parameters, APP_CONTEXT);
      if (parameters.containsKey("patient")) {
        // The page shows the patient's name on every screen: the EHR need not add a banner.
        parameters.put("need_patient_banner", false);
      }
      context.getAccessTokenResponse().additionalParameters(parameters);
    };
  }

  private static void copy(
      Map<String, Object> claims, String claim, Map<String, Object> parameters, String name) {
    Object value = claims.get(claim);
    if (value != null) {
      parameters.put(name, value);
    }
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
