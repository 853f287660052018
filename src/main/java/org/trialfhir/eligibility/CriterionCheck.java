package org.trialfhir.eligibility;

/** One criterion's outcome as other features see it (e.g. enrolment deciding what blocks it). */
public record CriterionCheck(String id, String description, Outcome outcome, String reason) {

  public boolean is(Outcome wanted) {
    return outcome == wanted;
  }
}
