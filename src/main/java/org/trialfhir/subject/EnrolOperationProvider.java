package org.trialfhir.subject;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.List;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;
import org.trialfhir.server.OperationDates;

/** Binds ResearchStudy/[id]/$enroll and hands it to {@link Enrolment}. */
@Component
public class EnrolOperationProvider implements FhirProvider {

  private final Enrolment enrolment;

  EnrolOperationProvider(Enrolment enrolment) {
    this.enrolment = enrolment;
  }

  @Operation(
      name = "$enroll",
      type = ResearchStudy.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchStudy-enroll")
  @Description(
      shortDefinition = "Enrol an eligible, consenting patient in this study",
      value =
          "Checks eligibility and consent, refuses with the blocking criteria, respects the target"
              + " enrolment, randomises, and returns the on-study ResearchSubject.")
  public ResearchSubject enroll(
      @IdParam IdType study,
      @Description(shortDefinition = "The patient, e.g. Patient/123")
          @OperationParam(name = "patient", min = 1, max = 1)
          Reference patient,
      @Description(
              shortDefinition =
                  "The research Consent for this study; default: the one on record for the patient")
          @OperationParam(name = "consent", max = 1)
          Reference consent,
      @Description(
              shortDefinition =
                  "Ids of manual-review criteria the caller, an investigator, confirms")
          @OperationParam(name = "confirmed", max = OperationParam.MAX_UNLIMITED)
          List<StringType> confirmed,
      @Description(
              shortDefinition = "No longer accepted: the investigator who confirms is the caller")
          @OperationParam(name = "confirmer", max = 1)
          Reference confirmer,
      @Description(shortDefinition = "Enrolment date (YYYY-MM-DD), today or before; default today")
          @OperationParam(name = "date", max = 1)
          DateType date,
      @Description(
              shortDefinition =
                  "Why an enrolment dated before today is entered late; required for such a date")
          @OperationParam(name = "lateEntryReason", max = 1)
          StringType lateEntryReason,
      RequestDetails caller) {
    if (confirmer != null && !confirmer.isEmpty()) {
      // Declared only to answer it: a coordinator naming someone else is what this replaced.
      throw new InvalidRequestException(
          "Parameter 'confirmer' is no longer accepted: the investigator who confirms the"
              + " manual-review criteria is the caller, named from their token; an investigator"
              + " calls $enroll with 'confirmed' in their own session");
    }
    return enrolment.enrol(
        new Enrolment.Request(
            study,
            patient,
            consent,
            confirmed == null ? List.of() : confirmed.stream().map(StringType::getValue).toList(),
            OperationDates.dayOrToday(date),
            lateEntryReason == null ? null : lateEntryReason.getValue()),
        caller);
  }
}
