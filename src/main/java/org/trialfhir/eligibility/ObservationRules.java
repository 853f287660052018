package org.trialfhir.eligibility;

import static org.trialfhir.eligibility.RecordFacts.date;
import static org.trialfhir.eligibility.RecordFacts.describe;
import static org.trialfhir.eligibility.RecordFacts.rangeText;
import static org.trialfhir.eligibility.RecordFacts.ref;
import static org.trialfhir.eligibility.RecordFacts.refs;
import static org.trialfhir.eligibility.RecordFacts.round;
import static org.trialfhir.eligibility.RecordFacts.show;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;

/**
 * The open-world rules over labs and vitals (shared spec §3): the most recent usable result in the
 * look-back window decides; none gives missing data, never a silent pass or fail.
 */
final class ObservationRules {

  private static final Set<String> POSITIVE = Set.of("POS", "H", "HH", "A");
  private static final Set<String> NEGATIVE = Set.of("NEG", "N");

  private final PatientRecord record;
  private final LocalDate date;
  private final CodeMembership terms;

  ObservationRules(PatientRecord record, LocalDate date, CodeMembership terms) {
    this.record = record;
    this.date = date;
    this.terms = terms;
  }

  // ---- labs and vitals: open world, most recent in the window decides

  private Stream<Observation> observations(String valueSet) {
    return record.observations().stream().filter(o -> terms.containsAny(o.getCode(), valueSet));
  }

  List<Observation> usableInWindow(String valueSet, Window window, boolean interpretationSuffices) {
    return observations(valueSet)
        .filter(o -> RecordFacts.usable(o) || (interpretationSuffices && interpretable(o)))
        .filter(o -> RecordFacts.effectiveDate(o).map(d -> window.contains(d, date)).orElse(false))
        .sorted(
            Comparator.comparing((Observation o) -> RecordFacts.effectiveDate(o).orElseThrow())
                .reversed())
        .toList();
  }

  private String noneInWindow(String what, String valueSet, Window window) {
    long elsewhere = observations(valueSet).count();
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
    Window window =
        criterion.lookback() != null ? criterion.lookback() : CriterionEvaluator.DEFAULT_LOOKBACK;
    List<Observation> found = usableInWindow(criterion.valueSet(), window, false);
    if (found.isEmpty()) {
      return Finding.unknown(
          noneInWindow(criterion.label(), criterion.valueSet(), window), List.of());
    }
    Observation latest = found.get(0);
    List<Reference> evidence = List.of(ref(latest));
    LocalDate when = RecordFacts.effectiveDate(latest).orElseThrow();
    if (!(latest.getValue() instanceof Quantity quantity) || !quantity.hasValue()) {
      return Finding.unknown(criterion.label() + " on " + when + " has no numeric value", evidence);
    }
    return compare(criterion.label(), quantity, when, criterion, evidence);
  }

  private Finding compare(
      String label,
      Quantity measured,
      LocalDate when,
      Criterion criterion,
      List<Reference> evidence) {
    String target = targetUnit(criterion.value());
    String sourceUnit = measured.hasCode() ? measured.getCode() : measured.getUnit();
    Optional<BigDecimal> converted =
        UnitConverter.convert(measured.getValue(), sourceUnit, target, criterion.molarMass());
    if (converted.isEmpty()) {
      return Finding.unknown(
          "%s %s on %s: unit '%s' cannot be converted to %s"
              .formatted(label, show(measured), when, sourceUnit, target),
          evidence);
    }
    String shown =
        show(measured)
            + (sourceUnit.equals(target) ? "" : " (" + round(converted.get()) + " " + target + ")");
    return threshold(
        label + " " + shown + " on " + when, converted.get(), criterion.value(), evidence);
  }

  private static Finding threshold(
      String what, BigDecimal value, Object limit, List<Reference> evidence) {
    if (limit instanceof Range range) {
      boolean within =
          (!range.hasLow() || value.compareTo(range.getLow().getValue()) >= 0)
              && (!range.hasHigh() || value.compareTo(range.getHigh().getValue()) <= 0);
      String reason = what + " is " + (within ? "within " : "outside ") + rangeText(range);
      return within ? Finding.present(reason, evidence) : Finding.absent(reason, evidence);
    }
    Quantity q = (Quantity) limit;
    int cmp = value.compareTo(q.getValue());
    String comparator = q.hasComparator() ? q.getComparator().toCode() : "=";
    boolean holds =
        switch (comparator) {
          case "<" -> cmp < 0;
          case "<=" -> cmp <= 0;
          case ">=" -> cmp >= 0;
          case ">" -> cmp > 0;
          default -> cmp == 0;
        };
    String relation =
        switch (comparator) {
          case "<" -> holds ? "is below" : "is not below";
          case "<=" -> holds ? "is at most" : "is above";
          case ">=" -> holds ? "is at least" : "is below";
          case ">" -> holds ? "is above" : "is not above";
          default -> holds ? "equals" : "does not equal";
        };
    String reason = what + " " + relation + " " + show(q);
    return holds ? Finding.present(reason, evidence) : Finding.absent(reason, evidence);
  }

  // ---- positive / negative results

  private boolean interpretable(Observation o) {
    return o.hasStatus()
        && Set.of("final", "amended", "corrected").contains(o.getStatus().toCode())
        && !o.hasDataAbsentReason()
        && o.hasInterpretation();
  }

  /** TRUE positive, FALSE negative, empty when the result says neither (it is then ignored). */
  private static Optional<Boolean> positive(Observation o) {
    for (CodeableConcept interpretation : o.getInterpretation()) {
      for (Coding c : interpretation.getCoding()) {
        if (POSITIVE.contains(c.getCode())) {
          return Optional.of(true);
        }
        if (NEGATIVE.contains(c.getCode())) {
          return Optional.of(false);
        }
      }
    }
    if (o.getValue() instanceof CodeableConcept value) {
      if (RecordFacts.hasCode(value, RecordFacts.SNOMED, "10828004")) {
        return Optional.of(true);
      }
      if (RecordFacts.hasCode(value, RecordFacts.SNOMED, "260385009")) {
        return Optional.of(false);
      }
    }
    if (o.getValue() instanceof Quantity quantity
        && quantity.hasValue()
        && o.getReferenceRangeFirstRep().hasHigh()) {
      Quantity high = o.getReferenceRangeFirstRep().getHigh();
      String unit = quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
      String highUnit = high.hasCode() ? high.getCode() : high.getUnit();
      Optional<BigDecimal> value = UnitConverter.convert(quantity.getValue(), unit, highUnit, null);
      if (value.isPresent()) {
        return Optional.of(value.get().compareTo(high.getValue()) > 0);
      }
    }
    return Optional.empty();
  }

  Finding results(Criterion criterion, boolean anyPositive) {
    Window window =
        criterion.lookback() != null ? criterion.lookback() : CriterionEvaluator.DEFAULT_LOOKBACK;
    // The most recent result of each test decides for that test.
    Map<String, Observation> latestPerTest = new LinkedHashMap<>();
    for (Observation o : usableInWindow(criterion.valueSet(), window, true)) {
      if (positive(o).isPresent()) {
        latestPerTest.putIfAbsent(testKey(o), o);
      }
    }
    if (latestPerTest.isEmpty()) {
      return Finding.unknown(
          noneInWindow(
              "interpretable " + terms.title(criterion.valueSet()) + " result",
              criterion.valueSet(),
              window),
          List.of());
    }
    List<Observation> decisive = new ArrayList<>(latestPerTest.values());
    List<Observation> positives = decisive.stream().filter(o -> positive(o).orElseThrow()).toList();
    List<Reference> evidence = refs(decisive);
    String positiveText =
        positives.stream().map(this::resultText).reduce((a, b) -> a + ", " + b).orElse("");
    String allText =
        decisive.stream().map(this::resultText).reduce((a, b) -> a + ", " + b).orElseThrow();
    if (anyPositive) {
      return positives.isEmpty()
          ? Finding.absent("No positive result: " + allText, evidence)
          : Finding.present("Positive: " + positiveText, evidence);
    }
    return positives.isEmpty()
        ? Finding.present("Tested and all negative: " + allText, evidence)
        : Finding.absent("Not all negative: " + positiveText, evidence);
  }

  private String resultText(Observation o) {
    return describe(o.getCode())
        + " "
        + (positive(o).orElseThrow() ? "positive" : "negative")
        + " on "
        + RecordFacts.effectiveDate(o).orElseThrow();
  }

  private static String testKey(Observation o) {
    Coding c = o.getCode().getCodingFirstRep();
    return c.getSystem() + "|" + c.getCode();
  }

  // ---- BMI: measured, else computed from weight and height in the same window

  Finding bmi(Criterion criterion) {
    Window window =
        criterion.lookback() != null ? criterion.lookback() : CriterionEvaluator.DEFAULT_LOOKBACK;
    List<Observation> bmis =
        usableInWindow(CriterionEvaluator.VS + "bmi", window, false).stream()
            .filter(o -> o.getValue() instanceof Quantity)
            .toList();
    if (!bmis.isEmpty()) {
      Observation latest = bmis.get(0);
      return compare(
          "BMI",
          (Quantity) latest.getValue(),
          RecordFacts.effectiveDate(latest).orElseThrow(),
          criterion,
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
    Optional<BigDecimal> kg =
        UnitConverter.convert(w.getValue(), w.hasCode() ? w.getCode() : w.getUnit(), "kg", null);
    Optional<BigDecimal> m =
        UnitConverter.convert(h.getValue(), h.hasCode() ? h.getCode() : h.getUnit(), "m", null);
    List<Reference> evidence = List.of(ref(weight.get()), ref(height.get()));
    if (kg.isEmpty() || m.isEmpty() || m.get().signum() == 0) {
      return Finding.unknown(
          "BMI cannot be computed from weight " + show(w) + " and height " + show(h), evidence);
    }
    BigDecimal bmi =
        kg.get().divide(m.get().multiply(m.get(), MathContext.DECIMAL128), MathContext.DECIMAL128);
    String target = targetUnit(criterion.value());
    String what =
        "BMI %s %s computed from weight %s (%s) and height %s (%s)"
            .formatted(
                round(bmi),
                target,
                show(w),
                RecordFacts.effectiveDate(weight.get()).orElseThrow(),
                show(h),
                RecordFacts.effectiveDate(height.get()).orElseThrow());
    return threshold(what, bmi, criterion.value(), evidence);
  }

  private Optional<Observation> latestQuantity(String valueSet, Window window) {
    return usableInWindow(valueSet, window, false).stream()
        .filter(o -> o.getValue() instanceof Quantity q && q.hasValue())
        .findFirst();
  }

  private static String targetUnit(Object limit) {
    if (limit instanceof Range range) {
      return range.hasLow() ? range.getLow().getCode() : range.getHigh().getCode();
    }
    return ((Quantity) limit).getCode();
  }
}
