package org.trialfhir.eligibility;

import java.math.BigDecimal;
import java.util.List;
import org.hl7.fhir.r4.model.Type;

/**
 * One eligibility criterion as the study's Group states it (see fhir-profiles/README.md, "The
 * criteria model"). Parts are the alternatives of an {@code any-of} criterion.
 *
 * @param lookback the look-back window the criterion states, or null
 * @param molarMass g/mol as the criterion states it, or null (the lab concept's own comes first)
 * @param manualReview the part a person must judge, or null
 * @param unconfirmed read by machine from registry text and not yet confirmed by a coordinator
 *     (criterion-origin {@code machine-derived}): its fail cannot exclude on its own
 */
record Criterion(
    String id,
    boolean exclusion,
    String description,
    String label,
    CriterionKind kind,
    String valueSet,
    Type value,
    Window lookback,
    BigDecimal molarMass,
    String manualReview,
    List<Criterion> parts,
    boolean unconfirmed) {

  /** A criterion a person wrote or confirmed. */
  Criterion(
      String id,
      boolean exclusion,
      String description,
      String label,
      CriterionKind kind,
      String valueSet,
      Type value,
      Window lookback,
      BigDecimal molarMass,
      String manualReview,
      List<Criterion> parts) {
    this(
        id,
        exclusion,
        description,
        label,
        kind,
        valueSet,
        value,
        lookback,
        molarMass,
        manualReview,
        parts,
        false);
  }

  /** A criterion whose kind is given by its code; a code no kind has is for a person to judge. */
  Criterion(
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
    this(
        id,
        exclusion,
        description,
        label,
        CriterionKind.of(kind).orElse(CriterionKind.MANUAL_REVIEW),
        valueSet,
        value,
        lookback,
        molarMass,
        manualReview,
        parts);
  }

  String type() {
    return exclusion ? "exclusion" : "inclusion";
  }

  /** The stated look-back window, else the kind's default (null: the whole record). */
  Window window() {
    return lookback != null ? lookback : kind.defaultLookback();
  }
}
