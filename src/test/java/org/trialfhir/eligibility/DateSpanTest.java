package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/** The days a recorded date stands for, at the precision it was recorded. */
class DateSpanTest {

  @Test
  void aDayIsOneDayAndDescribedAsWritten() {
    DateSpan day = DateSpan.of(new DateType("2008-06-16")).orElseThrow();
    assertThat(day.earliest()).isEqualTo(LocalDate.of(2008, 6, 16));
    assertThat(day.latest()).isEqualTo(LocalDate.of(2008, 6, 16));
    assertThat(day.exact()).isTrue();
    assertThat(day.precision()).isEmpty();
    assertThat(day.describe()).isEqualTo("2008-06-16");
    assertThat(DateSpan.day(LocalDate.of(2008, 6, 16))).isEqualTo(day);
  }

  @Test
  void aMonthIsEveryDayOfTheMonth() {
    DateSpan month = DateSpan.of(new DateType("2024-02")).orElseThrow();
    assertThat(month.earliest()).isEqualTo(LocalDate.of(2024, 2, 1));
    assertThat(month.latest()).isEqualTo(LocalDate.of(2024, 2, 29));
    assertThat(month.exact()).isFalse();
    assertThat(month.describe()).isEqualTo("2024-02 (known only to the month)");
  }

  @Test
  void aYearIsEveryDayOfTheYear() {
    DateSpan year = DateSpan.of(new DateTimeType("2007")).orElseThrow();
    assertThat(year.earliest()).isEqualTo(LocalDate.of(2007, 1, 1));
    assertThat(year.latest()).isEqualTo(LocalDate.of(2007, 12, 31));
    assertThat(year.precision()).isEqualTo("known only to the year");
    assertThat(year.describe()).isEqualTo("2007 (known only to the year)");
  }

  @Test
  void aDateTimeIsTheDayAsWrittenWithoutATimeZoneShift() {
    DateSpan late = DateSpan.of(new DateTimeType("2026-01-02T23:30:00+10:00")).orElseThrow();
    assertThat(late.earliest()).isEqualTo(LocalDate.of(2026, 1, 2));
    assertThat(late.exact()).isTrue();
    assertThat(late.describe()).isEqualTo("2026-01-02");
    assertThat(DateSpan.of(new InstantType("2026-01-02T01:00:00Z")).orElseThrow().earliest())
        .isEqualTo(LocalDate.of(2026, 1, 2));
  }

  @Test
  void aPeriodIsItsStartAndAnythingElseIsNoDate() {
    Period period = new Period().setStartElement(new DateTimeType("2025-12"));
    assertThat(DateSpan.of(period).orElseThrow().describe())
        .isEqualTo("2025-12 (known only to the month)");
    assertThat(DateSpan.of(new Period().setEndElement(new DateTimeType("2025-12-01")))).isEmpty();
    assertThat(DateSpan.of(new DateType())).isEmpty();
    assertThat(DateSpan.of(new StringType("2025-12-01"))).isEmpty();
    assertThat(DateSpan.of(null)).isEmpty();
  }
}
