package org.trialfhir.eligibility;

import java.util.List;
import org.hl7.fhir.r4.model.Reference;

/**
 * What the record says about a criterion's characteristic, before inclusion/exclusion is applied:
 * present, absent, or unknown (the data to decide is missing).
 */
record Finding(State state, String reason, List<Reference> evidence) {

  enum State {
    PRESENT,
    ABSENT,
    UNKNOWN
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
}
