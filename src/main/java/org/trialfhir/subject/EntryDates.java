package org.trialfhir.subject;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Judges the date a record gives for when something happened (a consent given, a subject enrolled)
 * against today, in the server's time zone: in the future (a date that cannot be true yet), late
 * (before today: entered after the fact) or timely.
 *
 * <p>Clients' clocks drift, so "now" is widened by the configured skew both ways: a date is only in
 * the future if it is still after today when the server's clock is put forward by the skew, and
 * only late if it is before today when the clock is put back by it. A day value is compared with
 * the calendar date; a value with a time is in the future when its instant is after now plus the
 * skew, and late when its own calendar date (as written, in its own offset) is before today. A
 * partial date (a year, a month) is in the future only when it starts after today and late only
 * when it ends before today.
 */
@Component
class EntryDates {

  enum Timing {
    FUTURE,
    LATE,
    TIMELY
  }

  private final Clock clock;
  private final Duration skew;

  @Autowired
  EntryDates(EntryDateProperties properties) {
    this(Clock.systemDefaultZone(), properties.clockSkew());
  }

  EntryDates(Clock clock, Duration skew) {
    this.clock = clock;
    this.skew = skew;
  }

  /** Today in the server's time zone, as messages name it. */
  LocalDate today() {
    return LocalDate.now(clock);
  }

  /** The server's time zone, as messages name it. */
  String zone() {
    return clock.getZone().getId();
  }

  Timing of(BaseDateTimeType value) {
    Instant now = clock.instant();
    LocalDate latestToday = LocalDate.ofInstant(now.plus(skew), clock.getZone());
    LocalDate earliestToday = LocalDate.ofInstant(now.minus(skew), clock.getZone());
    TemporalPrecisionEnum precision = value.getPrecision();
    if (precision.ordinal() > TemporalPrecisionEnum.DAY.ordinal()) {
      if (value.getValue().toInstant().isAfter(now.plus(skew))) {
        return Timing.FUTURE;
      }
      LocalDate written = writtenDate(value);
      return written.isBefore(earliestToday) ? Timing.LATE : Timing.TIMELY;
    }
    LocalDate first = first(value);
    LocalDate last =
        switch (precision) {
          case YEAR -> first.plusYears(1).minusDays(1);
          case MONTH -> YearMonth.from(first).atEndOfMonth();
          default -> first;
        };
    if (first.isAfter(latestToday)) {
      return Timing.FUTURE;
    }
    return last.isBefore(earliestToday) ? Timing.LATE : Timing.TIMELY;
  }

  /** The calendar day a value names (its first day, for a partial date). */
  static LocalDate first(BaseDateTimeType value) {
    String text = value.getValueAsString();
    return switch (value.getPrecision()) {
      case YEAR -> LocalDate.of(Integer.parseInt(text.substring(0, 4)), 1, 1);
      case MONTH -> YearMonth.parse(text.substring(0, 7)).atDay(1);
      case DAY -> LocalDate.parse(text.substring(0, 10));
      default -> writtenDate(value);
    };
  }

  /** The date part of a value with a time, as written (in its own offset when it has one). */
  private static LocalDate writtenDate(BaseDateTimeType value) {
    return LocalDate.parse(value.getValueAsString().substring(0, 10));
  }
}
