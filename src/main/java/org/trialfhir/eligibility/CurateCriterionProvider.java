package org.trialfhir.eligibility;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Duration;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;

/** Binds ResearchStudy/[id]/$curate-criterion and hands it to {@link CriterionCuration}. */
@Component
public class CurateCriterionProvider implements FhirProvider {

  private final CriterionCuration curation;

  CurateCriterionProvider(CriterionCuration curation) {
    this.curation = curation;
  }

  @Operation(
      name = "$curate-criterion",
      type = ResearchStudy.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchStudy-curate-criterion")
  @Description(
      shortDefinition = "Confirm, edit or reject one eligibility criterion of this study",
      value =
          "A coordinator's decision on a criterion: a new version of the eligibility Group and a"
              + " Provenance naming who and when.")
  public Group curate(
      @IdParam IdType study,
      @Description(shortDefinition = "The criterion's id in the eligibility Group, e.g. exc-1")
          @OperationParam(name = "criterion", min = 1, max = 1)
          StringType criterion,
      @Description(shortDefinition = "confirm | edit | reject")
          @OperationParam(name = "action", min = 1, max = 1)
          CodeType action,
      @Description(shortDefinition = "Why (kept in the Provenance)")
          @OperationParam(name = "reason", max = 1)
          StringType reason,
      @Description(shortDefinition = "edit: the new criterion kind (criterion-kind code)")
          @OperationParam(name = "kind", max = 1)
          CodeType kind,
      @Description(shortDefinition = "edit: the ValueSet of the criterion's codes")
          @OperationParam(name = "valueSet", max = 1)
          CanonicalType valueSet,
      @Description(shortDefinition = "edit: a value with comparator and UCUM unit")
          @OperationParam(name = "threshold", max = 1)
          Quantity threshold,
      @Description(shortDefinition = "edit: a range with UCUM units")
          @OperationParam(name = "range", max = 1)
          Range range,
      @Description(shortDefinition = "edit: the look-back window (d, wk, mo or a)")
          @OperationParam(name = "lookback", max = 1)
          Duration lookback,
      RequestDetails request) {
    CriterionCuration.Action chosen = CriterionCuration.Action.of(text(action));
    boolean editing = kind != null || valueSet != null || threshold != null || range != null;
    if (chosen != CriterionCuration.Action.EDIT && (editing || lookback != null)) {
      throw new InvalidRequestException(
          "Parameters 'kind', 'valueSet', 'threshold', 'range' and 'lookback' go with action"
              + " 'edit' only");
    }
    if (threshold != null && range != null) {
      throw new InvalidRequestException("Give 'threshold' or 'range', not both");
    }
    if (chosen == CriterionCuration.Action.EDIT && !editing && lookback == null) {
      throw new InvalidRequestException(
          "Action 'edit' needs at least one of 'kind', 'valueSet', 'threshold', 'range',"
              + " 'lookback'");
    }
    return curation.curate(
        study,
        text(criterion),
        chosen,
        new CriterionCuration.Edit(
            text(kind), text(valueSet), threshold != null ? threshold : range, lookback),
        text(reason),
        request);
  }

  private static String text(org.hl7.fhir.r4.model.PrimitiveType<?> value) {
    return value == null || value.isEmpty() ? null : value.getValueAsString().trim();
  }
}
