package org.trialfhir.projection;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.trialfhir.eligibility.UnitConverter;

/**
 * Columns of the projection's tables that no FHIRPath expression gives:
 *
 * <ul>
 *   <li>an Observation's value in the canonical UCUM unit of its unit (so that 7.5 mmol/L and 135
 *       mg/dL of one analyte compare in SQL), only when UCUM reads the unit: a unit it cannot read
 *       leaves both empty, and the value as reported stays in the view's columns;
 *   <li>the first and last day an Observation's date may stand for, as {@code yyyymmdd} numbers,
 *       computed as HAPI indexes the {@code date} search parameter ({@code 2026-06} is 20260601 to
 *       20260630; a period without a start or an end is open on that side), so that the record read
 *       from the projection holds the Observations a search by {@code date} finds;
 *   <li>the resource's key in the server's database ({@code RESOURCE_PID}), the order in which a
 *       record is read whichever way it is read (the order in which the resources were first
 *       stored).
 * </ul>
 *
 * An analytics engine running the views outside this server computes the first two the same way.
 */
final class DerivedColumns {

  /**
   * Where {@link Projection} puts the resource's key in a row of its view, for {@link #compute}.
   */
  static final String RESOURCE_PID = "resource_pid";

  /** The derived columns of each resource type's table, in order. */
  static final Map<String, List<String>> BY_RESOURCE =
      Map.of(
          "Observation",
          List.of(
              "VALUE_CANONICAL",
              "UNIT_CANONICAL",
              "EFFECTIVE_LOW",
              "EFFECTIVE_HIGH",
              "RESOURCE_PID"),
          "Condition",
          List.of("RESOURCE_PID"));

  /** How HAPI indexes a period without a start or an end (its storage settings' defaults). */
  private static final String START_OF_TIME = "1001-01-01";

  private static final String END_OF_TIME = "9000-01-01";

  private DerivedColumns() {}

  static List<String> of(String resource) {
    return BY_RESOURCE.getOrDefault(resource, List.of());
  }

  /** The derived columns' values for one row of the view. */
  static Map<String, Object> compute(String resource, Map<String, Object> row) {
    Map<String, Object> derived = new LinkedHashMap<>();
    if ("Observation".equals(resource)) {
      Object value = row.get("value_decimal");
      // The unit to convert from is the UCUM code, else the unit as written (as the rules read it).
      Object unit = row.get("value_code") != null ? row.get("value_code") : row.get("value_unit");
      Optional<UnitConverter.Canonical> canonical =
          value == null || unit == null
              ? Optional.empty()
              : UnitConverter.canonical(new BigDecimal((String) value), (String) unit);
      derived.put("VALUE_CANONICAL", canonical.map(c -> c.value().doubleValue()).orElse(null));
      derived.put("UNIT_CANONICAL", canonical.map(UnitConverter.Canonical::unit).orElse(null));
      String[] span = effectiveSpan(row);
      derived.put("EFFECTIVE_LOW", span == null ? null : day(span[0], false));
      derived.put("EFFECTIVE_HIGH", span == null ? null : day(span[1], true));
    }
    if (of(resource).contains("RESOURCE_PID")) {
      derived.put("RESOURCE_PID", row.get(RESOURCE_PID));
    }
    return derived;
  }

  /** The first and last date as written, or null when the Observation has no date HAPI indexes. */
  private static String[] effectiveSpan(Map<String, Object> row) {
    for (String instant : List.of("effective_date_time", "effective_instant")) {
      if (row.get(instant) instanceof String written) {
        return new String[] {written, written};
      }
    }
    Object start = row.get("effective_period_start");
    Object end = row.get("effective_period_end");
    if (start == null && end == null) {
      return null;
    }
    return new String[] {
      start == null ? START_OF_TIME : (String) start, end == null ? END_OF_TIME : (String) end
    };
  }

  /** {@code 2026-06} as 20260601 (its first day) or 20260630 (its last), as HAPI orders dates. */
  static Integer day(String written, boolean last) {
    String date = written.contains("T") ? written.substring(0, written.indexOf('T')) : written;
    if (date.length() == 4) {
      date = date + (last ? "-12-31" : "-01-01");
    } else if (date.length() == 7) {
      YearMonth month = YearMonth.parse(date);
      date = (last ? month.atEndOfMonth() : month.atDay(1)).toString();
    }
    return Integer.valueOf(date.replace("-", ""));
  }
}
