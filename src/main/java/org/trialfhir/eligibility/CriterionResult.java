package org.trialfhir.eligibility;

import java.util.List;
import org.hl7.fhir.r4.model.Reference;

/**
 * The outcome of one criterion for one patient, with the sentence and resources behind it and, for
 * missing data, what to obtain (null otherwise).
 */
record CriterionResult(
    Criterion criterion, Outcome outcome, String reason, List<Reference> evidence, String obtain) {

  CriterionResult(Criterion criterion, Outcome outcome, String reason, List<Reference> evidence) {
    this(criterion, outcome, reason, evidence, null);
  }
}
