package org.trialfhir.bulkimport;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Where NDJSON may come from: this server's own Binary resources, and URLs under one of the
 * configured {@code allowed-sources}. A URL matches a source when scheme, host and port are the
 * same and its path lies under the source's path; user info, fragments and anything but http(s) are
 * refused, so that {@code http://allowed@evil/} or {@code http://allowed.evil/} never match.
 */
final class ImportSources {

  /** The content types accepted as NDJSON (HAPI's, less whole-JSON ones: a Bundle is no NDJSON). */
  static final List<String> NDJSON_TYPES =
      List.of(
          "application/fhir+ndjson", "application/ndjson", "application/x-ndjson", "text/plain");

  private ImportSources() {}

  /**
   * The id ({@code Binary/x}) of this server's Binary that {@code url} names, relative or under
   * {@code serverBase}; null if it names something else.
   */
  static String ownBinary(String url, String serverBase) {
    String path = url;
    String base = serverBase == null ? "" : serverBase.replaceAll("/+$", "");
    if (!base.isEmpty() && url.startsWith(base + "/")) {
      path = url.substring(base.length() + 1);
    } else if (url.contains("://")) {
      return null;
    }
    String[] parts = path.split("/");
    if (parts.length == 2
        && parts[0].equals("Binary")
        && parts[1].matches("[A-Za-z0-9\\-.]{1,64}")) {
      return path;
    }
    if (parts.length == 4
        && parts[0].equals("Binary")
        && parts[2].equals("_history")
        && parts[1].matches("[A-Za-z0-9\\-.]{1,64}")) {
      return parts[0] + "/" + parts[1];
    }
    return null;
  }

  /** Whether {@code url} is an http(s) URL under one of {@code allowed}. */
  static boolean allowed(String url, List<URI> allowed) {
    return checked(url, allowed) != null;
  }

  /**
   * The URI to fetch {@code url} with if it is an http(s) URL under one of {@code allowed}, else
   * null. The path is compared as it will be sent, not normalised: a path with dot segments, a
   * percent-encoded dot, slash or backslash, or a {@code ;} is refused outright, since the server
   * that answers may decode or strip them ({@code /export/%2e%2e/internal}, {@code
   * /export/..;/admin}) and so serve what lies outside the allowed path.
   */
  static URI checked(String url, List<URI> allowed) {
    URI target;
    try {
      target = new URI(url);
    } catch (URISyntaxException e) {
      return null;
    }
    if (!web(target)
        || target.getRawUserInfo() != null
        || target.getRawFragment() != null
        || !plain(target.getRawPath())) {
      return null;
    }
    for (URI source : allowed) {
      URI base = source.normalize();
      if (web(base)
          && base.getScheme().equalsIgnoreCase(target.getScheme())
          && base.getHost().equalsIgnoreCase(target.getHost())
          && port(base) == port(target)
          && under(target.getRawPath(), base.getRawPath())) {
        return target;
      }
    }
    return null;
  }

  /** A raw path with nothing a server might resolve to another path than it reads as. */
  private static boolean plain(String rawPath) {
    if (rawPath == null) {
      return true;
    }
    String lower = rawPath.toLowerCase(Locale.ROOT);
    if (lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || lower.contains(";")
        || lower.contains("\\")) {
      return false;
    }
    for (String segment : rawPath.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }

  /** Whether a Content-Type header names NDJSON. */
  static boolean ndjson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
    return NDJSON_TYPES.contains(type);
  }

  private static boolean web(URI uri) {
    return uri.getScheme() != null
        && (uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))
        && uri.getHost() != null;
  }

  private static int port(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    return uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  private static boolean under(String path, String prefix) {
    String p = path == null || path.isEmpty() ? "/" : path;
    String base = prefix == null || prefix.isEmpty() ? "/" : prefix;
    if (base.endsWith("/")) {
      return p.startsWith(base);
    }
    return p.equals(base) || p.startsWith(base + "/");
  }
}
