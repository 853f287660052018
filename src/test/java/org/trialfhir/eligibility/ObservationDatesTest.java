package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Timing;
import org.hl7.fhir.r4.model.Type;
import org.junit.jupiter.api.Test;

/** The window a supplied record's Observations are chosen by, as the date search chooses them. */
class ObservationDatesTest {

  private static final LocalDate FROM = LocalDate.of(2026, 4, 1);
  private static final LocalDate TO = LocalDate.of(2026, 6, 15);

  @Test
  void aDateIsInWhenAnyDayItStandsForIs() {
    assertThat(in(new DateTimeType("2026-04-01"))).isTrue();
    assertThat(in(new DateTimeType("2026-03-31"))).isFalse();
    assertThat(in(new DateTimeType("2026-06-15T23:30:00+05:00"))).isTrue();
    assertThat(in(new DateTimeType("2026-06-16T00:10:00Z"))).isFalse();
    assertThat(in(new DateTimeType("2026-03"))).isFalse();
    assertThat(in(new DateTimeType("2026-06"))).as("a month overlapping the window").isTrue();
    assertThat(in(new DateTimeType("2025"))).isFalse();
    assertThat(in(new InstantType("2026-05-01T10:00:00Z"))).isTrue();
  }

  @Test
  void periodsAndTimingsAreInWhenTheyOverlap() {
    assertThat(in(new Period().setStartElement(new DateTimeType("2026-01-01")))).isTrue();
    assertThat(in(new Period().setEndElement(new DateTimeType("2026-03-01")))).isFalse();
    assertThat(
            in(
                new Period()
                    .setStartElement(new DateTimeType("2026-01-01"))
                    .setEndElement(new DateTimeType("2026-04-01"))))
        .isTrue();
    Timing timing = new Timing();
    timing.addEventElement().setValueAsString("2026-01-01");
    timing.addEventElement().setValueAsString("2026-07-01");
    assertThat(in(timing)).isTrue();
    assertThat(in(new Timing())).isFalse();
  }

  @Test
  void anUndatedObservationIsNeverIn() {
    assertThat(ObservationDates.inWindow(new Observation(), FROM, TO)).isFalse();
  }

  private static boolean in(Type effective) {
    return ObservationDates.inWindow(new Observation().setEffective(effective), FROM, TO);
  }
}
