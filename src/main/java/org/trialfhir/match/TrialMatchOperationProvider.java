package org.trialfhir.match;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;
import org.trialfhir.server.OperationDates;

/**
 * Binds the mCODE trial-matching operation {@code ResearchStudy/$match} (the PCT IG's
 * ClinicalTrialMatchService contract; docs/finding-studies.md) and hands it to {@link TrialMatch}.
 */
@Component
public class TrialMatchOperationProvider implements FhirProvider {

  private final TrialMatch match;

  TrialMatchOperationProvider(TrialMatch match) {
    this.match = match;
  }

  @Operation(
      name = "$match",
      type = ResearchStudy.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchStudy-match")
  @Description(
      shortDefinition = "Match a patient's record, supplied as a Bundle, to studies (mCODE)",
      value =
          "Evaluates the record in memory against the studies the filters choose; answers a"
              + " searchset Bundle of ResearchStudy, best match first, entry.search.mode match"
              + " and entry.search.score in [0,1]. Nothing is stored.")
  public Bundle match(
      @Description(
              shortDefinition =
                  "The patient's record: one Patient and the resources about it (required)")
          @OperationParam(name = "trialMatchClinicalData", max = 1)
          Bundle clinicalData,
      @Description(shortDefinition = "Postal code of the patient (not used: no geography held)")
          @OperationParam(name = "zipCode", max = 1)
          StringType zipCode,
      @Description(shortDefinition = "Miles from zipCode (not used: no geography held)")
          @OperationParam(name = "travelRadius", max = 1)
          StringType travelRadius,
      @Description(shortDefinition = "Only studies of this phase (research-study-phase code)")
          @OperationParam(name = "phase", max = 1)
          StringType phase,
      @Description(
              shortDefinition =
                  "Only studies of this status (research-study-status code); default active")
          @OperationParam(name = "recruitmentStatus", max = 1)
          StringType recruitmentStatus,
      @Description(shortDefinition = "Reference date (YYYY-MM-DD); default today")
          @OperationParam(name = "date", max = 1)
          DateType date,
      RequestDetails request) {
    MatchFilters filters =
        MatchFilters.of(
            clinicalData,
            value(zipCode),
            value(travelRadius),
            value(phase),
            value(recruitmentStatus));
    return match.match(clinicalData, filters, OperationDates.dayOrToday(date), request);
  }

  private static String value(StringType value) {
    return value == null || value.isEmpty() ? null : value.getValue().trim();
  }
}
