package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.hl7.fhir.r4.model.Range;
import org.junit.jupiter.api.Test;

/** What a value with a comparator stands for, against what a threshold admits. */
class IntervalTest {

  private static BigDecimal n(String value) {
    return new BigDecimal(value);
  }

  private static Interval reported(QuantityComparator comparator, String value) {
    return Interval.of(n(value), comparator);
  }

  @Test
  void aComparatorMakesTheValueAnOpenOrClosedHalfLine() {
    assertThat(reported(null, "0.1")).isEqualTo(new Interval(n("0.1"), true, n("0.1"), true));
    assertThat(reported(QuantityComparator.NULL, "0.1")).isEqualTo(Interval.point(n("0.1")));
    assertThat(reported(QuantityComparator.LESS_THAN, "0.1"))
        .isEqualTo(new Interval(null, false, n("0.1"), false));
    assertThat(reported(QuantityComparator.LESS_OR_EQUAL, "0.1"))
        .isEqualTo(new Interval(null, false, n("0.1"), true));
    assertThat(reported(QuantityComparator.GREATER_THAN, "0.1"))
        .isEqualTo(new Interval(n("0.1"), false, null, false));
    assertThat(reported(QuantityComparator.GREATER_OR_EQUAL, "0.1"))
        .isEqualTo(new Interval(n("0.1"), true, null, false));
  }

  @Test
  void aRangeAdmitsItsBoundsAndAMissingBoundIsUnbounded() {
    Range both =
        new Range()
            .setLow(new Quantity().setValue(n("8")))
            .setHigh(new Quantity().setValue(n("18")));
    assertThat(Interval.of(both)).isEqualTo(new Interval(n("8"), true, n("18"), true));
    Range low = new Range().setLow(new Quantity().setValue(n("8")));
    assertThat(Interval.of(low)).isEqualTo(new Interval(n("8"), true, null, true));
    Range high = new Range().setHigh(new Quantity().setValue(n("18")));
    assertThat(Interval.of(high)).isEqualTo(new Interval(null, true, n("18"), true));
  }

  @Test
  void atLeastAdmitsItsBoundButNotAValueBelowIt() {
    Interval atLeast = reported(QuantityComparator.GREATER_OR_EQUAL, "0.1");
    assertThat(Interval.point(n("0.1")).within(atLeast)).isTrue();
    assertThat(Interval.point(n("0.0999")).within(atLeast)).isFalse();
    assertThat(reported(QuantityComparator.LESS_THAN, "0.1").within(atLeast))
        .as("<0.1 is wholly below 0.1")
        .isFalse();
    assertThat(reported(QuantityComparator.LESS_OR_EQUAL, "0.1").within(atLeast))
        .as("<=0.1 may be 0.1")
        .isNull();
    assertThat(reported(QuantityComparator.LESS_THAN, "0.15").within(atLeast)).isNull();
    assertThat(reported(QuantityComparator.GREATER_THAN, "0.1").within(atLeast)).isTrue();
    assertThat(reported(QuantityComparator.GREATER_OR_EQUAL, "0.1").within(atLeast)).isTrue();
    assertThat(reported(QuantityComparator.GREATER_THAN, "0.05").within(atLeast)).isNull();
  }

  @Test
  void aboveExcludesItsBound() {
    Interval above = reported(QuantityComparator.GREATER_THAN, "0.2");
    assertThat(Interval.point(n("0.2")).within(above)).isFalse();
    assertThat(Interval.point(n("0.2001")).within(above)).isTrue();
    assertThat(reported(QuantityComparator.GREATER_THAN, "0.2").within(above)).isTrue();
    assertThat(reported(QuantityComparator.GREATER_OR_EQUAL, "0.2").within(above)).isNull();
    assertThat(reported(QuantityComparator.LESS_OR_EQUAL, "0.2").within(above)).isFalse();
  }

  @Test
  void upperBoundsMirrorTheLowerOnes() {
    Interval below = reported(QuantityComparator.LESS_THAN, "10");
    Interval atMost = reported(QuantityComparator.LESS_OR_EQUAL, "10");
    assertThat(Interval.point(n("10")).within(below)).isFalse();
    assertThat(Interval.point(n("10")).within(atMost)).isTrue();
    assertThat(Interval.point(n("9.99")).within(below)).isTrue();
    assertThat(Interval.point(n("10.01")).within(atMost)).isFalse();
    assertThat(reported(QuantityComparator.LESS_THAN, "10").within(below)).isTrue();
    assertThat(reported(QuantityComparator.LESS_OR_EQUAL, "10").within(below)).isNull();
    assertThat(reported(QuantityComparator.GREATER_OR_EQUAL, "10").within(below)).isFalse();
    assertThat(reported(QuantityComparator.GREATER_THAN, "10").within(atMost)).isFalse();
    assertThat(reported(QuantityComparator.GREATER_OR_EQUAL, "10").within(atMost)).isNull();
    assertThat(reported(QuantityComparator.GREATER_THAN, "5").within(atMost)).isNull();
  }

  @Test
  void anUnboundedValueIsNeverWhollyInsideABoundedRange() {
    Interval range = new Interval(n("0.2"), true, n("1.0"), true);
    assertThat(Interval.point(n("0.2")).within(range)).isTrue();
    assertThat(Interval.point(n("1.0")).within(range)).isTrue();
    assertThat(Interval.point(n("1.01")).within(range)).isFalse();
    assertThat(reported(QuantityComparator.LESS_THAN, "0.5").within(range)).isNull();
    assertThat(reported(QuantityComparator.GREATER_THAN, "0.5").within(range)).isNull();
    assertThat(reported(QuantityComparator.GREATER_THAN, "1.0").within(range)).isFalse();
    assertThat(new Interval(n("0.3"), true, n("0.9"), true).within(range)).isTrue();
    assertThat(new Interval(n("0.1"), true, n("0.9"), true).within(range)).isNull();
  }

  @Test
  void disjointIsSymmetricAndTouchingClosedBoundsOverlap() {
    Interval low = new Interval(n("1"), true, n("2"), true);
    Interval touching = new Interval(n("2"), true, n("3"), true);
    Interval afterOpen = new Interval(n("2"), false, n("3"), true);
    assertThat(low.disjoint(touching)).isFalse();
    assertThat(touching.disjoint(low)).isFalse();
    assertThat(low.disjoint(afterOpen)).isTrue();
    assertThat(afterOpen.disjoint(low)).isTrue();
    assertThat(low.disjoint(new Interval(null, false, null, false))).isFalse();
  }
}
