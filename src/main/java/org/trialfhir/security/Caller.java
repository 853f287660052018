package org.trialfhir.security;

import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.trialfhir.security.SmartScope.Permission;

/**
 * Who is calling, as far as authorisation cares: the token's SMART scopes, our roles, the patient
 * in context (SMART {@code patient} launch context), the client, and the organisation an EHR system
 * speaks for ({@code Organization/id}).
 */
record Caller(
    boolean authenticated,
    List<SmartScope> scopes,
    Set<Role> roles,
    String patient,
    String clientId,
    String organization) {

  enum Role {
    COORDINATOR,
    INVESTIGATOR,
    UNBLINDED,
    REGISTRY,
    EHR_SYSTEM,
    AUDITOR,
    ADMINISTRATOR
  }

  static final Caller ANONYMOUS = new Caller(false, List.of(), Set.of(), null, null, null);

  /** The caller of the current request thread. */
  static Caller current(SecurityProperties properties) {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    return authentication instanceof JwtAuthenticationToken jwt
        ? of(jwt.getToken(), properties)
        : ANONYMOUS;
  }

  static Caller of(Jwt jwt, SecurityProperties properties) {
    Object scope = jwt.getClaims().getOrDefault("scope", jwt.getClaims().get("scp"));
    List<String> scopes =
        scope instanceof String text
            ? List.of(text.trim().split("\\s+"))
            : scope instanceof Collection<?> list
                ? list.stream().map(String::valueOf).toList()
                : List.of();
    Set<Role> roles = EnumSet.noneOf(Role.class);
    Object claim = jwt.getClaims().get(properties.roleClaim());
    Collection<?> names =
        claim instanceof Collection<?> list
            ? list
            : claim instanceof String text ? List.of(text.split("[\\s,]+")) : List.of();
    Map<String, Role> byName = rolesByName(properties);
    for (Object name : names) {
      Role role = byName.get(String.valueOf(name));
      if (role != null) {
        roles.add(role);
      }
    }
    String organization = text(jwt.getClaims().get(properties.organizationClaim()));
    if (organization != null && !organization.startsWith("Organization/")) {
      organization = "Organization/" + organization;
    }
    String client = text(jwt.getClaims().get("client_id"));
    return new Caller(
        true,
        SmartScope.parseAll(scopes),
        roles,
        text(jwt.getClaims().get(properties.patientClaim())),
        client != null ? client : text(jwt.getClaims().getOrDefault("azp", jwt.getSubject())),
        organization);
  }

  /** The roles under the names this server's configuration gives them. */
  static Map<String, Role> rolesByName(SecurityProperties properties) {
    SecurityProperties.Roles configured = properties.roles();
    // A HashMap, not Map.of: two roles configured with one name must not fail every request.
    Map<String, Role> byName = new HashMap<>();
    byName.put(configured.coordinator(), Role.COORDINATOR);
    byName.put(configured.investigator(), Role.INVESTIGATOR);
    byName.put(configured.unblinded(), Role.UNBLINDED);
    byName.put(configured.registry(), Role.REGISTRY);
    byName.put(configured.ehrSystem(), Role.EHR_SYSTEM);
    byName.put(configured.auditor(), Role.AUDITOR);
    byName.put(configured.administrator(), Role.ADMINISTRATOR);
    return byName;
  }

  private static String text(Object claim) {
    return claim == null || String.valueOf(claim).isBlank() ? null : String.valueOf(claim);
  }

  boolean has(Role role) {
    return roles.contains(role);
  }

  /**
   * Whether a scope beyond one patient (user or system) grants this permission on every resource of
   * this type ({@code *} for all types at once).
   */
  boolean mayOnAll(String type, Permission permission) {
    return scopes.stream()
        .anyMatch(
            s ->
                !s.context().equals("patient")
                    && s.grants(permission)
                    && (s.allTypes() || s.resourceType().equals(type)));
  }

  /** May read and search every resource of this type, not only one patient's. */
  boolean readsAllOf(String type) {
    return mayOnAll(type, Permission.READ) || mayOnAll(type, Permission.SEARCH);
  }

  /** May create and update any resource of this type (an operation that stores it). */
  boolean writesAllOf(String type) {
    return mayOnAll(type, Permission.CREATE) && mayOnAll(type, Permission.UPDATE);
  }
}
