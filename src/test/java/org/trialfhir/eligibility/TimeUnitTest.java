package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** Time units by UCUM code and English word, calendar arithmetic and average lengths. */
class TimeUnitTest {

  @Test
  void unitsAreFoundByTheirUcumCodeOnly() {
    assertThat(TimeUnit.ofUcum("d")).contains(TimeUnit.DAY);
    assertThat(TimeUnit.ofUcum("wk")).contains(TimeUnit.WEEK);
    assertThat(TimeUnit.ofUcum("mo")).contains(TimeUnit.MONTH);
    assertThat(TimeUnit.ofUcum("a")).contains(TimeUnit.YEAR);
    assertThat(TimeUnit.ofUcum("h")).contains(TimeUnit.HOUR);
    assertThat(TimeUnit.ofUcum("min")).contains(TimeUnit.MINUTE);
    assertThat(TimeUnit.ofUcum("month")).isEmpty();
    assertThat(TimeUnit.ofUcum("y")).isEmpty();
    for (TimeUnit unit : TimeUnit.values()) {
      assertThat(TimeUnit.ofUcum(unit.ucum())).contains(unit);
    }
  }

  @Test
  void registryWordsAreReadSingularOrPluralInAnyCase() {
    assertThat(TimeUnit.ofWord("Months")).contains(TimeUnit.MONTH);
    assertThat(TimeUnit.ofWord("year")).contains(TimeUnit.YEAR);
    assertThat(TimeUnit.ofWord("WEEKS")).contains(TimeUnit.WEEK);
    assertThat(TimeUnit.ofWord("Hours")).contains(TimeUnit.HOUR);
    assertThat(TimeUnit.ofWord("minute")).contains(TimeUnit.MINUTE);
    assertThat(TimeUnit.ofWord("fortnight")).isEmpty();
    assertThat(TimeUnit.ofWord(null)).isEmpty();
  }

  @Test
  void wordsArePluralUnlessTheAmountIsOne() {
    assertThat(TimeUnit.MONTH.words(1)).isEqualTo("month");
    assertThat(TimeUnit.MONTH.words(6)).isEqualTo("months");
    assertThat(TimeUnit.DAY.words(0)).isEqualTo("days");
  }

  @Test
  void onlyDaysAndLongerUnitsCountDates() {
    assertThat(TimeUnit.DAY.calendar()).isTrue();
    assertThat(TimeUnit.WEEK.calendar()).isTrue();
    assertThat(TimeUnit.MONTH.calendar()).isTrue();
    assertThat(TimeUnit.YEAR.calendar()).isTrue();
    assertThat(TimeUnit.HOUR.calendar()).isFalse();
    assertThat(TimeUnit.MINUTE.calendar()).isFalse();
    LocalDate day = LocalDate.of(2026, 6, 15);
    assertThatThrownBy(() -> TimeUnit.HOUR.before(day, 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'h' is not a calendar unit");
    assertThatThrownBy(() -> TimeUnit.MINUTE.between(day, day))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void averageLengthsInDaysAreUcums() {
    assertThat(TimeUnit.DAY.days()).isEqualByComparingTo("1");
    assertThat(TimeUnit.WEEK.days()).isEqualByComparingTo("7");
    assertThat(TimeUnit.YEAR.days()).isEqualByComparingTo("365.25");
    assertThat(TimeUnit.MONTH.days()).isEqualByComparingTo("30.4375");
    assertThat(TimeUnit.MONTH.days().multiply(BigDecimal.valueOf(12)))
        .isEqualByComparingTo(TimeUnit.YEAR.days());
    assertThat(TimeUnit.HOUR.days().multiply(BigDecimal.valueOf(24), MathContext.DECIMAL32))
        .isEqualByComparingTo("1");
    assertThat(TimeUnit.MINUTE.days().multiply(BigDecimal.valueOf(1440), MathContext.DECIMAL32))
        .isEqualByComparingTo("1");
  }

  @Test
  void calendarArithmeticEndsOnTheLastDayOfAShorterMonth() {
    LocalDate endOfMarch = LocalDate.of(2026, 3, 31);
    assertThat(TimeUnit.MONTH.before(endOfMarch, 1)).isEqualTo(LocalDate.of(2026, 2, 28));
    assertThat(TimeUnit.MONTH.after(LocalDate.of(2024, 1, 31), 1))
        .isEqualTo(LocalDate.of(2024, 2, 29));
    assertThat(TimeUnit.WEEK.before(LocalDate.of(2026, 6, 15), 2))
        .isEqualTo(LocalDate.of(2026, 6, 1));
    assertThat(TimeUnit.DAY.after(LocalDate.of(2026, 12, 31), 1))
        .isEqualTo(LocalDate.of(2027, 1, 1));
    assertThat(TimeUnit.YEAR.after(LocalDate.of(2008, 2, 29), 1))
        .isEqualTo(LocalDate.of(2009, 2, 28));
  }

  @Test
  void betweenCountsCompletedUnitsAsAnAgeDoes() {
    LocalDate born = LocalDate.of(2008, 6, 16);
    assertThat(TimeUnit.YEAR.between(born, LocalDate.of(2026, 6, 15))).isEqualTo(17);
    assertThat(TimeUnit.YEAR.between(born, LocalDate.of(2026, 6, 16))).isEqualTo(18);
    assertThat(TimeUnit.MONTH.between(born, LocalDate.of(2008, 12, 15))).isEqualTo(5);
    assertThat(TimeUnit.MONTH.between(born, LocalDate.of(2008, 12, 16))).isEqualTo(6);
    assertThat(TimeUnit.DAY.between(born, born)).isZero();
  }

  @Test
  void aLookBackWindowIsInCalendarUnitsAndIncludesItsFirstDay() {
    LocalDate date = LocalDate.of(2026, 6, 15);
    Window ninetyDays = new Window(90, "d");
    assertThat(ninetyDays.start(date)).isEqualTo(LocalDate.of(2026, 3, 17));
    assertThat(ninetyDays.contains(LocalDate.of(2026, 3, 17), date)).isTrue();
    assertThat(ninetyDays.contains(LocalDate.of(2026, 3, 16), date)).isFalse();
    assertThat(ninetyDays.contains(date, date)).isTrue();
    assertThat(ninetyDays.contains(date.plusDays(1), date)).isFalse();
    assertThat(ninetyDays.describe()).isEqualTo("90 days");
    assertThat(new Window(1, "a").describe()).isEqualTo("1 year");
    assertThat(new Window(6, "mo").after(LocalDate.of(2025, 8, 31)))
        .isEqualTo(LocalDate.of(2026, 2, 28));
    assertThatThrownBy(() -> new Window(2, "h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("days or longer");
    assertThatThrownBy(() -> new Window(2, "fortnight"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'fortnight' is not a UCUM time unit");
  }
}
