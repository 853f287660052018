package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;

class LaunchAuthorizationTest {

  private static final String BASE = "http://127.0.0.1:8080/fhir";
  private static final RegisteredClient PAGE =
      RegisteredClient.withId("coordinator-page")
          .clientId("coordinator-page")
          .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
          .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
          .redirectUri("http://127.0.0.1/")
          .scope("launch")
          .build();
  private static final Authentication ANONYMOUS =
      new AnonymousAuthenticationToken(
          "k", "anonymousUser", List.of(new SimpleGrantedAuthority("ROLE_ANONYMOUS")));
  private static final Authentication COORDINATOR =
      UsernamePasswordAuthenticationToken.authenticated(
          "coordinator", null, List.of(new SimpleGrantedAuthority("ROLE_DEV_USER")));

  private final EhrLaunches launches =
      new EhrLaunches(Duration.ofMinutes(5), 100, Clock.systemUTC());
  private final LaunchAuthorization checks = new LaunchAuthorization(launches, () -> BASE);

  private String launch() {
    return launches.mint(
        new EhrLaunches.Context("coordinator-page", "coordinator", "p1", null, null, null));
  }

  private static OAuth2AuthorizationCodeRequestAuthenticationContext request(
      Authentication user, String aud, String launch, Set<String> scopes) {
    Map<String, Object> parameters = new HashMap<>();
    if (aud != null) {
      parameters.put("aud", aud);
    }
    if (launch != null) {
      parameters.put("launch", launch);
    }
    return OAuth2AuthorizationCodeRequestAuthenticationContext.with(
            new OAuth2AuthorizationCodeRequestAuthenticationToken(
                "http://127.0.0.1:8080/oauth2/authorize",
                "coordinator-page",
                user,
                "http://127.0.0.1:8080/",
                "state",
                scopes,
                parameters))
        .registeredClient(PAGE)
        .build();
  }

  private static String errorOf(Runnable call) {
    try {
      call.run();
    } catch (OAuth2AuthorizationCodeRequestAuthenticationException e) {
      assertThat(e.getError().getErrorCode()).isEqualTo("invalid_request");
      // The redirect URI travels with the error: the app is told, not left on an error page.
      assertThat(e.getAuthorizationCodeRequestAuthentication().getRedirectUri())
          .isEqualTo("http://127.0.0.1:8080/");
      return e.getError().getDescription();
    }
    throw new AssertionError("not refused");
  }

  @Test
  void audMustNameThisServersFhirBase() {
    assertThat(errorOf(() -> checks.accept(request(ANONYMOUS, null, null, Set.of()))))
        .contains("aud is required");
    assertThat(
            errorOf(
                () ->
                    checks.accept(
                        request(ANONYMOUS, "https://other.example/fhir", null, Set.of()))))
        .contains("is not this server's FHIR base URL");
    assertThat(
            errorOf(
                () ->
                    checks.accept(
                        request(ANONYMOUS, "http://127.0.0.1:8080/other", launch(), Set.of()))))
        .contains("is not this server's FHIR base URL");
    // A trailing slash or the host's case is the same base.
    checks.accept(request(ANONYMOUS, "http://127.0.0.1:8080/fhir/", null, Set.of()));
  }

  @Test
  void aLaunchIsCheckedBeforeSignInAndRedeemedAfterIt() {
    String launch = launch();
    checks.accept(request(ANONYMOUS, BASE, launch, Set.of("launch")));
    checks.accept(request(ANONYMOUS, BASE, launch, Set.of("launch")));
    checks.accept(request(COORDINATOR, BASE, launch, Set.of("launch")));
    assertThat(errorOf(() -> checks.accept(request(COORDINATOR, BASE, launch, Set.of("launch")))))
        .contains("launch refused: the launch has already been used");
    assertThat(launches.take(launch, "coordinator-page", "coordinator").patient()).isEqualTo("p1");
  }

  @Test
  void aLaunchNeedsTheLaunchScopeAndAKnownId() {
    assertThat(errorOf(() -> checks.accept(request(COORDINATOR, BASE, launch(), Set.of()))))
        .contains("launch scope");
    assertThat(
            errorOf(() -> checks.accept(request(COORDINATOR, BASE, "guessed", Set.of("launch")))))
        .contains("launch refused: unknown launch");
  }

  @Test
  void anotherUsersLaunchIsRefused() {
    String launch =
        launches.mint(
            new EhrLaunches.Context("coordinator-page", "investigator", "p1", null, null, null));
    assertThat(errorOf(() -> checks.accept(request(COORDINATOR, BASE, launch, Set.of("launch")))))
        .contains("another user");
  }

  @Test
  void sameBaseIgnoresDefaultPortsTrailingSlashesAndCase() {
    assertThat(FhirBaseUrl.same("http://Host/fhir/", "http://host:80/fhir")).isTrue();
    assertThat(FhirBaseUrl.same("https://host/fhir", "https://host:443/fhir")).isTrue();
    assertThat(FhirBaseUrl.same("https://host/fhir", "http://host/fhir")).isFalse();
    assertThat(FhirBaseUrl.same("http://host/fhir", "http://host/fhir2")).isFalse();
    assertThat(FhirBaseUrl.same("http://host/fhir?x=1", "http://host/fhir")).isFalse();
    assertThat(FhirBaseUrl.same("not a url", "http://host/fhir")).isFalse();
  }
}
