package org.trialfhir.eligibility;

import java.time.LocalDate;

/** A calendar period counted back from the reference date: "90 d", "6 mo", "1 a". */
record Window(int amount, TimeUnit unit) {

  Window {
    if (!unit.calendar()) {
      throw new IllegalArgumentException("A look-back window is counted in days or longer units");
    }
  }

  /** A window in a UCUM time unit (d, wk, mo, a). */
  Window(int amount, String ucumUnit) {
    this(
        amount,
        TimeUnit.ofUcum(ucumUnit)
            .orElseThrow(
                () -> new IllegalArgumentException("'" + ucumUnit + "' is not a UCUM time unit")));
  }

  /** The first day inside the window ending at {@code referenceDate}. */
  LocalDate start(LocalDate referenceDate) {
    return unit.before(referenceDate, amount);
  }

  /** The day {@code amount} units after {@code from} (e.g. birth date plus onset age). */
  LocalDate after(LocalDate from) {
    return unit.after(from, amount);
  }

  boolean contains(LocalDate date, LocalDate referenceDate) {
    return !date.isBefore(start(referenceDate)) && !date.isAfter(referenceDate);
  }

  String describe() {
    return amount + " " + unit.words(amount);
  }
}
