package org.trialfhir.subject;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.junit.jupiter.api.Test;
import org.trialfhir.subject.EntryDates.Timing;

/** The judgement of a record's date against today, at the edges of the day and of the skew. */
class EntryDatesTest {

  private static final ZoneId ZURICH = ZoneId.of("Europe/Zurich");
  private static final Duration SKEW = Duration.ofMinutes(5);

  /** The server's clock at this local time in Zurich (UTC+1 in December). */
  private static EntryDates at(String localDateTime) {
    Instant now = java.time.LocalDateTime.parse(localDateTime).atZone(ZURICH).toInstant();
    return new EntryDates(Clock.fixed(now, ZURICH), SKEW);
  }

  @Test
  void aDayIsTimelyTodayFutureTomorrowAndLateYesterday() {
    EntryDates noon = at("2026-12-07T12:00:00");
    assertThat(noon.of(new DateType("2026-12-07"))).isEqualTo(Timing.TIMELY);
    assertThat(noon.of(new DateType("2026-12-08"))).isEqualTo(Timing.FUTURE);
    assertThat(noon.of(new DateType("2027-01-15"))).isEqualTo(Timing.FUTURE);
    assertThat(noon.of(new DateType("2026-12-06"))).isEqualTo(Timing.LATE);
    assertThat(noon.today()).hasToString("2026-12-07");
  }

  @Test
  void aClockAFewMinutesAheadAtMidnightIsNotTheFuture() {
    // 23:58 here; the client's clock, 3 minutes ahead, already says tomorrow.
    assertThat(at("2026-12-07T23:58:00").of(new DateType("2026-12-08"))).isEqualTo(Timing.TIMELY);
    // Beyond the skew it is the future.
    assertThat(at("2026-12-07T23:50:00").of(new DateType("2026-12-08"))).isEqualTo(Timing.FUTURE);
  }

  @Test
  void aClockAFewMinutesBehindJustAfterMidnightIsNotLate() {
    assertThat(at("2026-12-08T00:02:00").of(new DateType("2026-12-07"))).isEqualTo(Timing.TIMELY);
    assertThat(at("2026-12-08T00:10:00").of(new DateType("2026-12-07"))).isEqualTo(Timing.LATE);
  }

  @Test
  void aTimeIsTheFutureBeyondTheSkewAndLateByItsWrittenDay() {
    EntryDates noon = at("2026-12-07T12:00:00");
    assertThat(noon.of(new DateTimeType("2026-12-07T12:04:00+01:00"))).isEqualTo(Timing.TIMELY);
    assertThat(noon.of(new DateTimeType("2026-12-07T12:06:00+01:00"))).isEqualTo(Timing.FUTURE);
    assertThat(noon.of(new DateTimeType("2026-12-07T08:00:00+01:00"))).isEqualTo(Timing.TIMELY);
    assertThat(noon.of(new DateTimeType("2026-12-06T23:30:00+01:00"))).isEqualTo(Timing.LATE);
    // Written at a site ahead of the server: its own day is today, and the instant has passed.
    assertThat(noon.of(new DateTimeType("2026-12-07T20:00:00+13:00"))).isEqualTo(Timing.TIMELY);
  }

  @Test
  void aPartialDateIsFutureOnlyWhenItStartsAfterTodayAndLateOnlyWhenItEndsBefore() {
    EntryDates noon = at("2026-12-07T12:00:00");
    assertThat(noon.of(new DateTimeType("2026-12"))).isEqualTo(Timing.TIMELY);
    assertThat(noon.of(new DateTimeType("2026"))).isEqualTo(Timing.TIMELY);
    assertThat(noon.of(new DateTimeType("2027-01"))).isEqualTo(Timing.FUTURE);
    assertThat(noon.of(new DateTimeType("2026-11"))).isEqualTo(Timing.LATE);
    assertThat(noon.of(new DateTimeType("2025"))).isEqualTo(Timing.LATE);
  }
}
