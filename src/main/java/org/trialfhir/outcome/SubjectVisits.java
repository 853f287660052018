package org.trialfhir.outcome;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.trialfhir.eligibility.CodeMembership;
import org.trialfhir.outcome.VisitSchedule.Visit;

/**
 * Where one subject stands with the study's schedule of activities on a given day: for each visit
 * its dates, whether it was done, is due, overdue or upcoming, and which of the results the
 * schedule expects at it are not recorded yet. Dates only: "today" is passed in, so the same record
 * gives the same answer whenever it is asked about the same day.
 */
final class SubjectVisits {

  /** Results that count as recorded: as the endpoint report counts them. */
  static final Set<String> RESULT_STATUSES = Set.of("final", "amended", "corrected", "preliminary");

  enum Status {
    /** A contact (Encounter) or one of its results is recorded in the window. */
    DONE("done"),
    /** Not done and the window is open today. */
    DUE("due"),
    /** Not done and the window closed before today. */
    OVERDUE("overdue"),
    /** The window opens after today. */
    UPCOMING("upcoming"),
    /** The subject left the study (withdrawn, off study) before the window closed. */
    NOT_EXPECTED("not-expected");

    final String code;

    Status(String code) {
      this.code = code;
    }
  }

  /** A result of the subject: its day, its code and the resource it comes from. */
  record Result(LocalDate day, CodeableConcept code, String reference) {}

  /** A contact with the subject (an Encounter), by its day. */
  record Contact(LocalDate day, String reference) {}

  /** One visit as it stands: window in dates, status, what shows it done, what is missing. */
  record VisitState(
      Visit visit,
      LocalDate windowStart,
      LocalDate windowEnd,
      LocalDate target,
      Status status,
      List<String> evidence,
      List<String> missing) {}

  private final VisitSchedule schedule;
  private final Map<String, List<String>> expected;
  private final CodeMembership terms;

  /**
   * @param expected per visit id, the canonical URLs of the ValueSets of the results it expects
   */
  SubjectVisits(VisitSchedule schedule, Map<String, List<String>> expected, CodeMembership terms) {
    this.schedule = schedule;
    this.expected = expected;
    this.terms = terms;
  }

  /**
   * Per visit, the ValueSets of the results it expects, from the action's {@code input}
   * (DataRequirement of type Observation with a codeFilter's valueSet): the Vulcan Schedule of
   * Activities states what each visit collects there.
   */
  static Map<String, List<String>> expectedResults(PlanDefinition plan) {
    Map<String, List<String>> expected = new java.util.LinkedHashMap<>();
    for (PlanDefinition.PlanDefinitionActionComponent action : plan.getAction()) {
      List<String> valueSets = new ArrayList<>();
      action.getInput().stream()
          .filter(input -> "Observation".equals(input.getType()))
          .flatMap(input -> input.getCodeFilter().stream())
          .filter(filter -> filter.hasValueSet())
          .forEach(filter -> valueSets.add(filter.getValueSet()));
      expected.put(action.getId(), List.copyOf(valueSets));
    }
    return expected;
  }

  /**
   * @param start the subject's start (ResearchSubject.period.start): day 0 of the schedule
   * @param end the day the subject left the study, or null while on it
   * @param today the day asked about
   */
  List<VisitState> on(
      LocalDate start,
      LocalDate end,
      LocalDate today,
      List<Contact> contacts,
      List<Result> results) {
    List<VisitState> states = new ArrayList<>();
    for (Visit visit : schedule.visits()) {
      LocalDate from = start.plusDays(visit.from());
      LocalDate to = start.plusDays(visit.to());
      LocalDate target = start.plusDays(Math.floorDiv(visit.from() + visit.to(), 2));
      List<String> wanted = expected.getOrDefault(visit.id(), List.of());
      List<String> evidence = new ArrayList<>();
      contacts.stream()
          .filter(c -> within(c.day(), from, to))
          .forEach(c -> evidence.add(c.reference()));
      List<String> missing = new ArrayList<>();
      for (String valueSet : wanted) {
        List<String> found =
            results.stream()
                .filter(r -> within(r.day(), from, to) && terms.containsAny(r.code(), valueSet))
                .map(Result::reference)
                .toList();
        if (found.isEmpty()) {
          missing.add(valueSet);
        }
        found.stream().filter(r -> !evidence.contains(r)).forEach(evidence::add);
      }
      if (wanted.isEmpty()) {
        // A visit that states no results is shown done by any result in its window.
        results.stream()
            .filter(r -> within(r.day(), from, to) && !evidence.contains(r.reference()))
            .forEach(r -> evidence.add(r.reference()));
      }
      states.add(
          new VisitState(
              visit,
              from,
              to,
              target,
              status(from, to, end, today, !evidence.isEmpty()),
              List.copyOf(evidence),
              List.copyOf(missing)));
    }
    return states;
  }

  private static Status status(
      LocalDate from, LocalDate to, LocalDate end, LocalDate today, boolean done) {
    if (done) {
      return Status.DONE;
    }
    // A subject who left is not expected at a visit whose window had not closed by then; one it
    // missed before leaving stays overdue (a deviation to explain, not to forget).
    if (end != null && !end.isAfter(to)) {
      return Status.NOT_EXPECTED;
    }
    if (today.isBefore(from)) {
      return Status.UPCOMING;
    }
    return today.isAfter(to) ? Status.OVERDUE : Status.DUE;
  }

  private static boolean within(LocalDate day, LocalDate from, LocalDate to) {
    return day != null && !day.isBefore(from) && !day.isAfter(to);
  }
}
