package org.trialfhir.projection;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.trialfhir.eligibility.UnitConverter;

/**
 * Columns of the projection's tables that no FHIRPath expression gives, computed from the view's
 * own columns: an Observation's value in the canonical UCUM unit of its unit (so that 7.5 mmol/L
 * and 135 mg/dL of one analyte compare in SQL). Only when UCUM reads the unit: a unit it cannot
 * read leaves both empty, and the value as reported stays in the view's columns. An analytics
 * engine running the views outside this server computes these the same way, with UCUM.
 */
final class DerivedColumns {

  /** The derived columns of each resource type's table, in order. */
  static final Map<String, List<String>> BY_RESOURCE =
      Map.of("Observation", List.of("VALUE_CANONICAL", "UNIT_CANONICAL"));

  private DerivedColumns() {}

  static List<String> of(String resource) {
    return BY_RESOURCE.getOrDefault(resource, List.of());
  }

  /** The derived columns' values for one row of the view. */
  static Map<String, Object> compute(String resource, Map<String, Object> row) {
    if (!"Observation".equals(resource)) {
      return Map.of();
    }
    Map<String, Object> derived = new LinkedHashMap<>();
    Object value = row.get("value_decimal");
    // The unit to convert from is the UCUM code, else the unit as written (as the rules read it).
    Object unit = row.get("value_code") != null ? row.get("value_code") : row.get("value_unit");
    Optional<UnitConverter.Canonical> canonical =
        value == null || unit == null
            ? Optional.empty()
            : UnitConverter.canonical(new BigDecimal((String) value), (String) unit);
    derived.put("VALUE_CANONICAL", canonical.map(c -> c.value().doubleValue()).orElse(null));
    derived.put("UNIT_CANONICAL", canonical.map(UnitConverter.Canonical::unit).orElse(null));
    return derived;
  }
}
