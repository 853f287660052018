package org.trialfhir.subject;

import org.hl7.fhir.r4.model.ResearchStudy;
import org.springframework.stereotype.Component;

/**
 * The study's lock that enrolments take ({@link EnrolmentGuard#lock}), for other writers of a
 * study's subjects that must take turns with them and with each other: e.g. the first screening
 * record of a patient, which creates the patient's one subject for the study.
 */
@Component
public class StudyLocks {

  private final EnrolmentGuard guard;

  StudyLocks(EnrolmentGuard guard) {
    this.guard = guard;
  }

  /** Holds the study's row lock until the current transaction ends; 409 if not granted in time. */
  public void lock(ResearchStudy study) {
    guard.lock(study);
  }
}
