package org.trialfhir.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The resource types a search reaches beyond the type it searches: reverse chains ({@code
 * _has:Observation:subject:code}, nested to any depth), chains ({@code subject.name}, {@code
 * subject:Patient.name}, several hops), chained sorts ({@code _sort=subject.name}) and list
 * membership ({@code _list}). Each such parameter answers a question about the resources it joins
 * (does any Observation of this patient have this code?) without showing them, so the caller must
 * be allowed to read those types in full.
 *
 * <p>A hop whose target type cannot be told (a reference to any type, a parameter this context does
 * not know, a misspelt type) reaches {@link #ANY}: every type.
 */
final class Joins {

  /** Stands for "any resource type". */
  static final String ANY = "*";

  private final FhirContext fhir;
  private final ISearchParamRegistry searchParams;

  /** {@code searchParams}: the server's, which knows SearchParameters added at run time. */
  Joins(FhirContext fhir, ISearchParamRegistry searchParams) {
    this.fhir = fhir;
    this.searchParams = searchParams;
  }

  /** Every type the parameters of a search on {@code base} (null: all types) reach beyond it. */
  Set<String> reached(String base, Map<String, String[]> parameters) {
    Set<String> reached = new LinkedHashSet<>();
    for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
      String name = parameter.getKey();
      if (name.equals("_sort")) {
        for (String value : values(parameter.getValue())) {
          for (String key : value.split(",")) {
            String sort = key.trim().startsWith("-") ? key.trim().substring(1) : key.trim();
            reached.addAll(chain(base, sort));
          }
        }
      } else if (name.equals("_list") || name.startsWith("_list:")) {
        reached.add("List");
      } else {
        reached.addAll(parameter(base, name));
      }
    }
    return reached;
  }

  /** The types one parameter name reaches: empty for a plain parameter of {@code base}. */
  Set<String> parameter(String base, String name) {
    Set<String> reached = new LinkedHashSet<>();
    String current = base;
    String rest = name;
    // _has:Type:referenceParam:rest, where rest is another _has:... or the parameter on Type
    while (rest.startsWith("_has:") || rest.equals("_has")) {
      String[] parts = rest.split(":", 4);
      if (parts.length < 4) {
        reached.add(ANY); // malformed: HAPI refuses it, but not on our say-so
        return reached;
      }
      current = type(parts[1]);
      reached.add(current);
      if (current.equals(ANY)) {
        return reached;
      }
      rest = parts[3];
    }
    reached.addAll(chain(current, rest));
    return reached;
  }

  /**
   * The types a chain {@code a.b.c} (hops may carry a type modifier, {@code subject:Patient.name})
   * passes through after {@code base}: the targets of a and of b.
   */
  Set<String> chain(String base, String name) {
    Set<String> reached = new LinkedHashSet<>();
    if (!name.contains(".")) {
      return reached;
    }
    String[] hops = name.split("\\.");
    Set<String> current = base == null ? Set.of(ANY) : Set.of(base);
    for (int i = 0; i < hops.length - 1; i++) {
      String hop = hops[i];
      int colon = hop.indexOf(':');
      String parameter = colon < 0 ? hop : hop.substring(0, colon);
      Set<String> next = new LinkedHashSet<>();
      if (colon >= 0) {
        next.add(type(hop.substring(colon + 1)));
      } else {
        for (String type : current) {
          next.addAll(targets(type, parameter));
        }
      }
      if (next.isEmpty() || next.contains(ANY)) {
        reached.add(ANY);
        return reached;
      }
      reached.addAll(next);
      current = next;
    }
    return reached;
  }

  /** What a reference search parameter of {@code type} may point at; ANY when not known. */
  private Set<String> targets(String type, String parameter) {
    if (type.equals(ANY)) {
      return Set.of(ANY);
    }
    RuntimeSearchParam param =
        searchParams.getActiveSearchParam(
            type, parameter, ISearchParamRegistry.SearchParamLookupContextEnum.SEARCH);
    if (param == null
        || param.getParamType() != RestSearchParameterTypeEnum.REFERENCE
        || param.getTargets().isEmpty()) {
      return Set.of(ANY);
    }
    Set<String> targets = new LinkedHashSet<>();
    for (String target : param.getTargets()) {
      targets.add(type(target));
    }
    return targets;
  }

  /** The type's proper name (HAPI reads type names in any case), or ANY if there is none. */
  String type(String name) {
    try {
      RuntimeResourceDefinition definition = fhir.getResourceDefinition(name);
      return definition == null ? ANY : definition.getName();
    } catch (RuntimeException e) {
      return ANY;
    }
  }

  private static List<String> values(String[] values) {
    return values == null ? List.of() : Arrays.asList(values);
  }
}
