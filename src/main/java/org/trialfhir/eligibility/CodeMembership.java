package org.trialfhir.eligibility;

import org.hl7.fhir.r4.model.CodeableConcept;

/** Whether a code is in a ValueSet (by canonical URL). */
public interface CodeMembership {

  boolean contains(String valueSetUrl, String system, String code);

  /** Whether any coding of the concept is in the ValueSet. */
  default boolean containsAny(CodeableConcept concept, String valueSetUrl) {
    return valueSetUrl != null
        && concept.getCoding().stream()
            .anyMatch(
                c ->
                    c.hasSystem()
                        && c.hasCode()
                        && contains(valueSetUrl, c.getSystem(), c.getCode()));
  }

  /**
   * What the package states about the laboratory concept of this ValueSet (molar mass, unit
   * relations, timed test); {@link LabConcept#NONE} when nothing.
   */
  default LabConcept concept(String valueSetUrl) {
    return LabConcept.NONE;
  }

  /** A readable name of the ValueSet for reasons, e.g. "Type 1 diabetes". */
  String title(String valueSetUrl);
}
