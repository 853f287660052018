package org.trialfhir.eligibility;

import java.math.BigDecimal;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;

/**
 * The values a number may stand for: a measured value is a point, a result reported beyond a
 * detection limit ({@code <0.1}) every value below it, a criterion's threshold every value it
 * admits. A null bound is unbounded.
 */
record Interval(BigDecimal low, boolean lowClosed, BigDecimal high, boolean highClosed) {

  static Interval point(BigDecimal value) {
    return new Interval(value, true, value, true);
  }

  /**
   * What a value with a comparator stands for ({@code <v}, {@code <=v}, {@code >v}, {@code >=v});
   * without one, the value itself. Null for a comparator that is no bound ({@code ad}).
   */
  static Interval of(BigDecimal value, Quantity.QuantityComparator comparator) {
    if (comparator == null || comparator == Quantity.QuantityComparator.NULL) {
      return point(value);
    }
    return switch (comparator) {
      case LESS_THAN -> new Interval(null, false, value, false);
      case LESS_OR_EQUAL -> new Interval(null, false, value, true);
      case GREATER_THAN -> new Interval(value, false, null, false);
      case GREATER_OR_EQUAL -> new Interval(value, true, null, false);
      default -> null;
    };
  }

  /** The values a Range admits, bounds inclusive. */
  static Interval of(Range range) {
    return new Interval(
        range.hasLow() ? range.getLow().getValue() : null,
        true,
        range.hasHigh() ? range.getHigh().getValue() : null,
        true);
  }

  /** Whether every value of {@code other} is in this interval. */
  boolean contains(Interval other) {
    boolean lowOk =
        low == null
            || (other.low != null
                && (other.low.compareTo(low) > 0
                    || (other.low.compareTo(low) == 0 && (lowClosed || !other.lowClosed))));
    boolean highOk =
        high == null
            || (other.high != null
                && (other.high.compareTo(high) < 0
                    || (other.high.compareTo(high) == 0 && (highClosed || !other.highClosed))));
    return lowOk && highOk;
  }

  /** Whether no value is in both. */
  boolean disjoint(Interval other) {
    return below(this, other) || below(other, this);
  }

  /** Whether every value of {@code a} lies below every value of {@code b}. */
  private static boolean below(Interval a, Interval b) {
    if (a.high == null || b.low == null) {
      return false;
    }
    int cmp = a.high.compareTo(b.low);
    return cmp < 0 || (cmp == 0 && !(a.highClosed && b.lowClosed));
  }

  /** TRUE when every value is admitted by {@code accepted}, FALSE when none is, else null. */
  Boolean within(Interval accepted) {
    if (accepted.contains(this)) {
      return true;
    }
    return accepted.disjoint(this) ? false : null;
  }
}
