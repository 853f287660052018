package org.trialfhir.eligibility;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;

/**
 * The kinds of criterion the engine computes, one constant each: the code in the package's
 * CodeSystem {@code criterion-kind}, the resource types the kind reads from a record, its default
 * look-back window, what population screening may decide from it without a full evaluation, and its
 * rule. A new kind is one constant here, its rule, and a concept in the CodeSystem (a unit test
 * holds the two in step).
 */
enum CriterionKind {
  AGE("age", Set.of(), null, Screening.PATIENT_ONLY, (c, e) -> e.patient().age(c)),
  SEX("sex", Set.of(), null, Screening.PATIENT_ONLY, (c, e) -> e.patient().sex(c)),
  CONDITION(
      "condition",
      Set.of(Condition.class),
      null,
      Screening.NEEDS_CONDITION,
      (c, e) -> e.conditions().condition(c, false)),
  CONDITION_ACTIVE(
      "condition-active",
      Set.of(Condition.class),
      null,
      Screening.NEEDS_CONDITION,
      (c, e) -> e.conditions().condition(c, true)),
  CONDITION_ONSET(
      "condition-onset",
      Set.of(Condition.class),
      null,
      Screening.NEEDS_CONDITION,
      (c, e) -> e.conditions().onset(c)),
  OBSERVATION_VALUE(
      "observation-value",
      Set.of(Observation.class),
      Lookback.LABS,
      Screening.OWN_CODES,
      (c, e) -> e.observations().observationValue(c)),
  OBSERVATION_POSITIVE(
      "observation-positive",
      Set.of(Observation.class),
      Lookback.LABS,
      Screening.OWN_CODES,
      (c, e) -> e.results().results(c, true)),
  OBSERVATION_ALL_NEGATIVE(
      "observation-all-negative",
      Set.of(Observation.class),
      Lookback.LABS,
      Screening.OWN_CODES,
      (c, e) -> e.results().results(c, false)),
  BMI(
      "bmi",
      Set.of(Observation.class),
      Lookback.LABS,
      Screening.FULL,
      (c, e) -> e.observations().bmi(c)),
  ALLERGY_CRITICALITY(
      "allergy-criticality",
      Set.of(AllergyIntolerance.class),
      null,
      Screening.FULL,
      (c, e) -> e.conditions().allergy(c)),
  PREGNANCY(
      "pregnancy",
      Set.of(Condition.class, Observation.class),
      Lookback.PREGNANCY,
      Screening.FULL,
      (c, e) -> e.conditions().pregnancy(c)),
  RESEARCH_CONSENT(
      "research-consent",
      Set.of(Consent.class),
      null,
      Screening.FULL,
      (c, e) -> e.conditions().consent()),
  MEDICATION(
      "medication",
      Set.of(MedicationRequest.class, MedicationStatement.class, Immunization.class),
      null,
      Screening.FULL,
      (c, e) -> e.medications().takenWithin(c)),
  OBSERVATION_ULN(
      "observation-uln",
      Set.of(Observation.class),
      Lookback.LABS,
      Screening.FULL,
      (c, e) -> e.upperLimits().timesUpperLimit(c)),
  MANUAL_REVIEW(
      "manual-review",
      Set.of(),
      null,
      Screening.FULL,
      (c, e) -> Finding.review("Needs review by a person: " + c.description(), List.of())),
  ANY_OF("any-of", Set.of(), null, Screening.FULL, (c, e) -> e.anyOf(c));

  /** What population screening may decide from a criterion of the kind before full evaluation. */
  enum Screening {
    /** The Patient resource alone decides it (age, sex). */
    PATIENT_ONLY,
    /** Present only when a Condition coded from its ValueSet exists (closed world). */
    NEEDS_CONDITION,
    /**
     * Its rule reads only the record's Observations coded from the criterion's own ValueSet, so
     * those alone decide whether it fails (population screening reads just them for every candidate
     * at once). Condition kinds are decided the same way.
     */
    OWN_CODES,
    /** Only a full evaluation of the record decides it. */
    FULL
  }

  /**
   * The look-back windows the eligibility contract sets: 90 days for labs, 270 for pregnancy
   * status.
   */
  static final class Lookback {
    static final Window LABS = new Window(90, TimeUnit.DAY);
    static final Window PREGNANCY = new Window(270, TimeUnit.DAY);

    private Lookback() {}
  }

  /** A kind's rule: what the record says about one criterion of the kind. */
  @FunctionalInterface
  interface Rule {
    Finding find(Criterion criterion, CriterionEvaluator engine);
  }

  private final String code;
  private final Set<Class<? extends Resource>> reads;
  private final Window defaultLookback;
  private final Screening screening;
  private final Rule rule;

  CriterionKind(
      String code,
      Set<Class<? extends Resource>> reads,
      Window defaultLookback,
      Screening screening,
      Rule rule) {
    this.code = code;
    this.reads = reads;
    this.defaultLookback = defaultLookback;
    this.screening = screening;
    this.rule = rule;
  }

  String code() {
    return code;
  }

  /** The kind with this code of the package's CodeSystem. */
  static Optional<CriterionKind> of(String code) {
    return Arrays.stream(values()).filter(k -> k.code.equals(code)).findFirst();
  }

  boolean reads(Class<? extends Resource> type) {
    return reads.contains(type);
  }

  /** The window when the criterion states none; null for kinds that look at the whole record. */
  Window defaultLookback() {
    return defaultLookback;
  }

  Screening screening() {
    return screening;
  }

  Finding find(Criterion criterion, CriterionEvaluator engine) {
    return rule.find(criterion, engine);
  }
}
