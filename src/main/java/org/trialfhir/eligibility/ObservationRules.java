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
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
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

  /** How many set-aside results a reason names (the most recent); the rest are counted. */
  static final int SET_ASIDE_NAMED = 3;

  /**
   * No usable result of {@code what} in the window: missing data naming each result of the ValueSet
   * that was set aside and why (older than the window, not final, without a value), the most recent
   * first, with those results as evidence; and what to obtain. The one place that words why a lab
   * or vital result does not count.
   */
  Finding missing(String what, String name, String valueSet, Window window, String obtain) {
    List<Observation> setAside = setAside(valueSet, window);
    String none = "No " + what + " in the " + window.describe() + " before " + date;
    return Finding.unknown(
            none + setAsideText(setAside, window, o -> name), RecordFacts.refs(setAside(setAside)))
        .obtaining(obtain);
  }

  /** A result of {@code label} from the window, to obtain: "HbA1c from the last 90 days". */
  static String fromTheWindow(String label, Window window) {
    return label + " from the last " + window.describe();
  }

  /**
   * Results coded from the ValueSet that do not count in the window, most recent first, each once
   * (a record read by several codes may hold a result twice).
   */
  List<Observation> setAside(String valueSet, Window window) {
    Set<String> seen = new HashSet<>();
    return coded(valueSet)
        .filter(o -> whySetAside(o, window).isPresent())
        .filter(
            o ->
                seen.add(
                    o.getIdElement().isEmpty()
                        ? "@" + System.identityHashCode(o)
                        : RecordFacts.ref(o).getReference()))
        .sorted(
            Comparator.comparing(
                    (Observation o) -> RecordFacts.effectiveDate(o).orElse(LocalDate.MIN))
                .reversed())
        .toList();
  }

  private static List<Observation> setAside(List<Observation> setAside) {
    return setAside.subList(0, Math.min(SET_ASIDE_NAMED, setAside.size()));
  }

  /** ": HbA1c 7.9 % on 2026-01-03 is older than the 90-day window; …", or nothing. */
  String setAsideText(
      List<Observation> setAside, Window window, Function<Observation, String> name) {
    if (setAside.isEmpty()) {
      return "";
    }
    String named =
        setAside(setAside).stream()
            .map(o -> describe(o, name.apply(o)) + " " + whySetAside(o, window).orElseThrow())
            .reduce((a, b) -> a + "; " + b)
            .orElseThrow();
    int more = setAside.size() - SET_ASIDE_NAMED;
    return ": "
        + named
        + (more > 0 ? "; and " + more + " more result" + (more == 1 ? "" : "s") : "");
  }

  /**
   * "HbA1c 7.9 % on 2026-01-03": the result's name as its record words it (code.text), else the
   * analyte's as the package names it; its value when a quantity; its date.
   */
  private static String describe(Observation o, String name) {
    String value = o.getValue() instanceof Quantity q && q.hasValue() ? " " + showReported(q) : "";
    String when = RecordFacts.effectiveDate(o).map(d -> " on " + d).orElse("");
    return (o.getCode().hasText() ? o.getCode().getText() : name) + value + when;
  }

  /** Why a result does not count in the window, or empty when it does. */
  Optional<String> whySetAside(Observation o, Window window) {
    Optional<LocalDate> when = RecordFacts.effectiveDate(o);
    if (when.isEmpty()) {
      return Optional.of("has no date of sampling");
    }
    if (when.get().isAfter(date)) {
      return Optional.of("is after the reference date " + date);
    }
    if (when.get().isBefore(window.start(date))) {
      return Optional.of(
          "is older than the "
              + window.amount()
              + "-"
              + window.unit().words(1)
              + " window (from "
              + window.start(date)
              + ")");
    }
    if (!o.hasStatus() || !RecordFacts.VALID_OBSERVATION_STATUS.contains(o.getStatus().toCode())) {
      return Optional.of(
          o.hasStatus()
              ? "is "
                  + o.getStatus().getDisplay().toLowerCase(java.util.Locale.ROOT)
                  + ", not final"
              : "has no status");
    }
    if (o.hasDataAbsentReason()) {
      String why = o.getDataAbsentReason().getCodingFirstRep().getDisplay();
      return Optional.of(
          "has no value"
              + (why != null ? " (" + why.toLowerCase(java.util.Locale.ROOT) + ")" : ""));
    }
    if (!o.hasValue()) {
      return Optional.of("has no value");
    }
    return Optional.empty();
  }

  Finding observationValue(Criterion criterion) {
    Window window = criterion.window();
    LabConcept concept = terms.concept(criterion.valueSet()).withMolarMass(criterion.molarMass());
    List<Observation> found = usableInWindow(criterion.valueSet(), window, false);
    if (found.isEmpty()) {
      return untimed(criterion, concept, window)
          .orElseGet(
              () ->
                  missing(
                      criterion.label(),
                      // A result is named as the ValueSet names the analyte: the label may be the
                      // whole criterion ("HbA1c below 9 %").
                      terms.title(criterion.valueSet()),
                      criterion.valueSet(),
                      window,
                      // The analyte as the ValueSet names it: a label may be the criterion
                      // ("HbA1c below 9 %"), which is not what to obtain.
                      fromTheWindow(terms.title(criterion.valueSet()), window)));
    }
    Observation latest = found.get(0);
    List<Reference> evidence = List.of(ref(latest));
    LocalDate when = RecordFacts.effectiveDate(latest).orElseThrow();
    if (!(latest.getValue() instanceof Quantity quantity) || !quantity.hasValue()) {
      return Finding.unknown(criterion.label() + " on " + when + " has no numeric value", evidence)
          .obtaining(
              fromTheWindow(terms.title(criterion.valueSet()) + " with a numeric value", window));
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
              evidence)
          .obtaining("the result in " + target + " or a unit that converts to it");
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
      return noBmi(window, weight.or(() -> height));
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

  /**
   * Neither a BMI nor both weight and height in the window: the BMI, weight and height results set
   * aside, and the one of weight and height found alone.
   */
  private Finding noBmi(Window window, Optional<Observation> alone) {
    List<Observation> setAside =
        Stream.of("bmi", "body-weight", "body-height")
            .flatMap(vs -> setAside(CriterionEvaluator.VS + vs, window).stream())
            .sorted(
                Comparator.comparing(
                        (Observation o) -> RecordFacts.effectiveDate(o).orElse(LocalDate.MIN))
                    .reversed())
            .toList();
    String found =
        alone
            .map(o -> ", only " + describe(o, vital(o)) + " (a BMI needs both weight and height)")
            .orElse("");
    List<Reference> evidence =
        Stream.concat(alone.stream(), setAside(setAside).stream()).map(RecordFacts::ref).toList();
    return Finding.unknown(
            "No BMI, nor both weight and height, in the "
                + window.describe()
                + " before "
                + date
                + found
                + setAsideText(setAside, window, this::vital),
            evidence)
        .obtaining(fromTheWindow("a BMI, or weight and height,", window));
  }

  private String vital(Observation o) {
    if (terms.containsAny(o.getCode(), CriterionEvaluator.VS + "body-weight")) {
      return "Weight";
    }
    return terms.containsAny(o.getCode(), CriterionEvaluator.VS + "body-height") ? "Height" : "BMI";
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
