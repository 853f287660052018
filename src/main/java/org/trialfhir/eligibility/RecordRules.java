package org.trialfhir.eligibility;

import static org.trialfhir.eligibility.RecordFacts.describe;
import static org.trialfhir.eligibility.RecordFacts.ref;
import static org.trialfhir.eligibility.RecordFacts.refs;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;

/**
 * The closed-world rules (docs/eligibility-contract.md §3): conditions, their onset, allergies,
 * pregnancy and research consent. What the record does not hold, the patient does not have.
 */
final class RecordRules {

  /** Pregnancy status values that mean pregnant (SNOMED CT 77386006, as data in the package). */
  static final String PREGNANT_STATUS = CriterionEvaluator.VS + "pregnancy-status-pregnant";

  static final String PREGNANCY_STATUS_TEST = CriterionEvaluator.VS + "pregnancy-status-test";

  private final PatientRecord record;
  private final LocalDate date;
  private final String studyReference;
  private final CodeMembership terms;
  private final ObservationRules observations;

  RecordRules(
      PatientRecord record,
      LocalDate date,
      String studyReference,
      CodeMembership terms,
      ObservationRules observations) {
    this.record = record;
    this.date = date;
    this.studyReference = studyReference;
    this.terms = terms;
    this.observations = observations;
  }

  private List<Condition> matching(String valueSet) {
    return record.conditions().stream()
        .filter(RecordFacts::counts)
        .filter(c -> terms.containsAny(c.getCode(), valueSet))
        .toList();
  }

  Finding condition(Criterion criterion, boolean activeOnly) {
    List<Condition> found = matching(criterion.valueSet());
    List<Condition> counted =
        activeOnly ? found.stream().filter(RecordFacts::active).toList() : found;
    if (!counted.isEmpty()) {
      return Finding.present(
          describeAll(counted) + (activeOnly ? " is recorded as active" : " is recorded"),
          refs(counted));
    }
    if (!found.isEmpty()) {
      return Finding.absent(describeAll(found) + " is recorded but not active", refs(found));
    }
    return Finding.absent(
        "No recorded condition matches \"" + terms.title(criterion.valueSet()) + "\"", List.of());
  }

  /**
   * Onset within a period before the reference date. The earliest onset is when the disease began
   * (a later duplicate entry is not a new onset); an onset known only to the month or year is an
   * interval, decided when all of it lies inside or outside the period.
   */
  Finding onset(Criterion criterion) {
    List<Condition> found = matching(criterion.valueSet());
    if (found.isEmpty()) {
      return Finding.absent(
          "No recorded condition matches \"" + terms.title(criterion.valueSet()) + "\"", List.of());
    }
    Optional<Map.Entry<Condition, DateSpan>> earliest =
        found.stream()
            .flatMap(c -> onsetSpan(c).map(d -> Map.entry(c, d)).stream())
            .min(
                Comparator.comparing((Map.Entry<Condition, DateSpan> e) -> e.getValue().earliest())
                    .thenComparing(e -> e.getValue().latest()));
    if (earliest.isEmpty()) {
      return Finding.unknown(describeAll(found) + " has no onset or recorded date", refs(found))
          .obtaining("the date of onset or diagnosis of " + describeAll(found));
    }
    Quantity within = (Quantity) criterion.value();
    Window window = new Window(within.getValue().intValueExact(), within.getCode());
    DateSpan onset = earliest.get().getValue();
    // The disease began no later than the earliest latest-possible onset of any entry.
    LocalDate latest =
        found.stream()
            .flatMap(c -> onsetSpan(c).stream())
            .map(DateSpan::latest)
            .min(Comparator.naturalOrder())
            .orElseThrow();
    Interval possible = days(onset.earliest(), latest);
    Boolean inside = possible.within(days(window.start(date), date));
    List<Reference> evidence = List.of(ref(earliest.get().getKey()));
    String what = describe(earliest.get().getKey().getCode()) + " onset " + onset.describe();
    if (inside == null) {
      return Finding.review(
          what
              + " may be within or more than "
              + window.describe()
              + " before "
              + date
              + ": confirm the onset date",
          evidence);
    }
    if (inside) {
      return Finding.present(
          what + " is within " + window.describe() + " before " + date, evidence);
    }
    String where =
        onset.earliest().isAfter(date)
            ? " is after " + date
            : " is more than " + window.describe() + " before " + date;
    return Finding.absent(what + where, evidence);
  }

  private static Interval days(LocalDate from, LocalDate to) {
    return new Interval(
        BigDecimal.valueOf(from.toEpochDay()), true, BigDecimal.valueOf(to.toEpochDay()), true);
  }

  /** onsetDateTime, else onsetPeriod.start, else birthDate + onsetAge, else recordedDate. */
  private Optional<DateSpan> onsetSpan(Condition condition) {
    if (condition.hasOnsetDateTimeType() || condition.hasOnsetPeriod()) {
      Optional<DateSpan> onset = DateSpan.of(condition.getOnset());
      if (onset.isPresent()) {
        return onset;
      }
    }
    if (condition.hasOnsetAge() && condition.getOnsetAge().hasValue()) {
      Quantity age = condition.getOnsetAge();
      Optional<DateSpan> birth = DateSpan.of(record.patient().getBirthDateElement());
      Optional<TimeUnit> unit =
          TimeUnit.ofUcum(age.hasCode() ? age.getCode() : "a").filter(TimeUnit::calendar);
      if (birth.isPresent() && unit.isPresent()) {
        Window onsetAge = new Window(age.getValue().intValue(), unit.get());
        DateSpan span = birth.get();
        LocalDate from = onsetAge.after(span.earliest());
        // Written as precisely as the birth date it comes from: "2018-06" from a birth in 2008-06.
        String text =
            span.exact()
                ? from.toString()
                : from.toString().substring(0, span.text().length() == 4 ? 4 : 7);
        return Optional.of(new DateSpan(from, onsetAge.after(span.latest()), text));
      }
    }
    return DateSpan.of(condition.getRecordedDateElement());
  }

  Finding allergy(Criterion criterion) {
    String criticality = ((CodeableConcept) criterion.value()).getCodingFirstRep().getCode();
    List<AllergyIntolerance> found =
        record.allergies().stream()
            .filter(
                a ->
                    !a.hasClinicalStatus()
                        || a.getClinicalStatus().getCoding().stream()
                            .anyMatch(c -> "active".equals(c.getCode())))
            .filter(
                a ->
                    a.getVerificationStatus().getCoding().stream()
                        .noneMatch(
                            c -> Set.of("refuted", "entered-in-error").contains(c.getCode())))
            .filter(a -> a.hasCriticality() && criticality.equals(a.getCriticality().toCode()))
            .toList();
    if (found.isEmpty()) {
      return Finding.absent(
          "No active allergy with criticality " + criticality + " is recorded", List.of());
    }
    String what =
        found.stream().map(a -> describe(a.getCode())).reduce((a, b) -> a + ", " + b).orElseThrow();
    return Finding.present(
        "Active allergy with criticality " + criticality + ": " + what, refs(found));
  }

  /** An active pregnancy Condition, or the most recent pregnancy status in the window pregnant. */
  Finding pregnancy(Criterion criterion) {
    List<Condition> active =
        matching(criterion.valueSet()).stream().filter(RecordFacts::active).toList();
    if (!active.isEmpty()) {
      return Finding.present(describeAll(active) + " is recorded as active", refs(active));
    }
    Window window = criterion.window();
    List<Observation> status = observations.usableInWindow(PREGNANCY_STATUS_TEST, window, false);
    if (!status.isEmpty()
        && status.get(0).getValue() instanceof CodeableConcept value
        && terms.containsAny(value, PREGNANT_STATUS)) {
      return Finding.present(
          "Pregnancy status on "
              + RecordFacts.effectiveDate(status.get(0)).orElseThrow()
              + " is pregnant",
          List.of(ref(status.get(0))));
    }
    return Finding.absent(
        "No active pregnancy is recorded, and no pregnancy status of pregnant in the "
            + window.describe()
            + " before "
            + date,
        status.isEmpty() ? List.of() : List.of(ref(status.get(0))));
  }

  Finding consent() {
    List<Consent> research = ResearchConsents.research(record.consents());
    List<Consent> forStudy = ResearchConsents.forStudy(research, studyReference);
    if (!forStudy.isEmpty()) {
      return Finding.present(
          "Active research consent for this study is recorded ("
              + ref(forStudy.get(0)).getReference()
              + ")",
          refs(forStudy));
    }
    String others =
        research.isEmpty()
            ? ""
            : " ("
                + research.size()
                + " active research consent"
                + (research.size() == 1 ? " is" : "s are")
                + " for other studies)";
    return Finding.unknown(
            "No active research consent for this study: consent not yet obtained" + others,
            refs(research))
        .obtaining("the patient's signed research consent for this study");
  }

  private static String describeAll(List<Condition> conditions) {
    return conditions.stream()
        .map(c -> describe(c.getCode()))
        .distinct()
        .reduce((a, b) -> a + ", " + b)
        .orElse("");
  }
}
