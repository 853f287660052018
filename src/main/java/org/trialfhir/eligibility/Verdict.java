package org.trialfhir.eligibility;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;

/**
 * The overall answer, strongest first: any fail, else any missing data, else any review. Declared
 * best match first, the order $match-studies and screening reports sort by.
 */
public enum Verdict {
  ELIGIBLE("eligible", 1.0),
  NEEDS_REVIEW("needs-review", 0.75),
  INSUFFICIENT_DATA("insufficient-data", 0.5),
  INELIGIBLE("ineligible", 0.0);

  private final String code;
  final double baseScore;

  Verdict(String code, double baseScore) {
    this.code = code;
    this.baseScore = baseScore;
  }

  @JsonValue
  public String code() {
    return code;
  }

  @JsonCreator
  public static Verdict of(String code) {
    return Arrays.stream(values())
        .filter(v -> v.code.equals(code))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("No eligibility verdict '" + code + "'"));
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
