package org.trialfhir.profiles;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.r4.model.ValueSet.ConceptSetComponent;
import org.hl7.fhir.r4.model.ValueSet.ConceptSetFilterComponent;

/**
 * Decides whether a code is in a ValueSet straight from its {@code compose}, for the ValueSets
 * whose code systems the server does not hold: enumerated codes of any system, ICD-10-CM {@code
 * is-a} filters (the ICD-10-CM hierarchy is lexical: E10.10 lies below E10.1, which lies below
 * E10), {@code regex} filters on the code, and included ValueSets. Anything else is undecidable
 * here and answered with {@link Optional#empty()}, so that HAPI's own terminology services decide.
 */
final class ComposeMembership {

  static final String ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm";
  private static final int MAX_DEPTH = 10;

  private final Function<String, ValueSet> valueSets;

  /**
   * @param valueSets finds a ValueSet by canonical URL, or returns null
   */
  ComposeMembership(Function<String, ValueSet> valueSets) {
    this.valueSets = valueSets;
  }

  /** Whether system|code is in the ValueSet; empty when that cannot be decided from compose. */
  Optional<Boolean> contains(ValueSet valueSet, String system, String code) {
    return decidable(valueSet, 0) ? contains(valueSet, system, code, 0) : Optional.empty();
  }

  /**
   * Whether every include and exclude can be decided without the code system's content. A part that
   * takes a whole code system cannot: only the code system knows which codes exist.
   */
  boolean decidable(ValueSet valueSet) {
    return decidable(valueSet, 0);
  }

  private boolean decidable(ValueSet valueSet, int depth) {
    if (valueSet == null || !valueSet.hasCompose() || depth > MAX_DEPTH) {
      return false;
    }
    List<ConceptSetComponent> parts = new ArrayList<>(valueSet.getCompose().getInclude());
    parts.addAll(valueSet.getCompose().getExclude());
    for (ConceptSetComponent part : parts) {
      for (CanonicalType reference : part.getValueSet()) {
        if (!decidable(valueSets.apply(reference.getValue()), depth + 1)) {
          return false;
        }
      }
      if (part.hasSystem() && !part.hasConcept()) {
        if (!part.hasFilter()
            || !part.getFilter().stream().allMatch(f -> supported(f, part.getSystem()))) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean supported(ConceptSetFilterComponent filter, String system) {
    return passes(filter, system, "X00").isPresent();
  }

  private Optional<Boolean> contains(ValueSet valueSet, String system, String code, int depth) {
    if (valueSet == null || !valueSet.hasCompose() || depth > MAX_DEPTH) {
      return Optional.empty();
    }
    boolean included = false;
    for (ConceptSetComponent include : valueSet.getCompose().getInclude()) {
      Optional<Boolean> in = matches(include, system, code, depth);
      if (in.isEmpty()) {
        return Optional.empty();
      }
      included |= in.get();
    }
    for (ConceptSetComponent exclude : valueSet.getCompose().getExclude()) {
      Optional<Boolean> out = matches(exclude, system, code, depth);
      if (out.isEmpty()) {
        return Optional.empty();
      }
      included &= !out.get();
    }
    return Optional.of(included);
  }

  /** One include/exclude: the intersection of its system part and its referenced ValueSets. */
  private Optional<Boolean> matches(
      ConceptSetComponent set, String system, String code, int depth) {
    boolean matches = true;
    for (CanonicalType reference : set.getValueSet()) {
      Optional<Boolean> in =
          contains(valueSets.apply(reference.getValue()), system, code, depth + 1);
      if (in.isEmpty()) {
        return Optional.empty();
      }
      matches &= in.get();
    }
    if (!set.hasSystem()) {
      return Optional.of(matches && set.hasValueSet());
    }
    if (!set.getSystem().equals(system)) {
      return Optional.of(false);
    }
    if (set.hasConcept()) {
      return Optional.of(
          matches && set.getConcept().stream().anyMatch(c -> c.getCode().equals(code)));
    }
    for (ConceptSetFilterComponent filter : set.getFilter()) {
      Optional<Boolean> passes = passes(filter, system, code);
      if (passes.isEmpty()) {
        return Optional.empty();
      }
      matches &= passes.get();
    }
    return Optional.of(matches);
  }

  private static Optional<Boolean> passes(
      ConceptSetFilterComponent filter, String system, String code) {
    String op = filter.getOp() == null ? "" : filter.getOp().toCode();
    String property = filter.getProperty();
    String value = filter.getValue();
    if ("regex".equals(op) && "code".equals(property)) {
      try {
        return Optional.of(Pattern.matches(value, code));
      } catch (PatternSyntaxException e) {
        return Optional.empty();
      }
    }
    if (ICD_10_CM.equals(system) && "concept".equals(property)) {
      String undotted = code.replace(".", "");
      String parent = value.replace(".", "");
      return switch (op) {
        case "is-a" -> Optional.of(undotted.startsWith(parent));
        case "descendent-of" ->
            Optional.of(undotted.startsWith(parent) && !undotted.equals(parent));
        case "=" -> Optional.of(code.equals(value));
        default -> Optional.empty();
      };
    }
    return Optional.empty();
  }
}
