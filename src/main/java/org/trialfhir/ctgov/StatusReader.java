package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.date;
import static org.trialfhir.ctgov.CtgovJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchStudy.ResearchStudyStatus;

/** statusModule: the overall status as a FHIR status, the start and completion dates. */
final class StatusReader {

  private static final Map<String, ResearchStudyStatus> STATUS =
      Map.of(
          "RECRUITING", ResearchStudyStatus.ACTIVE,
          "NOT_YET_RECRUITING", ResearchStudyStatus.APPROVED,
          "ENROLLING_BY_INVITATION", ResearchStudyStatus.ACTIVE,
          "ACTIVE_NOT_RECRUITING", ResearchStudyStatus.CLOSEDTOACCRUAL,
          "COMPLETED", ResearchStudyStatus.COMPLETED,
          "SUSPENDED", ResearchStudyStatus.TEMPORARILYCLOSEDTOACCRUAL,
          "TERMINATED", ResearchStudyStatus.ADMINISTRATIVELYCOMPLETED,
          "WITHDRAWN", ResearchStudyStatus.WITHDRAWN);

  private StatusReader() {}

  static void read(JsonNode status, ResearchStudy study, List<String> warnings) {
    String overall = text(status, "overallStatus", null);
    ResearchStudyStatus mapped = overall == null ? null : STATUS.get(overall);
    if (mapped == null) {
      warnings.add(
          "overallStatus '" + overall + "' has no FHIR equivalent; status set to in-review");
      mapped = ResearchStudyStatus.INREVIEW;
    }
    study.setStatus(mapped);
    Period period = new Period();
    date(text(status.path("startDateStruct"), "date", null), "startDateStruct.date")
        .ifPresent(period::setStartElement);
    date(text(status.path("completionDateStruct"), "date", null), "completionDateStruct.date")
        .ifPresent(period::setEndElement);
    if (!period.isEmpty()) {
      study.setPeriod(period);
    }
  }
}
