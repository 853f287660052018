package org.trialfhir.ctgov;

import java.math.BigDecimal;
import java.util.List;
import org.hl7.fhir.r4.model.Quantity;
import org.trialfhir.eligibility.TimeUnit;

/**
 * Puts an age range's two bounds in one unit (a Range must), the finer of the two, keeping the
 * registry's meaning: "6 Months to 17 Years" admits up to 17 years 11 months, i.e. 215 months.
 */
final class AgeUnits {

  private static final List<TimeUnit> FINE_TO_COARSE =
      List.of(TimeUnit.DAY, TimeUnit.WEEK, TimeUnit.MONTH, TimeUnit.YEAR);

  private AgeUnits() {}

  record Bounds(Quantity low, Quantity high, boolean approximate) {}

  static Bounds inFinerUnit(Quantity low, Quantity high) {
    int lowUnit = FINE_TO_COARSE.indexOf(TimeUnit.ofUcum(low.getCode()).orElseThrow());
    int highUnit = FINE_TO_COARSE.indexOf(TimeUnit.ofUcum(high.getCode()).orElseThrow());
    int target = Math.min(lowUnit, highUnit);
    boolean approximate = false;
    Quantity[] result = new Quantity[2];
    for (int i = 0; i < 2; i++) {
      Quantity bound = i == 0 ? low : high;
      int unit = i == 0 ? lowUnit : highUnit;
      double perUnit = factor(FINE_TO_COARSE.get(unit), FINE_TO_COARSE.get(target));
      approximate |= perUnit != Math.rint(perUnit);
      double value = bound.getValue().doubleValue();
      // A lower bound starts at the bound; an upper bound runs to the end of that unit.
      long converted =
          i == 0
              ? (long) Math.floor(value * perUnit)
              : (long) Math.floor((value + 1) * perUnit) - 1;
      result[i] =
          CriterionFactory.quantity(
                  BigDecimal.valueOf(converted), FINE_TO_COARSE.get(target).ucum())
              .setUnit(FINE_TO_COARSE.get(target).words(2));
    }
    return new Bounds(result[0], result[1], approximate);
  }

  private static double factor(TimeUnit from, TimeUnit to) {
    return from.days().doubleValue() / to.days().doubleValue();
  }
}
