package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.oidc.authentication.OidcLogoutAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.oidc.authentication.OidcLogoutAuthenticationToken;

class LoopbackPostLogoutRedirectTest {

  private static final RegisteredClient PAGE =
      RegisteredClient.withId("coordinator-page")
          .clientId("coordinator-page")
          .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
          .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
          .redirectUri("http://127.0.0.1/")
          .postLogoutRedirectUri("http://127.0.0.1/")
          .postLogoutRedirectUri("http://[::1]/")
          .build();

  private final LoopbackPostLogoutRedirect check = new LoopbackPostLogoutRedirect();

  private static OidcLogoutAuthenticationContext logout(String postLogoutRedirectUri) {
    return OidcLogoutAuthenticationContext.with(
            new OidcLogoutAuthenticationToken(
                "id-token",
                UsernamePasswordAuthenticationToken.authenticated(
                    "coordinator", null, List.of(new SimpleGrantedAuthority("ROLE_DEV_USER"))),
                "session",
                "coordinator-page",
                postLogoutRedirectUri,
                null))
        .registeredClient(PAGE)
        .build();
  }

  @Test
  void thePageOnAnyLoopbackPortIsWhereTheBrowserReturns() {
    check.accept(logout("http://127.0.0.1:18183/"));
    check.accept(logout("http://[::1]:8080/"));
    check.accept(logout("http://127.0.0.1/"));
    check.accept(logout(null));
  }

  @Test
  void anotherSiteOrPathOrHostIsRefused() {
    for (String uri :
        List.of(
            "https://evil.example/",
            "http://localhost:8080/",
            "http://127.0.0.1:8080/elsewhere",
            "http://user@127.0.0.1:8080/",
            "http://127.0.0.1.evil.example:8080/",
            "not a uri")) {
      assertThatThrownBy(() -> check.accept(logout(uri)))
          .as(uri)
          .isInstanceOf(OAuth2AuthenticationException.class)
          .hasMessageContaining("is not registered for client coordinator-page");
    }
  }

  @Test
  void anExactlyRegisteredUriIsAllowed() {
    assertThat(
            LoopbackPostLogoutRedirect.allowed(
                "https://trials.example/", java.util.Set.of("https://trials.example/")))
        .isTrue();
    assertThat(
            LoopbackPostLogoutRedirect.allowed(
                "https://trials.example:8443/", java.util.Set.of("https://trials.example/")))
        .isFalse();
  }
}
