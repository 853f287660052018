package org.trialfhir.subject;

import java.util.Map;
import java.util.Set;

/**
 * Which ResearchSubject status may follow which (R4 research-subject-status). A subject moves
 * forward through screening, enrolment and follow-up; withdrawn, off-study, ineligible and
 * not-registered are final. Keeping a status is always allowed.
 */
final class SubjectStatusTransitions {

  private static final Map<String, Set<String>> NEXT =
      Map.ofEntries(
          Map.entry(
              "potential-candidate",
              Set.of("candidate", "screening", "ineligible", "not-registered", "withdrawn")),
          Map.entry(
              "candidate",
              Set.of(
                  "screening",
                  "eligible",
                  "ineligible",
                  "pending-on-study",
                  "on-study",
                  "not-registered",
                  "withdrawn")),
          Map.entry("screening", Set.of("eligible", "ineligible", "not-registered", "withdrawn")),
          Map.entry(
              "eligible", Set.of("pending-on-study", "on-study", "not-registered", "withdrawn")),
          Map.entry("pending-on-study", Set.of("on-study", "not-registered", "withdrawn")),
          Map.entry(
              "on-study",
              Set.of(
                  "on-study-intervention",
                  "on-study-observation",
                  "follow-up",
                  "off-study",
                  "withdrawn")),
          Map.entry(
              "on-study-intervention",
              Set.of("on-study-observation", "follow-up", "off-study", "withdrawn")),
          Map.entry("on-study-observation", Set.of("follow-up", "off-study", "withdrawn")),
          Map.entry("follow-up", Set.of("off-study", "withdrawn")),
          Map.entry("off-study", Set.of()),
          Map.entry("withdrawn", Set.of()),
          Map.entry("ineligible", Set.of()),
          Map.entry("not-registered", Set.of()));

  /** On the study now: these count against the study's target enrolment. */
  static final Set<String> ENROLLED =
      Set.of("on-study", "on-study-intervention", "on-study-observation", "follow-up");

  /** Were on the study and left it: such a patient is not enrolled again. */
  static final Set<String> LEFT = Set.of("withdrawn", "off-study");

  /** Before enrolment: $enroll moves such a subject on study instead of creating another. */
  static final Set<String> BEFORE_ENROLMENT =
      Set.of("potential-candidate", "candidate", "screening", "eligible", "pending-on-study");

  private SubjectStatusTransitions() {}

  static boolean allowed(String from, String to) {
    return from == null || from.equals(to) || NEXT.getOrDefault(from, Set.of()).contains(to);
  }

  static Set<String> next(String from) {
    return NEXT.getOrDefault(from, Set.of());
  }
}
