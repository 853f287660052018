package org.trialfhir.security;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Locale;
import org.trialfhir.server.FhirServerProperties;

/**
 * This server's FHIR base URL as its clients reach it: the configured public base behind a proxy,
 * else the URL of the request. It is the SMART {@code iss} of a launch and the {@code aud} an app
 * must name when it asks for a token.
 */
final class FhirBaseUrl {

  private FhirBaseUrl() {}

  /** The server's root (where the coordinator page is), without a trailing slash. */
  static String root(HttpServletRequest request, FhirServerProperties server) {
    String publicBaseUrl = server.publicBaseUrl();
    String fhirPath = server.path();
    if (!publicBaseUrl.isBlank() && publicBaseUrl.endsWith(fhirPath)) {
      return publicBaseUrl.substring(0, publicBaseUrl.length() - fhirPath.length());
    }
    return request.getScheme()
        + "://"
        + request.getServerName()
        + ":"
        + request.getServerPort()
        + request.getContextPath();
  }

  /** The FHIR base, without a trailing slash. */
  static String of(HttpServletRequest request, FhirServerProperties server) {
    String publicBaseUrl = server.publicBaseUrl();
    return !publicBaseUrl.isBlank()
        ? publicBaseUrl.replaceAll("/+$", "")
        : root(request, server) + server.path();
  }

  /**
   * Whether two URLs name the same base: scheme and host compared without case, a default port
   * written or not, a trailing slash ignored; anything else must be equal.
   */
  static boolean same(String a, String b) {
    try {
      return normal(a).equals(normal(b));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String normal(String url) {
    URI uri = URI.create(url.trim());
    if (uri.getScheme() == null || uri.getHost() == null || uri.getRawQuery() != null) {
      throw new IllegalArgumentException("not a base URL: " + url);
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    int port = uri.getPort();
    if (port == -1) {
      port = "https".equals(scheme) ? 443 : 80;
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
    return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port + path;
  }
}
