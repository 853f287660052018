package org.trialfhir.screeninglog;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.ResearchSubject.ResearchSubjectStatus;

/**
 * A patient's place in a study's screening, as the coordinator says it (CodeSystem
 * screening-status), and the R4 ResearchSubject status that records it. One subject per patient and
 * study carries the current status; its versions, each with a Provenance, are the screening log.
 */
enum ScreeningStatus {
  NOT_CONTACTED("not-contacted", "Not contacted", ResearchSubjectStatus.POTENTIALCANDIDATE, false),
  CONTACTED("contacted", "Contacted", ResearchSubjectStatus.CANDIDATE, false),
  SCREENING("screening", "Screening", ResearchSubjectStatus.SCREENING, false),
  ELIGIBLE("eligible", "Eligible", ResearchSubjectStatus.ELIGIBLE, false),
  SCREEN_FAILURE("screen-failure", "Screen failure", ResearchSubjectStatus.INELIGIBLE, true),
  DECLINED("declined", "Declined", ResearchSubjectStatus.NOTREGISTERED, true),
  CONSENTED("consented", "Consented", ResearchSubjectStatus.PENDINGONSTUDY, false),
  /** Set by $enroll only: enrolment has its own rules (eligibility, consent, randomisation). */
  ENROLLED("enrolled", "Enrolled", ResearchSubjectStatus.ONSTUDY, false),
  /** Left the study after enrolment ($withdraw); never recorded through the screening log. */
  LEFT("left", "Left the study", ResearchSubjectStatus.WITHDRAWN, false);

  static final String SYSTEM = "http://trialfhir.org/fhir/CodeSystem/screening-status";

  private final String code;
  private final String display;
  private final ResearchSubjectStatus subjectStatus;
  private final boolean needsReason;

  ScreeningStatus(
      String code, String display, ResearchSubjectStatus subjectStatus, boolean needsReason) {
    this.code = code;
    this.display = display;
    this.subjectStatus = subjectStatus;
    this.needsReason = needsReason;
  }

  String code() {
    return code;
  }

  String display() {
    return display;
  }

  ResearchSubjectStatus subjectStatus() {
    return subjectStatus;
  }

  /** A screen failure and a refusal are logged with their reason (CONSORT's exclusion boxes). */
  boolean needsReason() {
    return needsReason;
  }

  /** What a coordinator records with $record-screening: not enrolment, not leaving the study. */
  boolean recordable() {
    return this != ENROLLED && this != LEFT;
  }

  /** The status of this code; 400 naming the codes a coordinator may record otherwise. */
  static ScreeningStatus ofCode(String code) {
    return Arrays.stream(values())
        .filter(s -> s.recordable() && s.code.equals(code))
        .findFirst()
        .orElseThrow(
            () ->
                new InvalidRequestException(
                    "Unknown screening status '"
                        + code
                        + "': one of "
                        + Arrays.stream(values())
                            .filter(ScreeningStatus::recordable)
                            .map(ScreeningStatus::code)
                            .collect(Collectors.joining(", "))
                        + (ENROLLED.code.equals(code)
                            ? " (a patient is enrolled with $enroll, which checks eligibility,"
                                + " consent and randomisation)"
                            : "")));
  }

  /** The screening status a ResearchSubject status records; empty for none (no status). */
  static Optional<ScreeningStatus> ofSubject(ResearchSubjectStatus status) {
    if (status == null || status == ResearchSubjectStatus.NULL) {
      return Optional.empty();
    }
    return Optional.of(
        switch (status) {
          case POTENTIALCANDIDATE -> NOT_CONTACTED;
          case CANDIDATE -> CONTACTED;
          case SCREENING -> SCREENING;
          case ELIGIBLE -> ELIGIBLE;
          case INELIGIBLE -> SCREEN_FAILURE;
          case NOTREGISTERED -> DECLINED;
          case PENDINGONSTUDY -> CONSENTED;
          case ONSTUDY, ONSTUDYINTERVENTION, ONSTUDYOBSERVATION, FOLLOWUP -> ENROLLED;
          default -> LEFT;
        });
  }
}
