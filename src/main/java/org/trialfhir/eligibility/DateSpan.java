package org.trialfhir.eligibility;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Optional;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Type;

/**
 * The days a recorded date may stand for: one day when it is known to the day, every day of the
 * month or year when it is known only to that ({@code 2008-06}, {@code 2007}).
 *
 * @param text the date as recorded
 */
record DateSpan(LocalDate earliest, LocalDate latest, String text) {

  /** The span of a date, dateTime or Period start, read as written (no time-zone shift). */
  static Optional<DateSpan> of(Type type) {
    if (type instanceof Period period) {
      return period.hasStart() ? of(period.getStartElement()) : Optional.empty();
    }
    if (!(type instanceof BaseDateTimeType dateTime) || dateTime.getValue() == null) {
      return Optional.empty();
    }
    String text = dateTime.getValueAsString();
    TemporalPrecisionEnum precision = dateTime.getPrecision();
    if (precision == TemporalPrecisionEnum.YEAR) {
      int year = Integer.parseInt(text.substring(0, 4));
      return Optional.of(
          new DateSpan(LocalDate.of(year, 1, 1), LocalDate.of(year, 12, 31), text.substring(0, 4)));
    }
    if (precision == TemporalPrecisionEnum.MONTH) {
      YearMonth month = YearMonth.parse(text.substring(0, 7));
      return Optional.of(new DateSpan(month.atDay(1), month.atEndOfMonth(), text.substring(0, 7)));
    }
    LocalDate day = LocalDate.parse(text.substring(0, 10));
    return Optional.of(new DateSpan(day, day, text.substring(0, 10)));
  }

  static DateSpan day(LocalDate day) {
    return new DateSpan(day, day, day.toString());
  }

  boolean exact() {
    return earliest.equals(latest);
  }

  /** "known only to the month" style words for reasons; empty for a day. */
  String precision() {
    if (exact()) {
      return "";
    }
    return text.length() == 4 ? "known only to the year" : "known only to the month";
  }

  /** "2008-06 (known only to the month)", or the day. */
  String describe() {
    return exact() ? text : text + " (" + precision() + ")";
  }
}
