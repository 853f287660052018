package org.trialfhir.eligibility;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Timing;
import org.hl7.fhir.r4.model.Type;

/**
 * Which Observations a search by {@code date=ge[from]&date=le[to]} finds, decided in memory for a
 * supplied record: an Observation is in when any day its effective[x] may stand for is in the
 * window, dates taken as written (a month stands for each of its days, a period from its start to
 * its end, open ends unbounded, a Timing from its first event to its last); one without
 * effective[x] is never found, as HAPI indexes no date for it. The projection decides the same way
 * for stored records (docs/projection.md).
 */
final class ObservationDates {

  private ObservationDates() {}

  static boolean inWindow(Observation observation, LocalDate from, LocalDate to) {
    LocalDate[] span = span(observation.getEffective());
    return span != null && !span[1].isBefore(from) && !span[0].isAfter(to);
  }

  private static LocalDate[] span(Type effective) {
    if (effective instanceof BaseDateTimeType date && date.getValue() != null) {
      return new LocalDate[] {day(date, false), day(date, true)};
    }
    if (effective instanceof Period period && (period.hasStart() || period.hasEnd())) {
      return new LocalDate[] {
        period.hasStart() ? day(period.getStartElement(), false) : LocalDate.MIN,
        period.hasEnd() ? day(period.getEndElement(), true) : LocalDate.MAX
      };
    }
    if (effective instanceof Timing timing) {
      List<BaseDateTimeType> events =
          timing.getEvent().stream()
              .filter(e -> e.getValue() != null)
              .map(BaseDateTimeType.class::cast)
              .toList();
      if (events.isEmpty()) {
        return null;
      }
      return new LocalDate[] {
        events.stream().map(e -> day(e, false)).min(Comparator.naturalOrder()).orElseThrow(),
        events.stream().map(e -> day(e, true)).max(Comparator.naturalOrder()).orElseThrow()
      };
    }
    return null;
  }

  /** The first (or last) day a written date stands for: 2026-06 is 2026-06-01 (or 2026-06-30). */
  static LocalDate day(BaseDateTimeType written, boolean last) {
    String value = Objects.requireNonNull(written.getValueAsString());
    String date = value.contains("T") ? value.substring(0, value.indexOf('T')) : value;
    if (date.length() == 4) {
      return LocalDate.of(Integer.parseInt(date), last ? 12 : 1, last ? 31 : 1);
    }
    if (date.length() == 7) {
      YearMonth month = YearMonth.parse(date);
      return last ? month.atEndOfMonth() : month.atDay(1);
    }
    return LocalDate.parse(date);
  }
}
