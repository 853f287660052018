package org.trialfhir.eligibility;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;
import org.trialfhir.server.OperationDates;

/**
 * Binds $eligibility and $match-studies (docs/eligibility-contract.md §1) and hands them to the
 * service.
 */
@Component
public class EligibilityOperationProvider implements FhirProvider {

  private final EligibilityService service;

  EligibilityOperationProvider(EligibilityService service) {
    this.service = service;
  }

  @Operation(
      name = "$eligibility",
      idempotent = true,
      type = ResearchStudy.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchStudy-eligibility")
  @Description(
      shortDefinition = "Evaluate a patient against this study's eligibility criteria",
      value =
          "Returns the verdict and, for every criterion in the study's order, its outcome, a reason and the evidence.")
  public Parameters eligibility(
      @IdParam IdType study,
      @Description(
              shortDefinition =
                  "The patient, as a reference such as Patient/123 (the string form is accepted"
                      + " too)")
          @OperationParam(name = "patient", min = 1, max = 1)
          Reference patient,
      @Description(shortDefinition = "Reference date (YYYY-MM-DD); default today")
          @OperationParam(name = "date", max = 1)
          DateType date,
      RequestDetails request) {
    return service.eligibility(
        study,
        patient == null ? null : patient.getReference(),
        OperationDates.dayOrToday(date),
        request);
  }

  @Operation(
      name = "$match-studies",
      idempotent = true,
      type = Patient.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/Patient-match-studies")
  @Description(
      shortDefinition = "Find the recruiting studies this patient may be eligible for",
      value =
          "Evaluates the patient against every active study; best match first, with each study's $eligibility Parameters contained.")
  public Bundle matchStudies(
      @IdParam IdType patient,
      @Description(shortDefinition = "Reference date (YYYY-MM-DD); default today")
          @OperationParam(name = "date", max = 1)
          DateType date,
      RequestDetails request) {
    return service.matchStudies(patient, OperationDates.dayOrToday(date), request);
  }
}
