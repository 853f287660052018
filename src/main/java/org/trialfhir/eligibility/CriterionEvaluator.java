package org.trialfhir.eligibility;

import static org.trialfhir.eligibility.RecordFacts.date;
import static org.trialfhir.eligibility.RecordFacts.describe;
import static org.trialfhir.eligibility.RecordFacts.rangeText;
import static org.trialfhir.eligibility.RecordFacts.ref;
import static org.trialfhir.eligibility.RecordFacts.refs;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.Period;
import java.time.temporal.ChronoUnit;
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
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.trialfhir.eligibility.CriterionResult.Outcome;
import org.trialfhir.eligibility.Finding.State;

/**
 * The one generic engine: evaluates any criterion of the criteria model against one patient's
 * record at a reference date, following the eligibility contract (shared spec §3). Choices the
 * contract leaves open are written where they are made, and in the $eligibility
 * OperationDefinition.
 */
final class CriterionEvaluator {

  static final Window DEFAULT_LOOKBACK = new Window(90, "d");
  static final Window PREGNANCY_LOOKBACK = new Window(270, "d");
  static final String VS = CriteriaReader.BASE + "ValueSet/";
  static final Set<String> KINDS =
      Set.of(
          "age",
          "sex",
          "condition",
          "condition-active",
          "condition-onset",
          "observation-value",
          "observation-positive",
          "observation-all-negative",
          "bmi",
          "allergy-criticality",
          "pregnancy",
          "research-consent",
          "manual-review",
          "any-of");

  private final PatientRecord record;
  private final LocalDate date;
  private final String studyReference;
  private final CodeMembership terms;
  private final ObservationRules observations;

  CriterionEvaluator(
      PatientRecord record, LocalDate date, String studyReference, CodeMembership terms) {
    this.record = record;
    this.date = date;
    this.studyReference = studyReference;
    this.terms = terms;
    this.observations = new ObservationRules(record, date, terms);
  }

  CriterionResult evaluate(Criterion criterion) {
    if ("manual-review".equals(criterion.kind()) || !KINDS.contains(criterion.kind())) {
      return new CriterionResult(
          criterion,
          Outcome.MANUAL_REVIEW,
          "Needs review by a person: " + criterion.description(),
          List.of());
    }
    Finding finding = find(criterion);
    Outcome outcome =
        switch (finding.state()) {
          case PRESENT -> criterion.exclusion() ? Outcome.FAIL : Outcome.PASS;
          case ABSENT -> criterion.exclusion() ? Outcome.PASS : Outcome.FAIL;
          case UNKNOWN -> Outcome.MISSING_DATA;
        };
    String reason = finding.reason();
    // A criterion with a part only a person can judge fails on its computable part, else waits.
    if (criterion.manualReview() != null && outcome != Outcome.FAIL) {
      outcome = Outcome.MANUAL_REVIEW;
      reason = reason + "; needs review by a person: " + criterion.manualReview();
    }
    return new CriterionResult(criterion, outcome, reason, finding.evidence());
  }

  private Finding find(Criterion criterion) {
    return switch (criterion.kind()) {
      case "age" -> age(criterion);
      case "sex" -> sex(criterion);
      case "condition" -> condition(criterion, false);
      case "condition-active" -> condition(criterion, true);
      case "condition-onset" -> onset(criterion);
      case "observation-value" -> observations.observationValue(criterion);
      case "observation-positive" -> observations.results(criterion, true);
      case "observation-all-negative" -> observations.results(criterion, false);
      case "bmi" -> observations.bmi(criterion);
      case "allergy-criticality" -> allergy(criterion);
      case "pregnancy" -> pregnancy(criterion);
      case "research-consent" -> consent();
      case "any-of" -> anyOf(criterion);
      default -> throw new IllegalStateException(criterion.kind());
    };
  }

  // ---- age: completed units at the reference date, bounds inclusive

  private Finding age(Criterion criterion) {
    List<Reference> evidence = List.of(ref(record.patient()));
    Optional<LocalDate> birth = date(record.patient().getBirthDateElement());
    if (birth.isEmpty()) {
      return Finding.unknown("No birth date (to the day) is recorded", evidence);
    }
    if (!(criterion.value() instanceof Range range)) {
      return Finding.unknown("The age criterion has no age range", List.of());
    }
    String unit = range.hasLow() ? range.getLow().getCode() : range.getHigh().getCode();
    long age =
        switch (unit == null ? "a" : unit) {
          case "mo" -> ChronoUnit.MONTHS.between(birth.get(), date);
          case "wk" -> ChronoUnit.WEEKS.between(birth.get(), date);
          case "d" -> ChronoUnit.DAYS.between(birth.get(), date);
          default -> Period.between(birth.get(), date).getYears();
        };
    BigDecimal value = BigDecimal.valueOf(age);
    boolean within =
        (!range.hasLow() || value.compareTo(range.getLow().getValue()) >= 0)
            && (!range.hasHigh() || value.compareTo(range.getHigh().getValue()) <= 0);
    String unitName =
        range.hasLow() ? RecordFacts.unitOf(range.getLow()) : RecordFacts.unitOf(range.getHigh());
    String reason =
        "Age %d %s on %s (born %s) is %s %s"
            .formatted(
                age, unitName, date, birth.get(), within ? "within" : "outside", rangeText(range));
    return within ? Finding.present(reason, evidence) : Finding.absent(reason, evidence);
  }

  private Finding sex(Criterion criterion) {
    String wanted = ((CodeableConcept) criterion.value()).getCodingFirstRep().getCode();
    List<Reference> evidence = List.of(ref(record.patient()));
    if (!record.patient().hasGender()
        || record.patient().getGender()
            == org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.UNKNOWN) {
      return Finding.unknown("No administrative gender is recorded", evidence);
    }
    String gender = record.patient().getGender().toCode();
    String reason =
        "Recorded gender " + gender + (gender.equals(wanted) ? " is " : " is not ") + wanted;
    return gender.equals(wanted)
        ? Finding.present(reason, evidence)
        : Finding.absent(reason, evidence);
  }

  // ---- conditions: closed world

  private List<Condition> matching(String valueSet) {
    return record.conditions().stream()
        .filter(RecordFacts::counts)
        .filter(c -> terms.containsAny(c.getCode(), valueSet))
        .toList();
  }

  private Finding condition(Criterion criterion, boolean activeOnly) {
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

  private Finding onset(Criterion criterion) {
    List<Condition> found = matching(criterion.valueSet());
    if (found.isEmpty()) {
      return Finding.absent(
          "No recorded condition matches \"" + terms.title(criterion.valueSet()) + "\"", List.of());
    }
    // The earliest onset is when the disease began; a later duplicate entry is not a new onset.
    Optional<Map.Entry<Condition, LocalDate>> earliest =
        found.stream()
            .flatMap(c -> onsetDate(c).map(d -> Map.entry(c, d)).stream())
            .min(Map.Entry.comparingByValue());
    if (earliest.isEmpty()) {
      return Finding.unknown(describeAll(found) + " has no onset or recorded date", refs(found));
    }
    Quantity within = (Quantity) criterion.value();
    Window window = new Window(within.getValue().intValueExact(), within.getCode());
    LocalDate onset = earliest.get().getValue();
    List<Reference> evidence = List.of(ref(earliest.get().getKey()));
    String what = describe(earliest.get().getKey().getCode()) + " onset " + onset;
    if (window.contains(onset, date)) {
      return Finding.present(
          what + " is within " + window.describe() + " before " + date, evidence);
    }
    String where =
        onset.isAfter(date)
            ? " is after " + date
            : " is more than " + window.describe() + " before " + date;
    return Finding.absent(what + where, evidence);
  }

  private Optional<LocalDate> onsetDate(Condition condition) {
    if (condition.hasOnsetDateTimeType() || condition.hasOnsetPeriod()) {
      Optional<LocalDate> onset = date(condition.getOnset());
      if (onset.isPresent()) {
        return onset;
      }
    }
    if (condition.hasOnsetAge() && record.patient().hasBirthDate()) {
      Quantity age = condition.getOnsetAge();
      Optional<LocalDate> birth = date(record.patient().getBirthDateElement());
      if (birth.isPresent() && age.hasValue()) {
        Window onsetAge =
            new Window(age.getValue().intValue(), age.hasCode() ? age.getCode() : "a");
        return Optional.of(onsetAge.after(birth.get()));
      }
    }
    return date(condition.getRecordedDateElement());
  }

  // ---- allergies, pregnancy, consent

  private Finding allergy(Criterion criterion) {
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

  private Finding pregnancy(Criterion criterion) {
    List<Condition> active =
        matching(criterion.valueSet()).stream().filter(RecordFacts::active).toList();
    if (!active.isEmpty()) {
      return Finding.present(describeAll(active) + " is recorded as active", refs(active));
    }
    Window window = criterion.lookback() != null ? criterion.lookback() : PREGNANCY_LOOKBACK;
    List<Observation> status =
        observations.usableInWindow(VS + "pregnancy-status-test", window, false);
    if (!status.isEmpty()
        && status.get(0).getValue() instanceof CodeableConcept value
        && RecordFacts.hasCode(value, RecordFacts.SNOMED, "77386006")) {
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

  private Finding consent() {
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
        refs(research));
  }

  // ---- any-of

  private Finding anyOf(Criterion criterion) {
    List<Finding> findings = criterion.parts().stream().map(this::find).toList();
    List<Reference> evidence = findings.stream().flatMap(f -> f.evidence().stream()).toList();
    Optional<State> overall =
        findings.stream().anyMatch(f -> f.state() == State.PRESENT)
            ? Optional.of(State.PRESENT)
            : findings.stream().allMatch(f -> f.state() == State.ABSENT)
                ? Optional.of(State.ABSENT)
                : Optional.empty();
    State state = overall.orElse(State.UNKNOWN);
    String reason =
        findings.stream()
            .filter(f -> state != State.PRESENT || f.state() == State.PRESENT)
            .map(Finding::reason)
            .distinct()
            .reduce((a, b) -> a + "; " + b)
            .orElse("");
    return new Finding(state, reason, evidence);
  }

  // ---- helpers

  private static String describeAll(List<Condition> conditions) {
    return conditions.stream()
        .map(c -> describe(c.getCode()))
        .distinct()
        .reduce((a, b) -> a + ", " + b)
        .orElse("");
  }
}
