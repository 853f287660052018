package org.trialfhir.security;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Where SMART clients get tokens, as advertised by {@code .well-known/smart-configuration} and the
 * CapabilityStatement: the configured IdP's endpoints, or the dev issuer's on this server.
 */
@Component
class SmartEndpoints {

  static final List<String> SCOPES =
      List.of(
          "patient/*.rs",
          "patient/*.cruds",
          "user/*.rs",
          "user/*.cruds",
          "system/*.rs",
          "system/*.cruds",
          "patient/*.read",
          "user/*.read",
          "user/*.write",
          "system/*.read",
          "system/*.write");

  private final SecurityProperties properties;

  SmartEndpoints(SecurityProperties properties) {
    this.properties = properties;
  }

  /** The token endpoint; {@code serverBase} is this server's root URL (no /fhir). */
  String token(String serverBase) {
    return properties.devIssuer() ? serverBase + "/oauth2/token" : properties.tokenEndpoint();
  }

  String authorize(String serverBase) {
    return properties.devIssuer()
        ? serverBase + "/oauth2/authorize"
        : properties.authorizationEndpoint();
  }

  /** The SMART App Launch 2.x discovery document. */
  Map<String, Object> configuration(String serverBase) {
    Map<String, Object> document = new LinkedHashMap<>();
    if (properties.devIssuer()) {
      document.put("issuer", properties.devIssuerUri());
      document.put("jwks_uri", serverBase + "/oauth2/jwks");
      // Client credentials for the test clients; authorisation code with PKCE for the
      // coordinator page (a public client) and its development users.
      document.put("grant_types_supported", List.of("authorization_code", "client_credentials"));
      document.put(
          "token_endpoint_auth_methods_supported",
          List.of("client_secret_basic", "client_secret_post", "none"));
      document.put("code_challenge_methods_supported", List.of("S256"));
    } else {
      put(document, "issuer", properties.issuerUri());
      document.put(
          "grant_types_supported",
          properties.authorizationEndpoint() == null
              ? List.of("client_credentials")
              : List.of("authorization_code", "client_credentials"));
      document.put(
          "token_endpoint_auth_methods_supported",
          List.of("private_key_jwt", "client_secret_basic"));
      document.put("code_challenge_methods_supported", List.of("S256"));
    }
    put(document, "token_endpoint", token(serverBase));
    put(document, "authorization_endpoint", authorize(serverBase));
    List<String> capabilities =
        new ArrayList<>(
            List.of(
                "permission-v2",
                "permission-v1",
                "client-confidential-symmetric",
                "client-confidential-asymmetric",
                "client-public",
                "launch-standalone",
                "context-standalone-patient"));
    List<String> scopes = new ArrayList<>(SCOPES);
    if (properties.devIssuer()) {
      // EHR launch (its simulator at /dev-ehr/launch): the patient and encounter in context, the
      // study as SMART v2 fhirContext.
      capabilities.addAll(List.of("launch-ehr", "context-ehr-patient", "context-ehr-encounter"));
      scopes.addAll(DevTokenIssuer.LAUNCH_SCOPES);
    }
    document.put("scopes_supported", scopes);
    document.put("capabilities", capabilities);
    return document;
  }

  private static void put(Map<String, Object> document, String key, String value) {
    if (value != null && !value.isBlank()) {
      document.put(key, value);
    }
  }
}
