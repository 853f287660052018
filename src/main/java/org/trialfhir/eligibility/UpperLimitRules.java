package org.trialfhir.eligibility;

import static org.trialfhir.eligibility.RecordFacts.ref;
import static org.trialfhir.eligibility.RecordFacts.round;
import static org.trialfhir.eligibility.RecordFacts.show;
import static org.trialfhir.eligibility.RecordFacts.showReported;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationReferenceRangeComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;

/**
 * The {@code observation-uln} kind: a lab result compared with a multiple of the upper limit of
 * normal ("ALT > 2 × ULN", "total bilirubin > 1.5 × ULN"). The limit is the laboratory's own, read
 * from the result's {@code referenceRange.high}, since normal ranges differ between laboratories,
 * methods, ages and sexes. Open world like every lab rule: the most recent usable result in the
 * look-back window decides. A result without one usable upper limit (no reference range, a range
 * with only a low bound, several different upper limits, a limit in a unit that cannot be converted
 * to the result's) decides nothing: missing data or a person, with the reason, never a pass or a
 * fail.
 */
final class UpperLimitRules {

  /** Reference ranges of another meaning (therapeutic, treatment) are not the normal range. */
  private static final String MEANING =
      "http://terminology.hl7.org/CodeSystem/referencerange-meaning";

  private final ObservationRules observations;
  private final CodeMembership terms;

  UpperLimitRules(ObservationRules observations, CodeMembership terms) {
    this.observations = observations;
    this.terms = terms;
  }

  Finding timesUpperLimit(Criterion criterion) {
    Window window = criterion.window();
    List<Observation> found = observations.usableInWindow(criterion.valueSet(), window, false);
    if (found.isEmpty()) {
      String analyte = terms.title(criterion.valueSet());
      return observations.missing(
          criterion.label(),
          analyte,
          criterion.valueSet(),
          window,
          ObservationRules.fromTheWindow(analyte + " with its reference range", window));
    }
    Observation latest = found.get(0);
    List<Reference> evidence = List.of(ref(latest));
    LocalDate when = RecordFacts.effectiveDate(latest).orElseThrow();
    String label = terms.title(criterion.valueSet());
    if (!(latest.getValue() instanceof Quantity measured) || !measured.hasValue()) {
      return Finding.unknown(label + " on " + when + " has no numeric value", evidence);
    }
    String what = label + " " + showReported(measured) + " on " + when;
    List<Quantity> highs =
        latest.getReferenceRange().stream()
            .filter(UpperLimitRules::normal)
            .filter(r -> r.hasHigh() && r.getHigh().hasValue())
            .map(ObservationReferenceRangeComponent::getHigh)
            .toList();
    if (highs.isEmpty()) {
      return Finding.unknown(
              what
                  + " has no upper limit of normal in its reference range: the laboratory's limit"
                  + " is needed",
              evidence)
          .obtaining("the laboratory's upper limit of normal for " + label + " on " + when);
    }
    String unit = RecordFacts.unitCode(measured);
    LabConcept concept = terms.concept(criterion.valueSet());
    List<Optional<BigDecimal>> limits =
        highs.stream()
            .map(h -> concept.convert(h.getValue(), RecordFacts.unitCode(h), unit))
            .toList();
    if (limits.stream().anyMatch(Optional::isEmpty)) {
      Quantity h = highs.get(limits.indexOf(Optional.empty()));
      return Finding.unknown(
              "%s: the upper limit of normal %s cannot be converted to the result's unit '%s'"
                  .formatted(what, show(h), unit),
              evidence)
          .obtaining("the upper limit of normal for " + label + " in " + unit);
    }
    List<BigDecimal> distinct =
        limits.stream().map(Optional::get).map(BigDecimal::stripTrailingZeros).distinct().toList();
    if (distinct.size() > 1) {
      return Finding.review(
          what + " has several reference ranges with different upper limits: confirm which applies",
          evidence);
    }
    BigDecimal upper = distinct.get(0);
    if (upper.signum() <= 0) {
      return Finding.unknown(
          what + " has an upper limit of normal of " + show(highs.get(0)) + ", which is no limit",
          evidence);
    }
    BigDecimal times = measured.getValue().divide(upper, MathContext.DECIMAL64);
    Interval reported =
        Interval.of(times, measured.hasComparator() ? measured.getComparator() : null);
    String ratio =
        what
            + " ("
            + (measured.hasComparator() ? measured.getComparator().toCode() : "")
            + round(times)
            + " × the upper limit of normal "
            + show(highs.get(0))
            + ")";
    if (reported == null) {
      return Finding.review(
          "%s has the comparator '%s', which is no bound: confirm the value"
              .formatted(what, measured.getComparator().toCode()),
          evidence);
    }
    Quantity limit = ((Quantity) criterion.value()).copy().setUnit("× ULN");
    return ObservationRules.threshold(ratio, reported, limit, evidence);
  }

  /** A range that states the normal range: untyped, or typed as normal. */
  private static boolean normal(ObservationReferenceRangeComponent range) {
    return !range.hasType()
        || range.getType().getCoding().stream()
            .anyMatch(c -> MEANING.equals(c.getSystem()) && "normal".equals(c.getCode()));
  }
}
