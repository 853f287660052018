package org.trialfhir.screeninglog;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.trialfhir.eligibility.CriterionCheck;
import org.trialfhir.eligibility.EligibilityService;
import org.trialfhir.eligibility.Outcome;
import org.trialfhir.eligibility.ResearchConsents;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.SecurityProperties;
import org.trialfhir.server.InternalSearch;
import org.trialfhir.subject.ServerRecords;
import org.trialfhir.subject.StudyLocks;
import org.trialfhir.subject.SubjectStatusTransitions;

/**
 * Records where a patient stands in a study's screening ($record-screening): the patient's one
 * pre-enrolment ResearchSubject for the study takes the status (created at the first record), and a
 * Provenance names who recorded it, when, and why for a screen failure or a refusal. These are the
 * screening log's entries ({@link ScreeningLog}).
 *
 * <p>Acts for its caller: the study, patient, subject and consent are read as the caller and the
 * subject is written as the caller, so every write rule applies (the lifecycle's transitions, the
 * caller's scopes). The Provenance is the server's record of the act, written as the server as for
 * $enroll (an investigator's token may write subjects, not Provenance), naming the caller from
 * their token. A pre-enrolment subject never has an arm: one written there directly is removed.
 */
@Service
class ScreeningRecords {

  static final String REASON = "http://trialfhir.org/fhir/StructureDefinition/screening-reason";
  static final String PROFILE =
      "http://trialfhir.org/fhir/StructureDefinition/trial-research-subject";
  private static final String ALLOCATION =
      "http://trialfhir.org/fhir/StructureDefinition/treatment-allocation";
  private static final String PARTICIPANT =
      "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

  /** What $record-screening was asked; {@code reason} may be null. */
  record Request(IdType study, Reference patient, String status, String reason) {}

  private final DaoRegistry daos;
  private final EligibilityService eligibility;
  private final SecurityProperties security;
  private final StudyLocks locks;

  ScreeningRecords(
      DaoRegistry daos,
      EligibilityService eligibility,
      SecurityProperties security,
      StudyLocks locks) {
    this.daos = daos;
    this.eligibility = eligibility;
    this.security = security;
    this.locks = locks;
  }

  @Transactional
  ResearchSubject record(Request request, RequestDetails caller) {
    if (request.status() == null || request.status().isBlank()) {
      throw new InvalidRequestException("Parameter 'status' is required");
    }
    ScreeningStatus status = ScreeningStatus.ofCode(request.status().strip());
    String reason =
        request.reason() == null || request.reason().isBlank() ? null : request.reason().strip();
    if (status.needsReason() && reason == null) {
      throw new InvalidRequestException(
          "A "
              + status.display().toLowerCase()
              + " is logged with its reason: parameter 'reason' is required for status '"
              + status.code()
              + "'");
    }
    IdType patientId = patient(request.patient(), caller.getFhirServerBase());
    ResearchStudy study =
        daos.getResourceDao(ResearchStudy.class)
            .read(request.study().toUnqualifiedVersionless(), caller);
    String studyRef = "ResearchStudy/" + study.getIdElement().getIdPart();
    Patient patient = daos.getResourceDao(Patient.class).read(patientId, caller);
    IFhirResourceDao<ResearchSubject> subjects = daos.getResourceDao(ResearchSubject.class);
    // Taking turns with enrolments and other records for the study, so that two first records of
    // one patient at the same moment do not create two subjects: the second finds the first's.
    locks.lock(study);
    Optional<ResearchSubject> existing = subjectOf(studyRef, patientId.getValue(), caller);
    String from = existing.map(s -> s.hasStatus() ? s.getStatus().toCode() : null).orElse(null);
    if (from != null
        && (SubjectStatusTransitions.ENROLLED.contains(from)
            || SubjectStatusTransitions.LEFT.contains(from))) {
      throw conflict(
          patientId.getValue()
              + " is already a subject of "
              + studyRef
              + " (status "
              + from
              + "): their screening is over");
    }
    String to = status.subjectStatus().toCode();
    if (!SubjectStatusTransitions.allowed(from, to)) {
      throw new UnprocessableEntityException(
          "The screening of "
              + patientId.getValue()
              + " cannot go from '"
              + ScreeningStatus.ofSubject(existing.get().getStatus()).orElseThrow().display()
              + "' to '"
              + status.display()
              + "': a screening moves forward only; "
              + (SubjectStatusTransitions.next(from).isEmpty()
                  ? "it is closed"
                  : "next may be: "
                      + new TreeSet<>(SubjectStatusTransitions.next(from))
                          .stream()
                              .map(ResearchSubject.ResearchSubjectStatus::fromCode)
                              .map(ScreeningStatus::ofSubject)
                              .flatMap(Optional::stream)
                              .filter(ScreeningStatus::recordable)
                              .map(ScreeningStatus::display)
                              .distinct()
                              .collect(Collectors.joining(", "))));
    }
    ResearchSubject subject = existing.orElseGet(ResearchSubject::new);
    if (status == ScreeningStatus.ELIGIBLE) {
      refuseFailing(study, patient, patientId.getValue(), caller);
    }
    if (status == ScreeningStatus.CONSENTED) {
      subject.setConsent(new Reference(consent(studyRef, patientId.getValue(), caller)));
    }
    subject.getMeta().addProfile(PROFILE);
    subject.setStatus(status.subjectStatus());
    subject.setStudy(new Reference(studyRef));
    subject.setIndividual(new Reference(patientId.getValue()));
    // Before enrolment nobody has an arm (blinding: an arm is drawn by $enroll, and then masked).
    subject.setAssignedArm(null);
    subject.setActualArm(null);
    subject.getExtension().removeIf(e -> ALLOCATION.equals(e.getUrl()));
    subject.getExtension().removeIf(e -> REASON.equals(e.getUrl()));
    if (reason != null) {
      subject.addExtension(REASON, new StringType(reason));
    }
    IdType written =
        (IdType)
            (existing.isPresent()
                    ? subjects.update(subject, caller)
                    : subjects.create(subject, caller))
                .getId();
    provenance(written, status, reason);
    return subjects.read(written.toUnqualifiedVersionless(), caller);
  }

  /** The patient's subject for the study (any status), as the caller may see it. */
  private Optional<ResearchSubject> subjectOf(
      String studyRef, String patientRef, RequestDetails caller) {
    SearchParameterMap map = InternalSearch.map("study", new ReferenceParam(studyRef));
    map.add("patient", new ReferenceParam(patientRef));
    List<ResearchSubject> found =
        daos.getResourceDao(ResearchSubject.class).search(map, caller).getAllResources().stream()
            .map(ResearchSubject.class::cast)
            .toList();
    // An enrolled or former subject speaks first (the screening is over), then the oldest.
    return found.stream()
        .filter(
            s ->
                s.hasStatus()
                    && (SubjectStatusTransitions.ENROLLED.contains(s.getStatus().toCode())
                        || SubjectStatusTransitions.LEFT.contains(s.getStatus().toCode())))
        .findFirst()
        .or(() -> found.stream().findFirst());
  }

  /**
   * Eligible is refused (422) while a criterion fails on today's record: the log must not say
   * eligible where the server says not. Missing data and a person's review do not stand in the way
   * here (consent, for one, comes after); $enroll decides on everything.
   */
  private void refuseFailing(
      ResearchStudy study, Patient patient, String patientRef, RequestDetails caller) {
    List<CriterionCheck> failing =
        eligibility.check(study, patient, LocalDate.now(), caller).stream()
            .filter(c -> c.is(Outcome.FAIL))
            .toList();
    if (!failing.isEmpty()) {
      OperationOutcome outcome = new OperationOutcome();
      String summary =
          patientRef
              + " is not eligible on today's record: "
              + failing.size()
              + (failing.size() == 1 ? " criterion fails" : " criteria fail")
              + "; record a screen failure with its reason instead";
      outcome
          .addIssue()
          .setSeverity(OperationOutcome.IssueSeverity.ERROR)
          .setCode(OperationOutcome.IssueType.BUSINESSRULE)
          .setDiagnostics(summary);
      failing.forEach(
          c ->
              outcome
                  .addIssue()
                  .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                  .setCode(OperationOutcome.IssueType.BUSINESSRULE)
                  .setDiagnostics(c.id() + " fails: " + c.reason()));
      throw new UnprocessableEntityException(summary, outcome);
    }
  }

  /** The patient's active research consent for the study on record; 422 when there is none. */
  private String consent(String studyRef, String patientRef, RequestDetails caller) {
    List<Consent> onRecord =
        daos
            .getResourceDao(Consent.class)
            .search(InternalSearch.map("patient", new ReferenceParam(patientRef)), caller)
            .getAllResources()
            .stream()
            .map(Consent.class::cast)
            .toList();
    return ResearchConsents.forStudy(onRecord, studyRef).stream()
        .findFirst()
        .map(c -> c.getIdElement().toUnqualifiedVersionless().getValue())
        .orElseThrow(
            () ->
                new UnprocessableEntityException(
                    "No active research consent of "
                        + patientRef
                        + " for "
                        + studyRef
                        + " is on record: record the signed consent, then mark the patient"
                        + " consented"));
  }

  private void provenance(IdType subject, ScreeningStatus status, String reason) {
    Provenance provenance = new Provenance();
    provenance.addTarget(new Reference(subject.getValue()));
    Date now = new Date();
    provenance.setOccurred(new DateTimeType(now));
    provenance.setRecorded(now);
    provenance
        .getActivity()
        .addCoding(new Coding(ScreeningStatus.SYSTEM, status.code(), status.display()));
    if (reason != null) {
      provenance.addReason().setText(reason);
    }
    Reference person = CurrentCaller.person(security);
    Provenance.ProvenanceAgentComponent author = provenance.addAgent();
    author.getType().addCoding(new Coding(PARTICIPANT, "author", "Author"));
    author.setWho(
        person != null
            ? person
            : new Reference().setDisplay("not identified: access control is off"));
    Reference client = CurrentCaller.agent(security);
    if (client != null) {
      Provenance.ProvenanceAgentComponent performer = provenance.addAgent();
      performer.getType().addCoding(new Coding(PARTICIPANT, "performer", "Performer"));
      performer.setWho(client);
    }
    // Marked as the server's record: the screening log counts only such entries.
    daos.getResourceDao(Provenance.class)
        .create(ServerRecords.mark(provenance), ServerRecords.writer());
  }

  /**
   * The local Patient a reference names. An absolute reference to another server (the patient there
   * is not Patient/1 here) is a 400; one to this server's own base is local.
   */
  static IdType patient(Reference reference, String serverBase) {
    if (reference == null || !reference.hasReference()) {
      throw new InvalidRequestException(
          "Parameter 'patient' is required, e.g. {\"reference\": \"Patient/123\"}");
    }
    IdType given = new IdType(reference.getReference());
    if (given.hasBaseUrl() && !sameBase(given.getBaseUrl(), serverBase)) {
      throw new InvalidRequestException(
          "Parameter 'patient' must reference a Patient on this server, e.g. Patient/123, not '"
              + reference.getReference()
              + "'");
    }
    IdType id = given.toUnqualifiedVersionless();
    if (!"Patient".equals(id.getResourceType()) || !id.hasIdPart()) {
      throw new InvalidRequestException(
          "Parameter 'patient' must reference a Patient, not '" + reference.getReference() + "'");
    }
    return id;
  }

  private static boolean sameBase(String base, String serverBase) {
    return serverBase != null && strip(base).equals(strip(serverBase));
  }

  private static String strip(String base) {
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  private static ResourceVersionConflictException conflict(String message) {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.CONFLICT)
        .setDiagnostics(message);
    return new ResourceVersionConflictException(message, outcome);
  }
}
