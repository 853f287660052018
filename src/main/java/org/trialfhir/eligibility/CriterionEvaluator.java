package org.trialfhir.eligibility;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Reference;
import org.trialfhir.eligibility.Finding.State;

/**
 * The one generic engine: evaluates any criterion of the criteria model against one patient's
 * record at a reference date, following the eligibility contract (docs/eligibility-contract.md §3).
 * Each kind's rule is named by {@link CriterionKind}; the rules live in {@link PatientRules},
 * {@link RecordRules}, {@link ObservationRules}, {@link ResultRules}, {@link MedicationRules} and
 * {@link UpperLimitRules}. Choices the contract leaves open are written where they are made, and in
 * the $eligibility OperationDefinition.
 */
final class CriterionEvaluator {

  static final String VS = CriteriaReader.BASE + "ValueSet/";

  private final PatientRules patient;
  private final RecordRules conditions;
  private final ObservationRules observations;
  private final ResultRules results;
  private final MedicationRules medications;
  private final UpperLimitRules upperLimits;

  CriterionEvaluator(
      PatientRecord record, LocalDate date, String studyReference, CodeMembership terms) {
    this.patient = new PatientRules(record.patient(), date);
    this.observations = new ObservationRules(record, date, terms);
    this.conditions = new RecordRules(record, date, studyReference, terms, observations);
    this.results = new ResultRules(observations, terms);
    this.medications = new MedicationRules(record, date, terms);
    this.upperLimits = new UpperLimitRules(observations, terms);
  }

  CriterionResult evaluate(Criterion criterion) {
    Finding finding;
    try {
      finding = find(criterion);
    } catch (ClassCastException e) {
      // A Group written with a value its kind does not take (e.g. a Quantity for sex): the
      // definition is wrong, not the server.
      throw new UnprocessableEntityException(
          "Criterion "
              + criterion.id()
              + " ("
              + criterion.kind().code()
              + ") has a value of a type that kind does not take: "
              + (criterion.value() == null ? "none" : criterion.value().fhirType()));
    }
    Outcome outcome =
        switch (finding.state()) {
          case PRESENT -> criterion.exclusion() ? Outcome.FAIL : Outcome.PASS;
          case ABSENT -> criterion.exclusion() ? Outcome.PASS : Outcome.FAIL;
          case UNKNOWN -> Outcome.MISSING_DATA;
          case REVIEW -> Outcome.MANUAL_REVIEW;
        };
    String reason = finding.reason();
    // A criterion with a part only a person can judge fails on its computable part, else waits.
    if (criterion.manualReview() != null && outcome != Outcome.FAIL) {
      outcome = Outcome.MANUAL_REVIEW;
      reason = reason + "; needs review by a person: " + criterion.manualReview();
    }
    // A machine's reading of registry text never excludes on its own: until a coordinator
    // confirms it, its fail is for a person to judge, with what was computed.
    if (criterion.unconfirmed() && outcome == Outcome.FAIL) {
      outcome = Outcome.MANUAL_REVIEW;
      reason =
          "computed as not met ("
              + reason
              + "), but this criterion was read by machine from the registry text and is not yet"
              + " confirmed by a coordinator";
    }
    return new CriterionResult(
        criterion,
        outcome,
        reason,
        finding.evidence(),
        outcome == Outcome.MISSING_DATA ? finding.obtain() : null);
  }

  Finding find(Criterion criterion) {
    return criterion.kind().find(criterion, this);
  }

  PatientRules patient() {
    return patient;
  }

  RecordRules conditions() {
    return conditions;
  }

  ObservationRules observations() {
    return observations;
  }

  ResultRules results() {
    return results;
  }

  MedicationRules medications() {
    return medications;
  }

  UpperLimitRules upperLimits() {
    return upperLimits;
  }

  /**
   * Present when any part is; absent when every part is; otherwise missing data when a part lacks
   * data, else for a person (a part the data cannot decide).
   */
  Finding anyOf(Criterion criterion) {
    List<Finding> findings = criterion.parts().stream().map(this::find).toList();
    // Parts over the same results (BMI below 14 or above 35) cite each once.
    Set<String> cited = new HashSet<>();
    List<Reference> evidence =
        findings.stream()
            .flatMap(f -> f.evidence().stream())
            .filter(r -> r.getReference() == null || cited.add(r.getReference()))
            .toList();
    State state;
    if (findings.stream().anyMatch(f -> f.state() == State.PRESENT)) {
      state = State.PRESENT;
    } else if (findings.stream().allMatch(f -> f.state() == State.ABSENT)) {
      state = State.ABSENT;
    } else if (findings.stream().anyMatch(f -> f.state() == State.UNKNOWN)) {
      state = State.UNKNOWN;
    } else {
      state = State.REVIEW;
    }
    String reason =
        findings.stream()
            .filter(f -> state != State.PRESENT || f.state() == State.PRESENT)
            .map(Finding::reason)
            .distinct()
            .reduce((a, b) -> a + "; " + b)
            .orElse("");
    // What to obtain: any one of the parts that lack data would decide it.
    String obtain =
        findings.stream()
            .filter(f -> f.state() == State.UNKNOWN && f.obtain() != null)
            .map(Finding::obtain)
            .distinct()
            .reduce((a, b) -> a + ", or " + b)
            .orElse(null);
    return new Finding(state, reason, evidence, state == State.UNKNOWN ? obtain : null);
  }
}
