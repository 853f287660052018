package org.trialfhir.eligibility;

/**
 * One criterion's outcome as other features see it (e.g. enrolment deciding what blocks it).
 *
 * @param outcome pass, fail, missing-data or manual-review
 */
public record CriterionCheck(String id, String description, String outcome, String reason) {

  public boolean is(String code) {
    return outcome.equals(code);
  }
}
