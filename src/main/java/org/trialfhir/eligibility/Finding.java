package org.trialfhir.eligibility;

import java.util.List;
import org.hl7.fhir.r4.model.Reference;

/**
 * What the record says about a criterion's characteristic, before inclusion/exclusion is applied:
 * present, absent, unknown (the data to decide is missing), or undecidable from the data held (a
 * detection limit straddling a threshold, a birth date known to the year): a person decides.
 */
record Finding(State state, String reason, List<Reference> evidence, String obtain) {

  /** A finding without a note of what to obtain (all but missing data). */
  Finding(State state, String reason, List<Reference> evidence) {
    this(state, reason, evidence, null);
  }

  /**
   * The same finding with what a coordinator obtains to decide it ("a BMI, or weight and height,
   * from the last 90 days"): said for missing data, in the words of the rule that found it missing.
   */
  Finding obtaining(String what) {
    return new Finding(state, reason, evidence, what);
  }

  enum State {
    PRESENT,
    ABSENT,
    UNKNOWN,
    REVIEW
  }

  static Finding present(String reason, List<Reference> evidence) {
    return new Finding(State.PRESENT, reason, evidence);
  }

  static Finding absent(String reason, List<Reference> evidence) {
    return new Finding(State.ABSENT, reason, evidence);
  }

  static Finding unknown(String reason, List<Reference> evidence) {
    return new Finding(State.UNKNOWN, reason, evidence);
  }

  static Finding review(String reason, List<Reference> evidence) {
    return new Finding(State.REVIEW, reason, evidence);
  }

  /** Present when {@code holds} is true, absent when false, for a person to decide when null. */
  static Finding of(Boolean holds, String reason, List<Reference> evidence) {
    return holds == null
        ? review(reason, evidence)
        : holds ? present(reason, evidence) : absent(reason, evidence);
  }
}
