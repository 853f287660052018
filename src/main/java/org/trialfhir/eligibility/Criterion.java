package org.trialfhir.eligibility;

import java.math.BigDecimal;
import java.util.List;
import org.hl7.fhir.r4.model.Type;

/**
 * One eligibility criterion as the study's Group states it (see fhir-profiles/README.md, "The
 * criteria model"). Parts are the alternatives of an {@code any-of} criterion.
 *
 * @param lookback the look-back window, or null where the kind has none
 * @param molarMass g/mol, or null
 * @param manualReview the part a person must judge, or null
 */
record Criterion(
    String id,
    boolean exclusion,
    String description,
    String label,
    String kind,
    String valueSet,
    Type value,
    Window lookback,
    BigDecimal molarMass,
    String manualReview,
    List<Criterion> parts) {

  String type() {
    return exclusion ? "exclusion" : "inclusion";
  }
}
