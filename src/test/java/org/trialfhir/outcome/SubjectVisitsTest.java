package org.trialfhir.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.junit.jupiter.api.Test;
import org.trialfhir.eligibility.CodeMembership;
import org.trialfhir.outcome.SubjectVisits.Contact;
import org.trialfhir.outcome.SubjectVisits.Result;
import org.trialfhir.outcome.SubjectVisits.Status;
import org.trialfhir.outcome.SubjectVisits.VisitState;
import org.trialfhir.outcome.VisitSchedule.Visit;

class SubjectVisitsTest {

  private static final String VS = "http://trialfhir.org/fhir/ValueSet/";
  private static final LocalDate START = LocalDate.of(2026, 3, 1);

  /** A code is in the ValueSet named after it (hba1c in …/ValueSet/hba1c). */
  private static final CodeMembership TERMS =
      new CodeMembership() {
        @Override
        public boolean contains(String valueSetUrl, String system, String code) {
          return valueSetUrl.equals(VS + code);
        }

        @Override
        public String title(String valueSetUrl) {
          return valueSetUrl;
        }
      };

  private static final VisitSchedule SCHEDULE =
      new VisitSchedule(
          List.of(
              new Visit("baseline", "Baseline", -14, 0),
              new Visit("month-1", "1 month", 16, 44),
              new Visit("month-3", "3 months", 77, 105)));

  private static final SubjectVisits VISITS =
      new SubjectVisits(
          SCHEDULE,
          Map.of(
              "baseline", List.of(VS + "hba1c", VS + "glucose"),
              "month-1", List.of(VS + "hba1c", VS + "glucose"),
              "month-3", List.of(VS + "hba1c")),
          TERMS);

  private static Result result(String code, LocalDate day, String id) {
    return new Result(day, new CodeableConcept(new Coding("http://example.org", code, null)), id);
  }

  private static VisitState visit(List<VisitState> states, String id) {
    return states.stream().filter(s -> s.visit().id().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void windowsAndTargetAreDatesCountedFromTheSubjectsStart() {
    VisitState month1 =
        visit(VISITS.on(START, null, START.plusDays(1), List.of(), List.of()), "month-1");
    assertThat(month1.windowStart()).isEqualTo(LocalDate.of(2026, 3, 17));
    assertThat(month1.windowEnd()).isEqualTo(LocalDate.of(2026, 4, 14));
    assertThat(month1.target()).isEqualTo(LocalDate.of(2026, 3, 31));
  }

  @Test
  void aVisitIsUpcomingBeforeItsWindowDueInItAndOverdueAfterItOnEitherEdge() {
    assertThat(
            visit(VISITS.on(START, null, START.plusDays(15), List.of(), List.of()), "month-1")
                .status())
        .isEqualTo(Status.UPCOMING);
    assertThat(
            visit(VISITS.on(START, null, START.plusDays(16), List.of(), List.of()), "month-1")
                .status())
        .isEqualTo(Status.DUE);
    assertThat(
            visit(VISITS.on(START, null, START.plusDays(44), List.of(), List.of()), "month-1")
                .status())
        .isEqualTo(Status.DUE);
    assertThat(
            visit(VISITS.on(START, null, START.plusDays(45), List.of(), List.of()), "month-1")
                .status())
        .isEqualTo(Status.OVERDUE);
  }

  @Test
  void aResultInTheWindowMakesTheVisitDoneAndTheOthersItExpectsAreMissing() {
    List<VisitState> states =
        VISITS.on(
            START,
            null,
            START.plusDays(60),
            List.of(),
            List.of(
                result("hba1c", START.plusDays(30), "Observation/a1c"),
                // Outside every window: shows nothing done.
                result("glucose", START.plusDays(50), "Observation/late")));
    VisitState month1 = visit(states, "month-1");
    assertThat(month1.status()).isEqualTo(Status.DONE);
    assertThat(month1.evidence()).containsExactly("Observation/a1c");
    assertThat(month1.missing()).containsExactly(VS + "glucose");
    VisitState baseline = visit(states, "baseline");
    assertThat(baseline.status()).isEqualTo(Status.OVERDUE);
    assertThat(baseline.missing()).containsExactly(VS + "hba1c", VS + "glucose");
  }

  @Test
  void anEncounterInTheWindowMakesTheVisitDoneWithItsResultsStillMissing() {
    VisitState baseline =
        visit(
            VISITS.on(
                START,
                null,
                START.plusDays(20),
                List.of(new Contact(START.minusDays(3), "Encounter/e1")),
                List.of()),
            "baseline");
    assertThat(baseline.status()).isEqualTo(Status.DONE);
    assertThat(baseline.evidence()).containsExactly("Encounter/e1");
    assertThat(baseline.missing()).containsExactly(VS + "hba1c", VS + "glucose");
  }

  @Test
  void aResultOfAnotherKindDoesNotDoAVisitThatStatesWhatItExpects() {
    VisitState month1 =
        visit(
            VISITS.on(
                START,
                null,
                START.plusDays(50),
                List.of(),
                List.of(result("bmi", START.plusDays(30), "Observation/bmi"))),
            "month-1");
    assertThat(month1.status()).isEqualTo(Status.OVERDUE);
    assertThat(month1.evidence()).isEmpty();
  }

  @Test
  void aVisitThatStatesNoResultsIsDoneByAnyResultInItsWindow() {
    SubjectVisits bare = new SubjectVisits(SCHEDULE, Map.of(), TERMS);
    VisitState month1 =
        visit(
            bare.on(
                START,
                null,
                START.plusDays(50),
                List.of(),
                List.of(result("bmi", START.plusDays(30), "Observation/bmi"))),
            "month-1");
    assertThat(month1.status()).isEqualTo(Status.DONE);
    assertThat(month1.missing()).isEmpty();
  }

  @Test
  void aSubjectWhoLeftIsNotExpectedAtLaterVisitsButAMissedOneStaysOverdue() {
    // Withdrawn on day 60: the 1-month visit (closed on day 44) was missed, the 3-month one is not
    // expected, also long after its window.
    List<VisitState> states =
        VISITS.on(START, START.plusDays(60), START.plusDays(200), List.of(), List.of());
    assertThat(visit(states, "month-1").status()).isEqualTo(Status.OVERDUE);
    assertThat(visit(states, "month-3").status()).isEqualTo(Status.NOT_EXPECTED);
  }

  @Test
  void theScheduleStatesWhatEachVisitCollectsInItsActionsInputs() {
    PlanDefinition plan = new PlanDefinition();
    var action = plan.addAction();
    action.setId("month-1");
    action.setTiming(
        new Range().setLow(new Quantity(16).setCode("d")).setHigh(new Quantity(44).setCode("d")));
    action
        .addInput()
        .setType("Observation")
        .addCodeFilter()
        .setPath("code")
        .setValueSet(VS + "hba1c");
    action.addInput().setType("Condition").addCodeFilter().setPath("code").setValueSet(VS + "x");
    assertThat(SubjectVisits.expectedResults(plan)).containsEntry("month-1", List.of(VS + "hba1c"));
  }
}
