package org.trialfhir.eligibility;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * One criterion's outcome for one patient (docs/eligibility-contract.md §1, {@code
 * criterion.outcome}).
 */
public enum Outcome {
  /** Does not block: the inclusion holds, or the excluding condition is absent. */
  PASS("pass"),
  /** Blocks. */
  FAIL("fail"),
  /** The record lacks what the criterion needs. */
  MISSING_DATA("missing-data"),
  /** A person must judge: the criterion is not computable, or the data cannot decide it. */
  MANUAL_REVIEW("manual-review");

  private final String code;

  Outcome(String code) {
    this.code = code;
  }

  @JsonValue
  public String code() {
    return code;
  }

  @JsonCreator
  public static Outcome of(String code) {
    return Arrays.stream(values())
        .filter(o -> o.code.equals(code))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("No criterion outcome '" + code + "'"));
  }
}
