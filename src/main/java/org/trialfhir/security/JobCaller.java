package org.trialfhir.security;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.trialfhir.security.Caller.Role;

/**
 * Who queued work the server does later (a screening's Batch2 steps), kept with that work so that
 * it can be done as them: what authorisation, blinding and audit ask of a caller (the token's
 * client, subject, issuer, resource scopes, recognised roles, patient and organisation in context),
 * never the bearer token itself, since jobs are stored in the database. See {@link
 * JobCallerRequests}.
 */
public record JobCaller(
    @JsonProperty("clientId") String clientId,
    @JsonProperty("subject") String subject,
    @JsonProperty("issuer") String issuer,
    @JsonProperty("fhirUser") String fhirUser,
    @JsonProperty("scopes") List<String> scopes,
    @JsonProperty("roles") List<String> roles,
    @JsonProperty("patient") String patient,
    @JsonProperty("organization") String organization) {

  /** The caller of the current request; null with security off or without a token. */
  public static JobCaller current(SecurityProperties properties) {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (!properties.enabled() || !(authentication instanceof JwtAuthenticationToken token)) {
      return null;
    }
    Jwt jwt = token.getToken();
    Object scope = jwt.getClaims().getOrDefault("scope", jwt.getClaims().get("scp"));
    Collection<?> granted =
        scope instanceof String text
            ? List.of(text.trim().split("\\s+"))
            : scope instanceof Collection<?> list ? list : List.of();
    // Only what authorisation reads: resource scopes, the roles this server knows.
    List<String> scopes = new ArrayList<>();
    for (Object one : granted) {
      if (SmartScope.parse(String.valueOf(one)).isPresent()) {
        scopes.add(String.valueOf(one));
      }
    }
    Caller caller = Caller.of(jwt, properties);
    String client = text(jwt.getClaims().get("client_id"));
    return new JobCaller(
        client != null ? client : text(jwt.getClaims().get("azp")),
        jwt.getSubject(),
        text(jwt.getClaims().get("iss")),
        text(jwt.getClaims().get("fhirUser")),
        scopes,
        caller.roles().stream().map(Role::name).sorted().toList(),
        caller.patient(),
        caller.organization());
  }

  /**
   * A caller the configuration names rather than a token (a trusted CDS client's EHR): its scopes,
   * and its roles by the names this server's configuration gives them (unknown names grant nothing,
   * as in a token).
   */
  public static JobCaller configured(
      String clientId,
      String issuer,
      List<String> scopes,
      List<String> roleNames,
      String organization,
      SecurityProperties properties) {
    Map<String, Role> byName = Caller.rolesByName(properties);
    List<String> roles =
        roleNames.stream().map(byName::get).filter(r -> r != null).map(Role::name).toList();
    String org =
        organization == null || organization.startsWith("Organization/")
            ? organization
            : "Organization/" + organization;
    return new JobCaller(clientId, clientId, issuer, null, scopes, roles, null, org);
  }

  /**
   * The caller as the authentication the rest of the server reads ({@link Caller#current}, the
   * audit's agents): a JWT with the same claims, under this server's configured claim names. {@code
   * marker} stands where a token's text would be; it is no token and grants nothing.
   */
  JwtAuthenticationToken authentication(SecurityProperties properties, String marker) {
    Map<String, Object> claims = new HashMap<>();
    put(claims, "client_id", clientId);
    put(claims, "sub", subject);
    put(claims, "iss", issuer);
    put(claims, "fhirUser", fhirUser);
    claims.put("scope", String.join(" ", scopes == null ? List.of() : scopes));
    claims.put(properties.roleClaim(), roleNames(properties));
    put(claims, properties.patientClaim(), patient);
    put(claims, properties.organizationClaim(), organization);
    Jwt jwt =
        Jwt.withTokenValue(marker).header("alg", "none").claims(c -> c.putAll(claims)).build();
    return new JwtAuthenticationToken(jwt, List.of());
  }

  /** The stored roles under the names this server's configuration gives them. */
  private List<String> roleNames(SecurityProperties properties) {
    SecurityProperties.Roles names = properties.roles();
    List<String> configured = new ArrayList<>();
    for (String role : roles == null ? List.<String>of() : roles) {
      switch (Role.valueOf(role)) {
        case COORDINATOR -> configured.add(names.coordinator());
        case INVESTIGATOR -> configured.add(names.investigator());
        case UNBLINDED -> configured.add(names.unblinded());
        case REGISTRY -> configured.add(names.registry());
        case EHR_SYSTEM -> configured.add(names.ehrSystem());
        case AUDITOR -> configured.add(names.auditor());
        case ADMINISTRATOR -> configured.add(names.administrator());
      }
    }
    return configured;
  }

  private static void put(Map<String, Object> claims, String name, String value) {
    if (value != null) {
      claims.put(name, value);
    }
  }

  private static String text(Object claim) {
    return claim == null || String.valueOf(claim).isBlank() ? null : String.valueOf(claim);
  }
}
