package org.trialfhir.eligibility;

import java.time.LocalDate;

/** A calendar period counted back from the reference date: "90 d", "6 mo", "1 a". */
record Window(int amount, String ucumUnit) {

  /** The first day inside the window ending at {@code referenceDate}. */
  LocalDate start(LocalDate referenceDate) {
    return switch (ucumUnit) {
      case "d" -> referenceDate.minusDays(amount);
      case "wk" -> referenceDate.minusWeeks(amount);
      case "mo" -> referenceDate.minusMonths(amount);
      case "a" -> referenceDate.minusYears(amount);
      default -> throw new IllegalArgumentException("Unsupported time unit '" + ucumUnit + "'");
    };
  }

  /** The day {@code amount} units after {@code from} (e.g. birth date plus onset age). */
  LocalDate after(LocalDate from) {
    return switch (ucumUnit) {
      case "d" -> from.plusDays(amount);
      case "wk" -> from.plusWeeks(amount);
      case "mo" -> from.plusMonths(amount);
      case "a" -> from.plusYears(amount);
      default -> throw new IllegalArgumentException("Unsupported time unit '" + ucumUnit + "'");
    };
  }

  boolean contains(LocalDate date, LocalDate referenceDate) {
    return !date.isBefore(start(referenceDate)) && !date.isAfter(referenceDate);
  }

  String describe() {
    String unit =
        switch (ucumUnit) {
          case "d" -> "day";
          case "wk" -> "week";
          case "mo" -> "month";
          case "a" -> "year";
          default -> ucumUnit;
        };
    return amount + " " + unit + (amount == 1 ? "" : "s");
  }
}
