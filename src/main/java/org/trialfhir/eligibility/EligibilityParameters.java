package org.trialfhir.eligibility;

import java.util.Date;
import java.util.List;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.SearchEntryMode;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;

/**
 * Writes evaluations in the shapes of the eligibility contract (docs/eligibility-contract.md §1).
 */
final class EligibilityParameters {

  static final String RESULT_EXTENSION =
      "http://trialfhir.org/fhir/StructureDefinition/eligibility-result";

  private EligibilityParameters() {}

  static Parameters of(Evaluation evaluation) {
    return of(evaluation, storedPatient(evaluation));
  }

  /**
   * As {@link #of(Evaluation)}, naming the patient by {@code patient}: a supplied record's Patient
   * is named as the caller sent it (its fullUrl), not by a stored id it does not have.
   */
  static Parameters of(Evaluation evaluation, Reference patient) {
    Parameters parameters = new Parameters();
    parameters
        .addParameter()
        .setName("verdict")
        .setValue(new CodeType(evaluation.verdict().code()));
    parameters.addParameter().setName("study").setValue(reference(evaluation.study()));
    parameters.addParameter().setName("patient").setValue(patient.copy());
    parameters.addParameter().setName("date").setValue(new DateType(evaluation.date().toString()));
    for (CriterionResult result : evaluation.results()) {
      ParametersParameterComponent criterion = parameters.addParameter().setName("criterion");
      criterion.addPart().setName("id").setValue(new StringType(result.criterion().id()));
      criterion.addPart().setName("type").setValue(new CodeType(result.criterion().type()));
      criterion
          .addPart()
          .setName("description")
          .setValue(new StringType(result.criterion().description()));
      criterion.addPart().setName("outcome").setValue(new CodeType(result.outcome().code()));
      criterion.addPart().setName("reason").setValue(new StringType(result.reason()));
      if (result.obtain() != null) {
        criterion.addPart().setName("obtain").setValue(new StringType(result.obtain()));
      }
      for (Reference evidence : result.evidence()) {
        criterion.addPart().setName("evidence").setValue(evidence.copy());
      }
    }
    return parameters;
  }

  /**
   * The $match-studies answer: each entry is the study with its $eligibility Parameters as a
   * contained resource (id {@code eligibility}), pointed to by the extension {@link
   * #RESULT_EXTENSION}, and entry.search.score.
   */
  static Bundle searchset(List<Evaluation> evaluations) {
    return searchset(evaluations, EligibilityParameters::storedPatient);
  }

  /** As {@link #searchset(List)}, naming the patient as {@link #of(Evaluation, Reference)}. */
  static Bundle searchset(List<Evaluation> evaluations, Function<Evaluation, Reference> patient) {
    Bundle bundle = new Bundle().setType(BundleType.SEARCHSET).setTotal(evaluations.size());
    bundle.getMeta().setLastUpdated(new Date());
    for (Evaluation evaluation : evaluations) {
      ResearchStudy study = evaluation.study().copy();
      Parameters parameters = of(evaluation, patient.apply(evaluation));
      parameters.setId("eligibility");
      study.addContained(parameters);
      study.addExtension(RESULT_EXTENSION, new Reference("#eligibility"));
      bundle
          .addEntry()
          .setFullUrl("ResearchStudy/" + study.getIdElement().getIdPart())
          .setResource(study)
          .getSearch()
          .setMode(SearchEntryMode.MATCH)
          .setScore(evaluation.score());
    }
    return bundle;
  }

  private static Reference storedPatient(Evaluation evaluation) {
    return new Reference("Patient/" + evaluation.patient().getIdElement().getIdPart());
  }

  private static Reference reference(ResearchStudy study) {
    return new Reference("ResearchStudy/" + study.getIdElement().getIdPart());
  }
}
