package org.trialfhir.eligibility;

import java.util.List;
import org.trialfhir.eligibility.CriterionResult.Outcome;

/** The overall answer, strongest first: any fail, else any missing data, else any review. */
enum Verdict {
  ELIGIBLE("eligible", 1.0),
  NEEDS_REVIEW("needs-review", 0.75),
  INSUFFICIENT_DATA("insufficient-data", 0.5),
  INELIGIBLE("ineligible", 0.0);

  final String code;
  final double baseScore;

  Verdict(String code, double baseScore) {
    this.code = code;
    this.baseScore = baseScore;
  }

  static Verdict of(List<CriterionResult> results) {
    if (results.stream().anyMatch(r -> r.outcome() == Outcome.FAIL)) {
      return INELIGIBLE;
    }
    if (results.stream().anyMatch(r -> r.outcome() == Outcome.MISSING_DATA)) {
      return INSUFFICIENT_DATA;
    }
    if (results.stream().anyMatch(r -> r.outcome() == Outcome.MANUAL_REVIEW)) {
      return NEEDS_REVIEW;
    }
    return ELIGIBLE;
  }
}
