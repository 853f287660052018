package org.trialfhir.security;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.oidc.authentication.OidcLogoutAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.oidc.authentication.OidcLogoutAuthenticationToken;

/**
 * The development issuer's check of an RP-initiated logout's {@code post_logout_redirect_uri}: a
 * URI registered for the client, where a registered loopback URI ({@code http://127.0.0.1/}) stands
 * for every port, as it does for the sign-in's redirect URI (RFC 8252 §7.3): the page runs on
 * whatever port the developer chose. Anything else is refused, so that signing out never sends the
 * browser to a site the client did not register.
 */
final class LoopbackPostLogoutRedirect implements Consumer<OidcLogoutAuthenticationContext> {

  @Override
  public void accept(OidcLogoutAuthenticationContext context) {
    OidcLogoutAuthenticationToken logout = context.getAuthentication();
    String requested = logout.getPostLogoutRedirectUri();
    if (requested == null || requested.isBlank()) {
      return; // the issuer then shows its own page ("/")
    }
    if (!allowed(requested, context.getRegisteredClient().getPostLogoutRedirectUris())) {
      throw new OAuth2AuthenticationException(
          new OAuth2Error(
              OAuth2ErrorCodes.INVALID_REQUEST,
              "post_logout_redirect_uri "
                  + requested
                  + " is not registered for client "
                  + context.getRegisteredClient().getClientId(),
              null));
    }
  }

  static boolean allowed(String requested, Set<String> registered) {
    if (registered.contains(requested)) {
      return true;
    }
    URI uri;
    try {
      uri = new URI(requested);
    } catch (URISyntaxException e) {
      return false;
    }
    if (!loopback(uri.getHost()) || uri.getPort() == -1 || uri.getUserInfo() != null) {
      return false;
    }
    try {
      String withoutPort =
          new URI(
                  uri.getScheme(),
                  null,
                  uri.getHost(),
                  -1,
                  uri.getPath(),
                  uri.getQuery(),
                  uri.getFragment())
              .toString();
      return registered.contains(withoutPort);
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static boolean loopback(String host) {
    return "127.0.0.1".equals(host) || "[::1]".equals(host);
  }
}
