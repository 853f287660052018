package org.trialfhir.outcome;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Range;
import org.trialfhir.eligibility.TimeUnit;

/**
 * A study's visits as its schedule of activities states them (PlanDefinition, one action per visit
 * with a window of days from the subject's start). A result belongs to the visit whose window holds
 * its date; both window edges belong to the visit.
 */
record VisitSchedule(List<Visit> visits) {

  record Visit(String id, String title, long from, long to) {
    boolean holds(long day) {
      return day >= from && day <= to;
    }

    /** Distance from the window's centre, to pick one result when a window holds several. */
    double offCentre(long day) {
      return Math.abs(day - (from + to) / 2.0);
    }
  }

  static VisitSchedule of(PlanDefinition plan) {
    List<Visit> visits =
        plan.getAction().stream()
            .filter(
                a ->
                    a.getTiming() instanceof Range r
                        && r.getLow().hasValue()
                        && r.getHigh().hasValue())
            .map(
                a -> {
                  Range window = (Range) a.getTiming();
                  return new Visit(
                      a.getId(),
                      a.hasTitle() ? a.getTitle() : a.getId(),
                      days(window.getLow().getValue(), window.getLow().getCode()),
                      days(window.getHigh().getValue(), window.getHigh().getCode()));
                })
            .toList();
    return new VisitSchedule(visits);
  }

  /** The visit a result on {@code date} belongs to for a subject who started on {@code start}. */
  Optional<Visit> visitOf(LocalDate start, LocalDate date) {
    long day = ChronoUnit.DAYS.between(start, date);
    return visits.stream().filter(v -> v.holds(day)).findFirst();
  }

  Visit baseline() {
    return visits.get(0);
  }

  private static long days(BigDecimal value, String unit) {
    long n = value.setScale(0, RoundingMode.HALF_UP).longValue();
    TimeUnit time = TimeUnit.ofUcum(unit == null ? "d" : unit).orElse(TimeUnit.DAY);
    return Math.round(n * time.days().doubleValue());
  }
}
