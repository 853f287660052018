package org.trialfhir.subject;

import java.util.Map;
import java.util.Set;

/**
 * Which ResearchSubject status may follow which (R4 research-subject-status). A subject moves
 * forward through screening, enrolment and follow-up; withdrawn, off-study, ineligible and
 * not-registered are final. Keeping a status is always allowed.
 */
public final class SubjectStatusTransitions {

  private static final Map<String, Set<String>> NEXT =
      Map.ofEntries(
          Map.entry(
              "potential-candidate",
              // Eligible on the record (pre-screening) before anyone contacts the patient; $enroll
              // checks eligibility and consent itself, so any pre-enrolment status may go on study.
              Set.of(
                  "candidate",
                  "screening",
                  "eligible",
                  "ineligible",
                  "on-study",
                  "not-registered",
                  "withdrawn")),
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
          // A patient may consent while their screening goes on (the worklist's "consented").
          Map.entry(
              "screening",
              Set.of(
                  "eligible",
                  "ineligible",
                  "pending-on-study",
                  "on-study",
                  "not-registered",
                  "withdrawn")),
          // A patient eligible, or consented, may still fail screening (a result at the screening
          // visit): the commonest screen failure.
          Map.entry(
              "eligible",
              Set.of("pending-on-study", "on-study", "ineligible", "not-registered", "withdrawn")),
          Map.entry(
              "pending-on-study", Set.of("on-study", "ineligible", "not-registered", "withdrawn")),
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
  public static final Set<String> ENROLLED =
      Set.of("on-study", "on-study-intervention", "on-study-observation", "follow-up");

  /** Were on the study and left it: such a patient is not enrolled again. */
  public static final Set<String> LEFT = Set.of("withdrawn", "off-study");

  /** A screening that ended (screen failure, declined): such a patient is not enrolled. */
  public static final Set<String> SCREENING_ENDED = Set.of("ineligible", "not-registered");

  /** Before enrolment: $enroll moves such a subject on study instead of creating another. */
  public static final Set<String> BEFORE_ENROLMENT =
      Set.of("potential-candidate", "candidate", "screening", "eligible", "pending-on-study");

  private SubjectStatusTransitions() {}

  public static boolean allowed(String from, String to) {
    return from == null || from.equals(to) || NEXT.getOrDefault(from, Set.of()).contains(to);
  }

  /**
   * From before enrolment to on study: the step only $enroll takes, having checked eligibility and
   * consent and drawn the arm.
   */
  public static boolean enrolment(String from, String to) {
    return from != null && to != null && BEFORE_ENROLMENT.contains(from) && ENROLLED.contains(to);
  }

  public static Set<String> next(String from) {
    return NEXT.getOrDefault(from, Set.of());
  }
}
