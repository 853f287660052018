package org.trialfhir.eligibility;

import static org.trialfhir.eligibility.RecordFacts.rangeText;
import static org.trialfhir.eligibility.RecordFacts.ref;
import static org.trialfhir.eligibility.RecordFacts.round;
import static org.trialfhir.eligibility.RecordFacts.show;
import static org.trialfhir.eligibility.RecordFacts.showReported;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Type;

/**
 * The open-world rules over lab values and vitals (docs/eligibility-contract.md §3): the most
 * recent usable result in the look-back window decides; none gives missing data, never a silent
 * pass or fail. A value reported beyond a detection limit decides only when all it stands for lies
 * on one side.
 */
final class ObservationRules {

  private final PatientRecord record;
  private final LocalDate date;
  private final CodeMembership terms;

  ObservationRules(PatientRecord record, LocalDate date, CodeMembership terms) {
    this.record = record;
    this.date = date;
    this.terms = terms;
  }

  /** The reference date the look-back windows end at. */
  LocalDate date() {
    return date;
  }

  private Stream<Observation> coded(String valueSet) {
    return record.observations().stream().filter(o -> terms.containsAny(o.getCode(), valueSet));
  }

  /** Usable results coded from the ValueSet in the window, most recent first. */
  List<Observation> usableInWindow(String valueSet, Window window, boolean interpretationSuffices) {
    return coded(valueSet)
        .filter(o -> RecordFacts.usable(o) || (interpretationSuffices && interpretable(o)))
        .filter(o -> RecordFacts.effectiveDate(o).map(d -> window.contains(d, date)).orElse(false))
        .sorted(
            Comparator.comparing((Observation o) -> RecordFacts.effectiveDate(o).orElseThrow())
                .reversed())
        .toList();
  }

  private static boolean interpretable(Observation o) {
    return o.hasStatus()
        && RecordFacts.VALID_OBSERVATION_STATUS.contains(o.getStatus().toCode())
        && !o.hasDataAbsentReason()
        && o.hasInterpretation();
  }

  String noneInWindow(String what, String valueSet, Window window) {
    long elsewhere = coded(valueSet).count();
    String hint =
        elsewhere == 0
            ? ""
            : " ("
                + elsewhere
                + " result"
                + (elsewhere == 1 ? " is" : "s are")
                + " outside the window, not final, or without a value)";
    return "No " + what + " in the " + window.describe() + " before " + date + hint;
  }

  Finding observationValue(Criterion criterion) {
    Window window = criterion.window();
    LabConcept concept = terms.concept(criterion.valueSet()).withMolarMass(criterion.molarMass());
    List<Observation> found = usableInWindow(criterion.valueSet(), window, false);
    if (found.isEmpty()) {
      return untimed(criterion, concept, window)
          .orElseGet(
              () ->
                  Finding.unknown(
                      noneInWindow(criterion.label(), criterion.valueSet(), window), List.of()));
    }
    Observation latest = found.get(0);
    List<Reference> evidence = List.of(ref(latest));
    LocalDate when = RecordFacts.effectiveDate(latest).orElseThrow();
    if (!(latest.getValue() instanceof Quantity quantity) || !quantity.hasValue()) {
      return Finding.unknown(criterion.label() + " on " + when + " has no numeric value", evidence);
    }
    return compare(criterion.label(), quantity, when, criterion.value(), concept, evidence);
  }

  /**
   * A timed criterion (fasting, 2 hours after a meal) with no timed result in its window, when an
   * untimed result of the same analyte is there: for a person, with the value in the criterion's
   * unit and its date (docs/eligibility-contract.md §3, "Untimed results for timed criteria").
   * Never decides.
   */
  private Optional<Finding> untimed(Criterion criterion, LabConcept concept, Window window) {
    if (!concept.isTimed()) {
      return Optional.empty();
    }
    Optional<Observation> latest =
        usableInWindow(concept.analyte(), window, false).stream()
            // Results of the criterion's own ValueSet are not here: none is in the window.
            .filter(o -> !terms.containsAny(o.getCode(), concept.timed()))
            .findFirst();
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    Observation o = latest.get();
    String shown = "a result without a numeric value";
    if (o.getValue() instanceof Quantity q && q.hasValue()) {
      String target = targetUnit(criterion.value());
      String unit = RecordFacts.unitCode(q);
      Optional<BigDecimal> converted = concept.convert(q.getValue(), unit, target);
      shown =
          converted.isEmpty() || target.equals(unit)
              ? showReported(q)
              : comparatorText(q)
                  + round(converted.get())
                  + " "
                  + target
                  + " ("
                  + showReported(q)
                  + ")";
    }
    return Optional.of(
        Finding.review(
            "%s %s on %s, sampling time not recorded: confirm whether it was %s"
                .formatted(
                    terms.title(concept.analyte()),
                    shown,
                    RecordFacts.effectiveDate(o).orElseThrow(),
                    concept.sampling() != null ? concept.sampling() : criterion.label()),
            List.of(ref(o))));
  }

  /** The measured value, converted to the threshold's unit, against the threshold. */
  Finding compare(
      String label,
      Quantity measured,
      LocalDate when,
      Type limit,
      LabConcept concept,
      List<Reference> evidence) {
    String target = targetUnit(limit);
    String sourceUnit = RecordFacts.unitCode(measured);
    Optional<BigDecimal> converted = concept.convert(measured.getValue(), sourceUnit, target);
    if (converted.isEmpty()) {
      return Finding.unknown(
          "%s %s on %s: unit '%s' cannot be converted to %s"
              .formatted(label, showReported(measured), when, sourceUnit, target),
          evidence);
    }
    Interval reported =
        Interval.of(converted.get(), measured.hasComparator() ? measured.getComparator() : null);
    String shown =
        showReported(measured)
            + (sourceUnit.equals(target)
                ? ""
                : " (" + comparatorText(measured) + round(converted.get()) + " " + target + ")");
    if (reported == null) {
      return Finding.review(
          "%s %s on %s has the comparator '%s', which is no bound: confirm the value"
              .formatted(label, shown, when, measured.getComparator().toCode()),
          evidence);
    }
    return threshold(label + " " + shown + " on " + when, reported, limit, evidence);
  }

  /**
   * Decided when every value the result stands for is on one side of the threshold; a result
   * reported beyond a detection limit that straddles it is for a person, naming the value.
   */
  static Finding threshold(String what, Interval value, Type limit, List<Reference> evidence) {
    if (limit instanceof Range range) {
      Boolean within = value.within(Interval.of(range));
      String reason =
          within == null
              ? what
                  + " is a reported limit, not a value: it may or may not be within "
                  + rangeText(range)
              : what + " is " + (within ? "within " : "outside ") + rangeText(range);
      return Finding.of(within, reason, evidence);
    }
    Quantity q = (Quantity) limit;
    Quantity.QuantityComparator comparator = q.hasComparator() ? q.getComparator() : null;
    Interval accepted = Interval.of(q.getValue(), comparator);
    Boolean holds = accepted == null ? null : value.within(accepted);
    String code = comparator == null ? "=" : comparator.toCode();
    String relation =
        switch (code) {
          case "<" -> holds == null ? "below" : holds ? "is below" : "is not below";
          case "<=" -> holds == null ? "at most" : holds ? "is at most" : "is above";
          case ">=" -> holds == null ? "at least" : holds ? "is at least" : "is below";
          case ">" -> holds == null ? "above" : holds ? "is above" : "is not above";
          default -> holds == null ? "equal to" : holds ? "equals" : "does not equal";
        };
    String reason =
        holds == null
            ? what
                + " is a reported limit, not a value: it may or may not be "
                + relation
                + " "
                + show(q)
            : what + " " + relation + " " + show(q);
    return Finding.of(holds, reason, evidence);
  }

  // ---- BMI: measured, else computed from weight and height in the same window

  Finding bmi(Criterion criterion) {
    Window window = criterion.window();
    List<Observation> bmis =
        usableInWindow(CriterionEvaluator.VS + "bmi", window, false).stream()
            .filter(o -> o.getValue() instanceof Quantity q && q.hasValue())
            .toList();
    if (!bmis.isEmpty()) {
      Observation latest = bmis.get(0);
      return compare(
          "BMI",
          (Quantity) latest.getValue(),
          RecordFacts.effectiveDate(latest).orElseThrow(),
          criterion.value(),
          LabConcept.NONE,
          List.of(ref(latest)));
    }
    Optional<Observation> weight = latestQuantity(CriterionEvaluator.VS + "body-weight", window);
    Optional<Observation> height = latestQuantity(CriterionEvaluator.VS + "body-height", window);
    if (weight.isEmpty() || height.isEmpty()) {
      return Finding.unknown(
          "No BMI, nor both weight and height, in the " + window.describe() + " before " + date,
          List.of());
    }
    Quantity w = (Quantity) weight.get().getValue();
    Quantity h = (Quantity) height.get().getValue();
    List<Reference> evidence = List.of(ref(weight.get()), ref(height.get()));
    if (w.hasComparator() || h.hasComparator()) {
      return Finding.review(
          "BMI cannot be computed from a reported limit: weight "
              + showReported(w)
              + ", height "
              + showReported(h),
          evidence);
    }
    Optional<BigDecimal> kg =
        UnitConverter.convert(w.getValue(), RecordFacts.unitCode(w), "kg", null);
    Optional<BigDecimal> m =
        UnitConverter.convert(h.getValue(), RecordFacts.unitCode(h), "m", null);
    if (kg.isEmpty() || m.isEmpty() || m.get().signum() == 0) {
      return Finding.unknown(
          "BMI cannot be computed from weight " + show(w) + " and height " + show(h), evidence);
    }
    BigDecimal bmi =
        kg.get().divide(m.get().multiply(m.get(), MathContext.DECIMAL128), MathContext.DECIMAL128);
    String what =
        "BMI %s %s computed from weight %s (%s) and height %s (%s)"
            .formatted(
                round(bmi),
                targetUnit(criterion.value()),
                show(w),
                RecordFacts.effectiveDate(weight.get()).orElseThrow(),
                show(h),
                RecordFacts.effectiveDate(height.get()).orElseThrow());
    return threshold(what, Interval.point(bmi), criterion.value(), evidence);
  }

  private Optional<Observation> latestQuantity(String valueSet, Window window) {
    return usableInWindow(valueSet, window, false).stream()
        .filter(o -> o.getValue() instanceof Quantity q && q.hasValue())
        .findFirst();
  }

  private static String comparatorText(Quantity q) {
    return q.hasComparator() ? q.getComparator().toCode() : "";
  }

  static String targetUnit(Type limit) {
    if (limit instanceof Range range) {
      return range.hasLow() ? range.getLow().getCode() : range.getHigh().getCode();
    }
    return ((Quantity) limit).getCode();
  }
}
