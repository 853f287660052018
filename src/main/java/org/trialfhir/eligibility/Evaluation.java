package org.trialfhir.eligibility;

import java.time.LocalDate;
import java.util.List;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ResearchStudy;

/** One patient evaluated against one study. */
record Evaluation(
    ResearchStudy study, Patient patient, LocalDate date, List<CriterionResult> results) {

  Verdict verdict() {
    return Verdict.of(results);
  }

  /**
   * In [0,1]: the verdict's band, raised within it by the share of criteria that already pass, so
   * that among studies with the same verdict the one closer to eligible ranks first.
   */
  double score() {
    Verdict verdict = verdict();
    if (verdict == Verdict.ELIGIBLE || results.isEmpty()) {
      return verdict.baseScore;
    }
    double passing =
        results.stream().filter(r -> r.outcome() == Outcome.PASS).count() / (double) results.size();
    return Math.round((verdict.baseScore + 0.24 * passing) * 1000) / 1000.0;
  }
}
