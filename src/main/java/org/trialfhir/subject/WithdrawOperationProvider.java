package org.trialfhir.subject;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;
import org.trialfhir.server.OperationDates;

/** Binds ResearchSubject/[id]/$withdraw and hands it to {@link SubjectWithdrawal}. */
@Component
public class WithdrawOperationProvider implements FhirProvider {

  private final SubjectWithdrawal withdrawal;

  WithdrawOperationProvider(SubjectWithdrawal withdrawal) {
    this.withdrawal = withdrawal;
  }

  @Operation(
      name = "$withdraw",
      type = ResearchSubject.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchSubject-withdraw")
  @Description(
      shortDefinition = "Withdraw a subject from the study",
      value =
          "Sets status withdrawn and ends the subject's period; the reason is kept as an extension.")
  public ResearchSubject withdraw(
      @IdParam IdType subject,
      @Description(shortDefinition = "Why the subject leaves the study")
          @OperationParam(name = "reason", min = 1, max = 1)
          StringType reason,
      @Description(shortDefinition = "Date of withdrawal (YYYY-MM-DD); default today")
          @OperationParam(name = "date", max = 1)
          DateType date,
      RequestDetails caller) {
    return withdrawal.withdraw(
        subject,
        reason == null ? null : reason.getValue(),
        OperationDates.dayOrToday(date),
        caller);
  }
}
