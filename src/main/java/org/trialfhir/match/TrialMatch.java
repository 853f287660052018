package org.trialfhir.match;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.LocalDate;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.SearchEntryMode;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.springframework.stereotype.Component;
import org.trialfhir.eligibility.EligibilityService;
import org.trialfhir.server.InternalSearch;

/**
 * The mCODE {@code ResearchStudy/$match} over the in-memory evaluation ({@link
 * EligibilityService#matchRecord(Bundle, List, LocalDate, RequestDetails)}): the studies the
 * filters choose, searched as the caller, each judged against the supplied record; the answer is
 * the {@code $match-studies} searchset (every study evaluated, ineligible ones included with their
 * low score, best match first). zipCode and travelRadius cannot be used, as the server holds no
 * geography: they are accepted, and an OperationOutcome entry (search.mode outcome) says so.
 */
@Component
class TrialMatch {

  private final DaoRegistry daos;
  private final EligibilityService eligibility;

  TrialMatch(DaoRegistry daos, EligibilityService eligibility) {
    this.daos = daos;
    this.eligibility = eligibility;
  }

  Bundle match(Bundle clinicalData, MatchFilters filters, LocalDate date, RequestDetails request) {
    if (clinicalData == null) {
      throw new InvalidRequestException(
          "Parameter 'trialMatchClinicalData' (a Bundle holding the patient's record) is"
              + " required");
    }
    SearchParameterMap search =
        InternalSearch.map("status", new TokenParam(filters.recruitmentStatus()));
    if (filters.phase() != null) {
      search.add("phase", new TokenParam(filters.phase()));
    }
    List<ResearchStudy> studies =
        daos.getResourceDao(ResearchStudy.class).search(search, request).getAllResources().stream()
            .map(ResearchStudy.class::cast)
            .toList();
    Bundle answer = eligibility.matchRecord(clinicalData, studies, date, request);
    if (filters.zipCode() != null || filters.travelRadius() != null) {
      OperationOutcome note = new OperationOutcome();
      note.addIssue()
          .setSeverity(IssueSeverity.INFORMATION)
          .setCode(IssueType.INFORMATIONAL)
          .setDiagnostics(
              "zipCode and travelRadius were not used: this server holds no geography, so the"
                  + " studies are not filtered by distance");
      answer.addEntry().setResource(note).getSearch().setMode(SearchEntryMode.OUTCOME);
    }
    return answer;
  }
}
