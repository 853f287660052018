package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.DATE;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.criterion;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.junit.jupiter.api.Test;

/** The verdict over a study's criteria, and the score $match-studies ranks studies by. */
class EvaluationTest {

  private static final Criterion ANY =
      criterion("x", "manual-review", false, null, new BooleanType(true));

  private static Evaluation evaluation(Outcome... outcomes) {
    List<CriterionResult> results = new ArrayList<>();
    for (Outcome outcome : outcomes) {
      results.add(new CriterionResult(ANY, outcome, outcome.code(), List.of()));
    }
    return new Evaluation(new ResearchStudy(), new Patient(), DATE, results);
  }

  @Test
  void theVerdictIsTheStrongestOutcome() {
    assertThat(evaluation().verdict()).isEqualTo(Verdict.ELIGIBLE);
    assertThat(evaluation(Outcome.PASS, Outcome.PASS).verdict()).isEqualTo(Verdict.ELIGIBLE);
    assertThat(evaluation(Outcome.MANUAL_REVIEW, Outcome.PASS).verdict())
        .isEqualTo(Verdict.NEEDS_REVIEW);
    assertThat(evaluation(Outcome.MANUAL_REVIEW, Outcome.MISSING_DATA).verdict())
        .isEqualTo(Verdict.INSUFFICIENT_DATA);
    assertThat(evaluation(Outcome.MISSING_DATA, Outcome.FAIL, Outcome.MANUAL_REVIEW).verdict())
        .isEqualTo(Verdict.INELIGIBLE);
  }

  @Test
  void anEligiblePatientScoresOneWhateverTheCriteria() {
    assertThat(evaluation().score()).isEqualTo(1.0);
    assertThat(evaluation(Outcome.PASS).score()).isEqualTo(1.0);
  }

  @Test
  void theScoreIsTheVerdictsBandRaisedByTheShareOfCriteriaThatPass() {
    assertThat(evaluation(Outcome.FAIL).score()).isEqualTo(0.0);
    assertThat(evaluation(Outcome.FAIL, Outcome.PASS).score()).isEqualTo(0.12);
    assertThat(evaluation(Outcome.FAIL, Outcome.PASS, Outcome.PASS).score()).isEqualTo(0.16);
    assertThat(evaluation(Outcome.MISSING_DATA, Outcome.PASS, Outcome.PASS, Outcome.PASS).score())
        .isEqualTo(0.68);
    assertThat(evaluation(Outcome.MANUAL_REVIEW, Outcome.MANUAL_REVIEW).score()).isEqualTo(0.75);
    assertThat(evaluation(Outcome.MANUAL_REVIEW, Outcome.PASS, Outcome.PASS).score())
        .isEqualTo(0.91);
  }

  @Test
  void noStudyOfAWeakerVerdictOutranksOneOfAStrongerVerdict() {
    Outcome[] manyPasses = new Outcome[100];
    java.util.Arrays.fill(manyPasses, Outcome.PASS);
    manyPasses[0] = Outcome.FAIL;
    double bestIneligible = evaluation(manyPasses).score();
    manyPasses[0] = Outcome.MISSING_DATA;
    double bestInsufficient = evaluation(manyPasses).score();
    manyPasses[0] = Outcome.MANUAL_REVIEW;
    double bestReview = evaluation(manyPasses).score();
    assertThat(bestIneligible).isLessThan(evaluation(Outcome.MISSING_DATA).score());
    assertThat(bestInsufficient).isLessThan(evaluation(Outcome.MANUAL_REVIEW).score());
    assertThat(bestReview).isLessThan(evaluation(Outcome.PASS).score());
  }

  @Test
  void verdictAndOutcomeCodesAreTheContracts() {
    assertThat(Verdict.ELIGIBLE.code()).isEqualTo("eligible");
    assertThat(Verdict.NEEDS_REVIEW.code()).isEqualTo("needs-review");
    assertThat(Verdict.INSUFFICIENT_DATA.code()).isEqualTo("insufficient-data");
    assertThat(Verdict.INELIGIBLE.code()).isEqualTo("ineligible");
    for (Verdict verdict : Verdict.values()) {
      assertThat(Verdict.of(verdict.code())).isEqualTo(verdict);
    }
    assertThat(Outcome.PASS.code()).isEqualTo("pass");
    assertThat(Outcome.FAIL.code()).isEqualTo("fail");
    assertThat(Outcome.MISSING_DATA.code()).isEqualTo("missing-data");
    assertThat(Outcome.MANUAL_REVIEW.code()).isEqualTo("manual-review");
    for (Outcome outcome : Outcome.values()) {
      assertThat(Outcome.of(outcome.code())).isEqualTo(outcome);
    }
    assertThatThrownBy(() -> Verdict.of("maybe"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No eligibility verdict 'maybe'");
    assertThatThrownBy(() -> Outcome.of("MISSING_DATA"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No criterion outcome 'MISSING_DATA'");
  }

  @Test
  void aCheckIsWhatOtherFeaturesCompare() {
    CriterionCheck check = new CriterionCheck("inc-age", "Age", Outcome.FAIL, "too young");
    assertThat(check.is(Outcome.FAIL)).isTrue();
    assertThat(check.is(Outcome.PASS)).isFalse();
  }

  @Test
  void aCriterionIsAnInclusionOrExclusionWithItsOwnOrItsKindsWindow() {
    assertThat(criterion("i", "bmi", false, null, null).type()).isEqualTo("inclusion");
    assertThat(criterion("e", "bmi", true, null, null).type()).isEqualTo("exclusion");
    assertThat(criterion("e", "bmi", true, null, null).window())
        .isEqualTo(new Window(90, TimeUnit.DAY));
    assertThat(criterion("c", "condition", false, null, null).window()).isNull();
    assertThat(CriterionEvaluatorTest.labCriterion(null).window()).isEqualTo(new Window(90, "d"));
    Criterion stated =
        new Criterion(
            "p",
            true,
            "p",
            "p",
            CriterionKind.PREGNANCY,
            null,
            null,
            new Window(6, "mo"),
            null,
            null,
            List.of());
    assertThat(stated.window().describe()).isEqualTo("6 months");
  }
}
