package org.trialfhir.security;

import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.trialfhir.security.Caller.Role;

/** What other features may ask about the caller of the current request. */
public final class CurrentCaller {

  /** The identifier system of an OAuth client named as the agent of a Provenance. */
  public static final String CLIENT_SYSTEM = "urn:trialfhir:oauth-client";

  private CurrentCaller() {}

  /**
   * The current caller as a Provenance agent: the OAuth client as identifier, the client and user
   * as display; null without a token or with security off.
   */
  public static Reference agent(SecurityProperties properties) {
    String clientId = clientId(properties);
    return clientId == null
        ? null
        : new Reference()
            .setIdentifier(new Identifier().setSystem(CLIENT_SYSTEM).setValue(clientId))
            .setDisplay(principal(properties));
  }

  /**
   * Whether the caller is an investigator, who alone confirms a study's manual-review criteria
   * (always, when security is off: no one is identified then, as for {@link #unblinded}).
   */
  public static boolean investigator(SecurityProperties properties) {
    return !properties.enabled() || Caller.current(properties).has(Role.INVESTIGATOR);
  }

  /**
   * The person signed in, from the token: the token's subject as identifier (system: the token's
   * issuer), the client and user as display, and the token's {@code fhirUser} (e.g.
   * Practitioner/123) as reference when the IdP sends one; null without a token or with security
   * off.
   */
  public static Reference person(SecurityProperties properties) {
    if (!properties.enabled() || !Caller.current(properties).authenticated()) {
      return null;
    }
    var authentication = SecurityContextHolder.getContext().getAuthentication();
    Reference person =
        new Reference()
            .setIdentifier(
                new Identifier()
                    .setSystem(properties.expectedIssuer())
                    .setValue(authentication.getName()))
            .setDisplay(principal(properties));
    if (authentication instanceof JwtAuthenticationToken jwt
        && jwt.getToken().getClaims().get("fhirUser") instanceof String fhirUser
        && !fhirUser.isBlank()) {
      person.setReference(fhirUser);
    }
    return person;
  }

  /** Whether the caller may see treatment allocations (always, when security is off). */
  public static boolean unblinded(SecurityProperties properties) {
    return !properties.enabled() || Caller.current(properties).has(Role.UNBLINDED);
  }

  /**
   * Whether the caller holds this role under its configured name, e.g. {@code "registry"} (always,
   * when security is off, as every other rule then allows). Role names are those of {@code
   * trialfhir.security.roles.*}'s keys: coordinator, investigator, unblinded, registry, ehr-system,
   * auditor, administrator.
   */
  public static boolean hasRole(SecurityProperties properties, String role) {
    if (!properties.enabled()) {
      return true;
    }
    Role wanted =
        switch (role) {
          case "coordinator" -> Role.COORDINATOR;
          case "investigator" -> Role.INVESTIGATOR;
          case "unblinded" -> Role.UNBLINDED;
          case "registry" -> Role.REGISTRY;
          case "ehr-system" -> Role.EHR_SYSTEM;
          case "auditor" -> Role.AUDITOR;
          case "administrator" -> Role.ADMINISTRATOR;
          default -> throw new IllegalArgumentException("no role '" + role + "'");
        };
    return Caller.current(properties).has(wanted);
  }

  /**
   * Who the current request's caller is, for records of who asked for long-running work (a
   * screening job): the OAuth client and the token's subject; null without a token or with security
   * off.
   */
  public static String principal(SecurityProperties properties) {
    if (!properties.enabled()) {
      return null;
    }
    Caller caller = Caller.current(properties);
    if (!caller.authenticated()) {
      return null;
    }
    var authentication = SecurityContextHolder.getContext().getAuthentication();
    return caller.clientId() + " " + authentication.getName();
  }

  /** The OAuth client of the current request; null without a token or with security off. */
  public static String clientId(SecurityProperties properties) {
    return properties.enabled() ? Caller.current(properties).clientId() : null;
  }

  /**
   * Whether the caller's scopes (user or system, not one patient's) let them create or update
   * resources of this type (always, when security is off): what bulk import asks before queuing
   * files of that type. Each resource is still checked against all rules when it is written.
   */
  public static boolean writes(SecurityProperties properties, String type) {
    if (!properties.enabled()) {
      return true;
    }
    Caller caller = Caller.current(properties);
    return caller.mayOnAll(type, SmartScope.Permission.CREATE)
        || caller.mayOnAll(type, SmartScope.Permission.UPDATE);
  }

  /**
   * Whether the caller's scopes (user or system, not one patient's) let them read and search every
   * resource of this type (always, when security is off): what a Subscription's owner needs, since
   * its notifications tell of any resource its criteria match.
   */
  public static boolean readsAll(SecurityProperties properties, String type) {
    if (!properties.enabled()) {
      return true;
    }
    Caller caller = Caller.current(properties);
    return caller.mayOnAll(type, SmartScope.Permission.READ)
        && caller.mayOnAll(type, SmartScope.Permission.SEARCH);
  }
}
