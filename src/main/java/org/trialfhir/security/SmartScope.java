package org.trialfhir.security;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SMART on FHIR resource scope, v2 ({@code patient/Observation.rs}) or v1 ({@code
 * user/*.read}), as the permissions it grants. Scopes with a query ({@code ?category=...}) grant
 * nothing here: honouring half a restriction would grant more than the token says.
 *
 * @param context patient, user or system
 * @param resourceType a resource type, or {@code *} for all
 */
record SmartScope(String context, String resourceType, Set<Permission> permissions) {

  /** SMART v2 permissions: create, read, update, delete, search. */
  enum Permission {
    CREATE,
    READ,
    UPDATE,
    DELETE,
    SEARCH
  }

  private static final Pattern SCOPE =
      Pattern.compile("^(patient|user|system)/([A-Z][A-Za-z]+|\\*)\\.([a-z*]+)$");

  static Optional<SmartScope> parse(String scope) {
    Matcher m = SCOPE.matcher(scope);
    if (!m.matches()) {
      return Optional.empty();
    }
    Set<Permission> permissions = permissions(m.group(3));
    return permissions.isEmpty()
        ? Optional.empty()
        : Optional.of(new SmartScope(m.group(1), m.group(2), permissions));
  }

  /** The resource scopes among a token's scopes; others (openid, launch, ...) are skipped. */
  static List<SmartScope> parseAll(Iterable<String> scopes) {
    List<SmartScope> parsed = new ArrayList<>();
    scopes.forEach(s -> parse(s).ifPresent(parsed::add));
    return parsed;
  }

  boolean allTypes() {
    return "*".equals(resourceType);
  }

  boolean grants(Permission permission) {
    return permissions.contains(permission);
  }

  private static Set<Permission> permissions(String text) {
    switch (text) {
      case "read":
        return EnumSet.of(Permission.READ, Permission.SEARCH);
      case "write":
        return EnumSet.of(Permission.CREATE, Permission.UPDATE, Permission.DELETE);
      case "*":
        return EnumSet.allOf(Permission.class);
      default:
        break;
    }
    // v2: a subset of "cruds", in that order, each letter at most once
    if (!text.matches("c?r?u?d?s?")) {
      return EnumSet.noneOf(Permission.class);
    }
    Set<Permission> granted = EnumSet.noneOf(Permission.class);
    for (char c : text.toCharArray()) {
      granted.add(
          switch (c) {
            case 'c' -> Permission.CREATE;
            case 'r' -> Permission.READ;
            case 'u' -> Permission.UPDATE;
            case 'd' -> Permission.DELETE;
            default -> Permission.SEARCH;
          });
    }
    return granted;
  }
}
