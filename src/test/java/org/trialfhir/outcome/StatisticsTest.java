package org.trialfhir.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatisticsTest {

  private static List<BigDecimal> sample(String... values) {
    return Arrays.stream(values).map(BigDecimal::new).toList();
  }

  @Test
  void theMedianOfAnEvenSampleIsTheMeanOfItsMiddleValues() {
    assertThat(Statistics.median(sample("9", "1", "3", "7"))).isEqualByComparingTo("5");
    assertThat(Statistics.median(sample("2", "8", "5"))).isEqualByComparingTo("5");
  }

  @Test
  void quartilesInterpolateLinearlyLikeRType7() {
    List<BigDecimal> x = sample("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
    assertThat(Statistics.quantile(x, 0.25)).isEqualByComparingTo("3.25");
    assertThat(Statistics.quantile(x, 0.75)).isEqualByComparingTo("7.75");
    assertThat(Statistics.quantile(sample("4"), 0.25)).isEqualByComparingTo("4");
  }

  @Test
  void percentChangeIsRelativeToTheStart() {
    assertThat(Statistics.percentChange(new BigDecimal("22.5"), new BigDecimal("12.5")))
        .isEqualByComparingTo("-44.44444444444444");
    assertThat(Statistics.percentChange(BigDecimal.ZERO, BigDecimal.ONE)).isNull();
  }
}
