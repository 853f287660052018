package org.trialfhir.screeninglog;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;

/**
 * Binds ResearchStudy/[id]/$record-screening (hands it to {@link ScreeningRecords}) and
 * ResearchStudy/[id]/$screening-log (to {@link ScreeningLog}).
 */
@Component
public class ScreeningLogProvider implements FhirProvider {

  private final ScreeningRecords records;
  private final ScreeningLog log;

  ScreeningLogProvider(ScreeningRecords records, ScreeningLog log) {
    this.records = records;
    this.log = log;
  }

  @Operation(
      name = "$record-screening",
      type = ResearchStudy.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchStudy-record-screening")
  @Description(
      shortDefinition = "Record where a patient stands in the study's screening",
      value =
          "Sets the patient's pre-enrolment ResearchSubject to the status (CodeSystem"
              + " screening-status) and logs who, when and why in a Provenance.")
  public ResearchSubject recordScreening(
      @IdParam IdType study,
      @Description(shortDefinition = "The patient screened")
          @OperationParam(name = "patient", min = 1, max = 1)
          Reference patient,
      @Description(
              shortDefinition =
                  "not-contacted | contacted | screening | eligible | screen-failure | declined |"
                      + " consented")
          @OperationParam(name = "status", min = 1, max = 1)
          CodeType status,
      @Description(shortDefinition = "Why: required for screen-failure and declined")
          @OperationParam(name = "reason", max = 1)
          StringType reason,
      RequestDetails caller) {
    return records.record(
        new ScreeningRecords.Request(
            study,
            patient,
            status == null ? null : status.getValue(),
            reason == null ? null : reason.getValue()),
        caller);
  }

  @Operation(
      name = "$screening-log",
      type = ResearchStudy.class,
      idempotent = true,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchStudy-screening-log")
  @Description(
      shortDefinition = "The study's screening log as CSV",
      value =
          "One row per status recorded for a patient: screening id, when, by whom, status, reason."
              + " A Binary of type text/csv; asked for without a FHIR Accept type, the CSV itself.")
  public Binary screeningLog(@IdParam IdType study, RequestDetails caller) {
    String csv = ScreeningLog.csv(log.entries(study, caller));
    // HAPI answers a Binary asked for without a FHIR type as its raw content, with
    // "Content-Disposition: Attachment;" (its rule for every Binary); a second disposition header
    // with a file name would make browsers refuse the answer, so the page names the file itself.
    Binary binary = new Binary();
    binary.setContentType("text/csv");
    binary.setContent(csv.getBytes(StandardCharsets.UTF_8));
    return binary;
  }
}
