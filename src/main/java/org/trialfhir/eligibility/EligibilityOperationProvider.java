package org.trialfhir.eligibility;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.LocalDate;
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
                  "The stored patient, as a reference such as Patient/123 (the string form is"
                      + " accepted too); or give record")
          @OperationParam(name = "patient", max = 1)
          Reference patient,
      @Description(
              shortDefinition =
                  "The patient's record as a Bundle (one Patient and the resources about it),"
                      + " evaluated in memory and not stored; or give patient")
          @OperationParam(name = "record", max = 1)
          Bundle record,
      @Description(shortDefinition = "Reference date (YYYY-MM-DD); default today")
          @OperationParam(name = "date", max = 1)
          DateType date,
      RequestDetails request) {
    if (patient != null && record != null) {
      throw new InvalidRequestException(
          "Give either 'patient' (a stored patient) or 'record' (a Bundle), not both");
    }
    if (record != null) {
      return service.eligibilityOfRecord(study, record, OperationDates.dayOrToday(date), request);
    }
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
          "Evaluates the patient (instance level), or the record supplied as a Bundle (type level,"
              + " POST), against every active study; best match first, with each study's"
              + " $eligibility Parameters contained.")
  public Bundle matchStudies(
      @IdParam(optional = true) IdType patient,
      @Description(
              shortDefinition =
                  "Type level only: the patient's record as a Bundle, evaluated in memory and not"
                      + " stored")
          @OperationParam(name = "record", max = 1)
          Bundle record,
      @Description(shortDefinition = "Reference date (YYYY-MM-DD); default today")
          @OperationParam(name = "date", max = 1)
          DateType date,
      RequestDetails request) {
    boolean stored = patient != null && patient.hasIdPart();
    if (stored == (record != null)) {
      throw new InvalidRequestException(
          stored
              ? "Patient/[id]/$match-studies evaluates the stored patient: 'record' is for"
                  + " Patient/$match-studies"
              : "Patient/$match-studies needs 'record' (a Bundle); or call"
                  + " Patient/[id]/$match-studies");
    }
    LocalDate day = OperationDates.dayOrToday(date);
    return stored
        ? service.matchStudies(patient, day, request)
        : service.matchRecord(record, day, request);
  }
}
