package org.trialfhir.outcome;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;

/**
 * Order statistics of a sample. Quantiles interpolate linearly between order statistics (Hyndman
 * and Fan type 7, the default of R and NumPy), so the median of an even sample is the mean of its
 * two middle values.
 */
final class Statistics {

  private static final MathContext PRECISION = MathContext.DECIMAL64;

  private Statistics() {}

  /** The q-quantile (0 ≤ q ≤ 1) of a non-empty sample. */
  static BigDecimal quantile(List<BigDecimal> sample, double q) {
    if (sample.isEmpty()) {
      throw new IllegalArgumentException("empty sample");
    }
    List<BigDecimal> sorted = sample.stream().sorted().toList();
    BigDecimal h = BigDecimal.valueOf(q).multiply(BigDecimal.valueOf(sorted.size() - 1L));
    int low = h.setScale(0, RoundingMode.FLOOR).intValueExact();
    BigDecimal fraction = h.subtract(BigDecimal.valueOf(low));
    BigDecimal lower = sorted.get(low);
    if (fraction.signum() == 0 || low + 1 >= sorted.size()) {
      return lower;
    }
    return lower.add(sorted.get(low + 1).subtract(lower).multiply(fraction, PRECISION), PRECISION);
  }

  static BigDecimal median(List<BigDecimal> sample) {
    return quantile(sample, 0.5);
  }

  /** (to − from) / from × 100; null when from is zero. */
  static BigDecimal percentChange(BigDecimal from, BigDecimal to) {
    if (from.signum() == 0) {
      return null;
    }
    return to.subtract(from).divide(from, PRECISION).multiply(BigDecimal.valueOf(100), PRECISION);
  }
}
