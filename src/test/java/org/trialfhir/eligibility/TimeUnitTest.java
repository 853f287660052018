package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** The one place that knows what a UCUM time unit means. */
class TimeUnitTest {

  @Test
  void everyUnitHasUcumsAverageLengthInDays() {
    assertThat(TimeUnit.YEAR.days()).isEqualByComparingTo("365.25");
    assertThat(TimeUnit.MONTH.days()).isEqualByComparingTo("30.4375");
    assertThat(TimeUnit.WEEK.days()).isEqualByComparingTo("7");
    assertThat(TimeUnit.DAY.days()).isEqualByComparingTo("1");
    assertThat(TimeUnit.HOUR.days().multiply(BigDecimal.valueOf(24)).doubleValue())
        .isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(TimeUnit.MINUTE.days().multiply(BigDecimal.valueOf(1440)).doubleValue())
        .isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void unitsAreFoundByUcumCodeAndByTheWordsRegistriesUse() {
    assertThat(TimeUnit.ofUcum("mo")).contains(TimeUnit.MONTH);
    assertThat(TimeUnit.ofUcum("month")).isEmpty();
    assertThat(TimeUnit.ofWord("Months")).contains(TimeUnit.MONTH);
    assertThat(TimeUnit.ofWord("year")).contains(TimeUnit.YEAR);
    assertThat(TimeUnit.ofWord("Hours")).contains(TimeUnit.HOUR);
    assertThat(TimeUnit.ofWord("fortnight")).isEmpty();
    assertThat(TimeUnit.ofWord(null)).isEmpty();
    assertThat(TimeUnit.MONTH.words(1)).isEqualTo("month");
    assertThat(TimeUnit.MONTH.words(6)).isEqualTo("months");
  }

  @Test
  void calendarArithmeticCountsCompletedUnits() {
    LocalDate birth = LocalDate.of(2008, 6, 16);
    assertThat(TimeUnit.YEAR.between(birth, LocalDate.of(2026, 6, 15))).isEqualTo(17);
    assertThat(TimeUnit.YEAR.between(birth, LocalDate.of(2026, 6, 16))).isEqualTo(18);
    assertThat(TimeUnit.MONTH.before(LocalDate.of(2026, 3, 31), 1))
        .isEqualTo(LocalDate.of(2026, 2, 28));
    assertThat(TimeUnit.WEEK.after(LocalDate.of(2026, 1, 1), 2))
        .isEqualTo(LocalDate.of(2026, 1, 15));
    assertThat(TimeUnit.DAY.calendar()).isTrue();
    assertThat(TimeUnit.HOUR.calendar()).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> TimeUnit.HOUR.before(LocalDate.of(2026, 1, 1), 1))
        .isInstanceOf(IllegalStateException.class);
  }
}
