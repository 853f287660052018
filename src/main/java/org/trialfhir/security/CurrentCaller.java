package org.trialfhir.security;

import org.trialfhir.security.Caller.Role;

/** What other features may ask about the caller of the current request. */
public final class CurrentCaller {

  private CurrentCaller() {}

  /** Whether the caller may see treatment allocations (always, when security is off). */
  public static boolean unblinded(SecurityProperties properties) {
    return !properties.enabled() || Caller.current(properties).has(Role.UNBLINDED);
  }

  /** The OAuth client of the current request; null without a token or with security off. */
  public static String clientId(SecurityProperties properties) {
    return properties.enabled() ? Caller.current(properties).clientId() : null;
  }
}
