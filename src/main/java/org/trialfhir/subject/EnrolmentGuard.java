package org.trialfhir.subject;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.PersistenceException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.UnsignedIntType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.InternalSearch;

/**
 * The two rules every write of an enrolled subject obeys, whoever writes it: a patient is on a
 * study at most once, and never more subjects are on study than its target. Both are decided while
 * holding a row lock on the study, so concurrent enrolments into one study take turns and each sees
 * what the previous one committed.
 */
@Component
class EnrolmentGuard {

  static final String RECRUITMENT =
      "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.recruitment";

  private final DaoRegistry daos;

  @PersistenceContext private EntityManager entityManager;

  EnrolmentGuard(DaoRegistry daos) {
    this.daos = daos;
  }

  /**
   * Locks the study's row until the transaction ends. A lock not granted in time (another enrolment
   * holds it for long) is a 409 the client may retry.
   */
  void lock(ResearchStudy study) {
    Object pid =
        daos.getResourceDao(ResearchStudy.class)
            .readEntity(study.getIdElement().toUnqualifiedVersionless(), new SystemRequestDetails())
            .getPersistentId()
            .getId();
    try {
      entityManager
          .createNativeQuery("SELECT RES_ID FROM HFJ_RESOURCE WHERE RES_ID = :pid FOR UPDATE")
          .setParameter("pid", pid)
          .getResultList();
      // Earlier entries of the same transaction bundle must be visible to the checks below.
      entityManager.flush();
    } catch (PersistenceException e) {
      throw conflict(
          IssueType.TRANSIENT,
          "Another enrolment into "
              + reference(study)
              + " is in progress and did not finish in time; please retry");
    }
  }

  /**
   * Refuses (409) a patient who is or was on the study, or whose screening for it ended (screen
   * failure, declined), ignoring the subject being written; returns the patient's subject record
   * from before enrolment (e.g. a candidate), if there is one.
   */
  Optional<ResearchSubject> refuseDuplicate(
      ResearchStudy study, String patientReference, String ignoredSubjectId) {
    Optional<ResearchSubject> before = Optional.empty();
    for (ResearchSubject other : subjects(study, patientReference)) {
      String id = other.getIdElement().getIdPart();
      if (Objects.equals(id, ignoredSubjectId)) {
        continue;
      }
      String status = other.getStatus() == null ? null : other.getStatus().toCode();
      if (SubjectStatusTransitions.ENROLLED.contains(status)
          || SubjectStatusTransitions.LEFT.contains(status)) {
        throw conflict(
            IssueType.DUPLICATE,
            patientReference
                + " is already a subject of "
                + reference(study)
                + " (ResearchSubject/"
                + id
                + ", status "
                + status
                + ") and cannot be enrolled again");
      }
      if (SubjectStatusTransitions.SCREENING_ENDED.contains(status)) {
        // A screen failure or a refusal is final: enrolling the patient anyway would contradict
        // the screening log (a new screening is a new decision, not an enrolment over it).
        throw conflict(
            IssueType.BUSINESSRULE,
            patientReference
                + "'s screening for "
                + reference(study)
                + " ended (ResearchSubject/"
                + id
                + ", status "
                + status
                + ": "
                + ("ineligible".equals(status) ? "screen failure" : "declined")
                + ") and cannot be enrolled");
      }
      if (before.isEmpty() && SubjectStatusTransitions.BEFORE_ENROLMENT.contains(status)) {
        before = Optional.of(other);
      }
    }
    return before;
  }

  /** Refuses (409) when the study's target number of subjects is already on study. */
  void refuseWhenFull(ResearchStudy study, String ignoredSubjectId) {
    Optional<Integer> target = targetNumber(study);
    if (target.isEmpty()) {
      return;
    }
    long enrolled =
        subjects(study, null).stream()
            .filter(s -> !Objects.equals(s.getIdElement().getIdPart(), ignoredSubjectId))
            .filter(
                s ->
                    s.getStatus() != null
                        && SubjectStatusTransitions.ENROLLED.contains(s.getStatus().toCode()))
            .count();
    if (enrolled >= target.get()) {
      throw conflict(
          IssueType.BUSINESSRULE,
          reference(study)
              + " is full: "
              + enrolled
              + " of its target "
              + target.get()
              + " subjects are on study");
    }
  }

  static Optional<Integer> targetNumber(ResearchStudy study) {
    Extension recruitment = study.getExtensionByUrl(RECRUITMENT);
    if (recruitment == null) {
      return Optional.empty();
    }
    Extension target = recruitment.getExtensionByUrl("targetNumber");
    return target != null && target.getValue() instanceof UnsignedIntType n && n.hasValue()
        ? Optional.of(n.getValue())
        : Optional.empty();
  }

  private List<ResearchSubject> subjects(ResearchStudy study, String patientReference) {
    SearchParameterMap map = InternalSearch.map("study", new ReferenceParam(reference(study)));
    if (patientReference != null) {
      map.add("patient", new ReferenceParam(patientReference));
    }
    return daos
        .getResourceDao(ResearchSubject.class)
        .search(map, new SystemRequestDetails())
        .getAllResources()
        .stream()
        .map(ResearchSubject.class::cast)
        .toList();
  }

  static String reference(ResearchStudy study) {
    return "ResearchStudy/" + study.getIdElement().getIdPart();
  }

  private static ResourceVersionConflictException conflict(IssueType type, String message) {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(type)
        .setDiagnostics(message);
    return new ResourceVersionConflictException(message, outcome);
  }
}
