package org.trialfhir.security;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;

/**
 * The SMART App Launch checks of the development issuer's authorisation endpoint, after Spring's
 * own (client, redirect URI, scopes): {@code aud} must name this server's FHIR base, so that a
 * token is never asked for on behalf of another server; a {@code launch} must be one the EHR
 * simulator made for this client, and is redeemed when the signed-in user authorises. Spring runs
 * these checks once before the sign-in form and again after it; only the second redeems.
 */
final class LaunchAuthorization
    implements Consumer<OAuth2AuthorizationCodeRequestAuthenticationContext> {

  private final EhrLaunches launches;
  private final Supplier<String> fhirBase;

  LaunchAuthorization(EhrLaunches launches, Supplier<String> fhirBase) {
    this.launches = launches;
    this.fhirBase = fhirBase;
  }

  @Override
  public void accept(OAuth2AuthorizationCodeRequestAuthenticationContext context) {
    OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
    Map<String, Object> parameters = request.getAdditionalParameters();
    String base = fhirBase.get();
    String aud = text(parameters.get("aud"));
    if (aud == null) {
      throw refused(request, "aud is required: the FHIR base URL of this server, " + base);
    }
    if (!FhirBaseUrl.same(aud, base)) {
      throw refused(request, "aud " + aud + " is not this server's FHIR base URL (" + base + ")");
    }
    String launch = text(parameters.get("launch"));
    if (launch == null) {
      return; // a standalone launch
    }
    if (!request.getScopes().contains("launch")) {
      throw refused(request, "an EHR launch asks for the launch scope");
    }
    String client = context.getRegisteredClient().getClientId();
    try {
      if (signedIn(request.getPrincipal())) {
        launches.redeem(launch, client, ((Authentication) request.getPrincipal()).getName());
      } else {
        launches.check(launch, client);
      }
    } catch (EhrLaunches.Refused e) {
      throw refused(request, "launch refused: " + e.getMessage());
    }
  }

  private static boolean signedIn(Object principal) {
    return principal instanceof Authentication user
        && !(user instanceof AnonymousAuthenticationToken)
        && user.isAuthenticated();
  }

  private static OAuth2AuthorizationCodeRequestAuthenticationException refused(
      OAuth2AuthorizationCodeRequestAuthenticationToken request, String description) {
    return new OAuth2AuthorizationCodeRequestAuthenticationException(
        new OAuth2Error(OAuth2ErrorCodes.INVALID_REQUEST, description, null), request);
  }

  /** A request parameter: a String, or the first of several values. */
  static String text(Object value) {
    if (value instanceof String[] values) {
      value = values.length == 1 ? values[0] : null;
    }
    return value instanceof String s && !s.isBlank() ? s : null;
  }
}
