package org.trialfhir.eligibility;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The time units criteria, study age ranges and visit schedules use, by their UCUM codes: the one
 * place that knows what "6 mo" means. Calendar arithmetic (a month back from 31 March is the last
 * day of February) for the calendar units; average lengths (UCUM: a = 365.25 d, mo = a / 12) where
 * an amount must become days or another unit.
 */
public enum TimeUnit {
  MINUTE(
      "min",
      "minute",
      null,
      BigDecimal.ONE.divide(BigDecimal.valueOf(1440), MathContext.DECIMAL64)),
  HOUR("h", "hour", null, BigDecimal.ONE.divide(BigDecimal.valueOf(24), MathContext.DECIMAL64)),
  DAY("d", "day", ChronoUnit.DAYS, BigDecimal.ONE),
  WEEK("wk", "week", ChronoUnit.WEEKS, BigDecimal.valueOf(7)),
  MONTH("mo", "month", ChronoUnit.MONTHS, new BigDecimal("30.4375")),
  YEAR("a", "year", ChronoUnit.YEARS, new BigDecimal("365.25"));

  private final String ucum;
  private final String word;
  private final ChronoUnit calendar;
  private final BigDecimal days;

  TimeUnit(String ucum, String word, ChronoUnit calendar, BigDecimal days) {
    this.ucum = ucum;
    this.word = word;
    this.calendar = calendar;
    this.days = days;
  }

  /** The unit with this UCUM code (d, wk, mo, a, h, min). */
  public static Optional<TimeUnit> ofUcum(String code) {
    return Arrays.stream(values()).filter(u -> u.ucum.equals(code)).findFirst();
  }

  /** The unit named in English, singular or plural ("Months", "year"), as registries write it. */
  public static Optional<TimeUnit> ofWord(String word) {
    if (word == null) {
      return Optional.empty();
    }
    String singular = word.toLowerCase(Locale.ROOT).replaceAll("s$", "");
    return Arrays.stream(values()).filter(u -> u.word.equals(singular)).findFirst();
  }

  public String ucum() {
    return ucum;
  }

  /** "month", or "months" when {@code amount} is not 1. */
  public String words(long amount) {
    return amount == 1 ? word : word + "s";
  }

  /** Whether dates can be counted in this unit (days and longer). */
  public boolean calendar() {
    return calendar != null;
  }

  /** The unit's average length in days (UCUM: a = 365.25 d, mo = a / 12). */
  public BigDecimal days() {
    return days;
  }

  /** {@code date} moved {@code amount} of this unit back, by the calendar. */
  public LocalDate before(LocalDate date, long amount) {
    return date.minus(amount, calendarUnit());
  }

  /** {@code date} moved {@code amount} of this unit on, by the calendar. */
  public LocalDate after(LocalDate date, long amount) {
    return date.plus(amount, calendarUnit());
  }

  /** Completed units from {@code from} to {@code to} (an age: completed years on a day). */
  public long between(LocalDate from, LocalDate to) {
    return calendarUnit().between(from, to);
  }

  private ChronoUnit calendarUnit() {
    if (calendar == null) {
      throw new IllegalStateException("'" + ucum + "' is not a calendar unit");
    }
    return calendar;
  }
}
