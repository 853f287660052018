package org.trialfhir.screen;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.IModelJson;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Group;
import org.trialfhir.eligibility.Outcome;
import org.trialfhir.eligibility.PopulationScreening.Screened;
import org.trialfhir.eligibility.Verdict;
import org.trialfhir.security.JobCaller;

/** What the screening job passes between its steps; Batch2 stores each as JSON in its tables. */
final class ScreenModels {

  private ScreenModels() {}

  /**
   * The job's parameters: which study, which population (null: every patient), which day; who asked
   * (the owner of its results) and, to act for them in every step, what their authorisation rests
   * on (null with security off) and the FHIR base they called; for a preview, the proposed
   * eligibility Group as FHIR JSON, screened in place of the study's (null: the study's own).
   */
  record Parameters(
      @JsonProperty("study") String study,
      @JsonProperty("group") String group,
      @JsonProperty("date") String date,
      @JsonProperty("chunkSize") int chunkSize,
      @JsonProperty("requestedBy") String requestedBy,
      @JsonProperty("caller") JobCaller caller,
      @JsonProperty("serverBase") String serverBase,
      @JsonProperty("eligibility") String eligibility)
      implements IModelJson {

    /** The proposed eligibility Group, or null when the study's own is screened. */
    Group proposed(FhirContext fhir) {
      return eligibility == null
          ? null
          : fhir.newJsonParser().parseResource(Group.class, eligibility);
    }
  }

  /**
   * One patient's result as stored in a chunk; {@code setBased}: ruled out before the full
   * evaluation (only the failing criteria known).
   */
  record Result(
      @JsonProperty("patient") String patient,
      @JsonProperty("verdict") Verdict verdict,
      @JsonProperty("outcomes") Map<String, Outcome> outcomes,
      @JsonProperty("setBased") boolean setBased)
      implements IModelJson {

    static Result of(Screened screened) {
      return new Result(
          screened.patient(), screened.verdict(), screened.outcomes(), screened.setBased());
    }
  }

  /** Work for the evaluation step: patients to evaluate in full, and results already decided. */
  record PatientChunk(
      @JsonProperty("evaluate") List<String> evaluate,
      @JsonProperty("decided") List<Result> decided)
      implements IModelJson {}

  /** The results of one chunk. */
  record ResultChunk(@JsonProperty("results") List<Result> results) implements IModelJson {}

  /**
   * The whole screening: results ordered best first, how many patients per verdict, and per
   * criterion how many patients had each outcome (for patients ruled out by a set-based step only
   * the failing criterion is known) and how many of its fails were decided set-based ({@link
   * #SET_BASED_FAIL}); how many patients were ruled out set-based, the others being evaluated in
   * full; {@code preview}: screened against a proposed eligibility Group, not the study's.
   */
  record Report(
      @JsonProperty("study") String study,
      @JsonProperty("preview") boolean preview,
      @JsonProperty("date") String date,
      @JsonProperty("patients") int patients,
      @JsonProperty("verdicts") Map<String, Integer> verdicts,
      @JsonProperty("funnel") Map<String, Map<String, Integer>> funnel,
      @JsonProperty("setBased") int setBased,
      @JsonProperty("results") List<Result> results)
      implements IModelJson {

    /** A funnel count: the criterion's fails decided before the full evaluation. */
    static final String SET_BASED_FAIL = "set-based-fail";
  }
}
