package org.trialfhir.outcome;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;
import org.trialfhir.server.OperationDates;

/** Binds ResearchSubject/[id]/$visits and hands it to {@link VisitsService}. */
@Component
public class VisitsProvider implements FhirProvider {

  private final VisitsService visits;

  VisitsProvider(VisitsService visits) {
    this.visits = visits;
  }

  @Operation(
      name = "$visits",
      idempotent = true,
      type = ResearchSubject.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchSubject-visits")
  @Description(
      shortDefinition = "The subject's visits: done, due, overdue or upcoming, and missing results",
      value =
          "Per visit of the study's schedule of activities: its window and target date, its status"
              + " on the given day, the encounters and results that show it done, and the results"
              + " it expects that are not recorded yet.")
  public Parameters visits(
      @IdParam IdType subject,
      @Description(shortDefinition = "The day to judge on (YYYY-MM-DD); default today")
          @OperationParam(name = "date", max = 1)
          DateType date,
      RequestDetails caller) {
    return visits.visits(subject, OperationDates.dayOrToday(date), caller);
  }
}
