package org.trialfhir.eligibility;

import static org.trialfhir.eligibility.RecordFacts.describe;
import static org.trialfhir.eligibility.RecordFacts.refs;
import static org.trialfhir.eligibility.RecordFacts.showReported;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;

/**
 * Positive and negative results (autoantibodies, serology; docs/eligibility-contract.md §3): every
 * result in the window counts, and one positive among negatives is a positive. Which interpretation
 * codes and coded values mean positive or negative is data: the package's ValueSets named below.
 */
final class ResultRules {

  static final String POSITIVE_INTERPRETATION = CriterionEvaluator.VS + "interpretation-positive";
  static final String NEGATIVE_INTERPRETATION = CriterionEvaluator.VS + "interpretation-negative";
  static final String POSITIVE_VALUE = CriterionEvaluator.VS + "result-positive";
  static final String NEGATIVE_VALUE = CriterionEvaluator.VS + "result-negative";

  /** A reference range written as text: "≤ 15", "<=15", "0-15", "0 – 15". */
  private static final Pattern RANGE_TEXT =
      Pattern.compile(
          "^\\s*(?:(?:≤|<=)\\s*|[0-9.]+\\s*[-–]\\s*)([0-9]+(?:\\.[0-9]+)?)\\s*\\S*\\s*$");

  /** What one result says. */
  enum Reading {
    POSITIVE,
    NEGATIVE,
    /** A value beyond a detection limit on both sides of the reference range's upper limit. */
    UNDECIDED
  }

  private final ObservationRules observations;
  private final CodeMembership terms;

  ResultRules(ObservationRules observations, CodeMembership terms) {
    this.observations = observations;
    this.terms = terms;
  }

  /** What the result says; empty when it says neither (it is then ignored). */
  Optional<Reading> read(Observation o) {
    for (CodeableConcept interpretation : o.getInterpretation()) {
      if (terms.containsAny(interpretation, POSITIVE_INTERPRETATION)) {
        return Optional.of(Reading.POSITIVE);
      }
      if (terms.containsAny(interpretation, NEGATIVE_INTERPRETATION)) {
        return Optional.of(Reading.NEGATIVE);
      }
    }
    if (o.getValue() instanceof CodeableConcept value) {
      if (terms.containsAny(value, POSITIVE_VALUE)) {
        return Optional.of(Reading.POSITIVE);
      }
      if (terms.containsAny(value, NEGATIVE_VALUE)) {
        return Optional.of(Reading.NEGATIVE);
      }
    }
    if (o.getValue() instanceof Quantity quantity && quantity.hasValue()) {
      return aboveUpperLimit(o, quantity);
    }
    return Optional.empty();
  }

  /**
   * A quantity above the reference range's upper limit is positive, at or below it negative. The
   * limit is in the result's unit when it states none (as laboratories print "≤ 15").
   */
  private Optional<Reading> aboveUpperLimit(Observation o, Quantity quantity) {
    String unit = RecordFacts.unitCode(quantity);
    BigDecimal high = null;
    String highUnit = unit;
    Observation.ObservationReferenceRangeComponent range = o.getReferenceRangeFirstRep();
    if (range.hasHigh() && range.getHigh().hasValue()) {
      high = range.getHigh().getValue();
      String stated = RecordFacts.unitCode(range.getHigh());
      highUnit = stated != null ? stated : unit;
    } else if (range.hasText()) {
      Matcher m = RANGE_TEXT.matcher(range.getText());
      if (m.matches()) {
        high = new BigDecimal(m.group(1));
      }
    }
    if (high == null) {
      return Optional.empty();
    }
    Optional<BigDecimal> value = UnitConverter.convert(quantity.getValue(), unit, highUnit, null);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    Interval reported =
        Interval.of(value.get(), quantity.hasComparator() ? quantity.getComparator() : null);
    if (reported == null) {
      return Optional.of(Reading.UNDECIDED);
    }
    Boolean negative = reported.within(new Interval(null, false, high, true));
    return Optional.of(
        negative == null ? Reading.UNDECIDED : negative ? Reading.NEGATIVE : Reading.POSITIVE);
  }

  Finding results(Criterion criterion, boolean anyPositive) {
    Window window = criterion.window();
    List<Observation> inWindow = observations.usableInWindow(criterion.valueSet(), window, true);
    List<Observation> read = inWindow.stream().filter(o -> read(o).isPresent()).toList();
    if (read.isEmpty() && !inWindow.isEmpty()) {
      return Finding.unknown(
              inWindow.size()
                  + " "
                  + terms.title(criterion.valueSet())
                  + " result"
                  + (inWindow.size() == 1 ? "" : "s")
                  + " in the "
                  + window.describe()
                  + " before "
                  + observations.date()
                  + (inWindow.size() == 1 ? " says" : " say")
                  + " neither positive nor negative (no interpretation, coded result or reference"
                  + " range)",
              refs(inWindow))
          .obtaining(
              "the interpretation (positive or negative) of "
                  + (inWindow.size() == 1 ? "this result" : "these results")
                  + ", or its reference range");
    }
    if (read.isEmpty()) {
      String what = terms.title(criterion.valueSet()) + " result";
      return observations.missing(
          "interpretable " + what,
          terms.title(criterion.valueSet()),
          criterion.valueSet(),
          window,
          ObservationRules.fromTheWindow(
              what + " with its interpretation (positive or negative)", window));
    }
    List<Observation> positives = having(read, Reading.POSITIVE);
    List<Observation> undecided = having(read, Reading.UNDECIDED);
    if (!positives.isEmpty()) {
      String text = texts(positives);
      return anyPositive
          ? Finding.present("Positive: " + text, refs(positives))
          : Finding.absent("Not all negative: " + text, refs(positives));
    }
    if (!undecided.isEmpty()) {
      return Finding.review(
          texts(undecided)
              + ": a reported limit on both sides of the reference range's upper limit; confirm"
              + " whether positive",
          refs(undecided));
    }
    List<Reference> evidence = refs(read);
    return anyPositive
        ? Finding.absent("No positive result: " + texts(read), evidence)
        : Finding.present("Tested and all negative: " + texts(read), evidence);
  }

  private List<Observation> having(List<Observation> results, Reading reading) {
    return results.stream().filter(o -> read(o).orElseThrow() == reading).toList();
  }

  private String texts(List<Observation> results) {
    return results.stream().map(this::text).reduce((a, b) -> a + ", " + b).orElse("");
  }

  private String text(Observation o) {
    String value = o.getValue() instanceof Quantity q && q.hasValue() ? " " + showReported(q) : "";
    String reading =
        switch (read(o).orElseThrow()) {
          case POSITIVE -> "positive";
          case NEGATIVE -> "negative";
          case UNDECIDED -> "undecided";
        };
    return describe(o.getCode())
        + value
        + " "
        + reading
        + " on "
        + RecordFacts.effectiveDate(o).orElseThrow();
  }
}
