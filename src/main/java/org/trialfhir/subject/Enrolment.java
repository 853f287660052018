package org.trialfhir.subject;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.ResearchSubject.ResearchSubjectStatus;
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
import org.trialfhir.subject.Allocations.Allocation;

/**
 * Enrols a patient in a study in one transaction: checks eligibility and consent, then, holding the
 * study's lock, refuses duplicates and a full study, allocates an arm for a randomised study,
 * writes the ResearchSubject and the Provenance of the investigator's confirmations. Any refusal
 * rolls everything back.
 *
 * <p>The enrolment date is never after today, and one before today is a late entry with its reason
 * (EntryDateRule holds the same for every write of a subject). The manual-review criteria are
 * confirmed only by a caller with the investigator role, in their own session: a coordinator's
 * enrolment of a patient with such criteria waits for the investigator's own $enroll.
 *
 * <p>What it reads (study, patient, consent, the record judged) it reads as the caller, so the
 * caller's access rules apply. What it writes (the allocation, the subject that carries it, the
 * Provenance) are the server's own records of a decision it made under its rules: a blinded caller
 * may not write an allocation itself, so these are written as the server, and the operation is
 * audited as the caller.
 */
@Service
class Enrolment {

  static final String PROFILE =
      "http://trialfhir.org/fhir/StructureDefinition/trial-research-subject";
  static final String ALLOCATION_EXTENSION =
      "http://trialfhir.org/fhir/StructureDefinition/treatment-allocation";
  static final String SCREENING_REASON =
      "http://trialfhir.org/fhir/StructureDefinition/screening-reason";

  /**
   * Request user data by which {@link SubjectStatusInterceptor} lets this operation, and only it,
   * put a pre-enrolment subject on study.
   */
  static final String ENROLLING = Enrolment.class.getName() + ".enrolling";

  /** The request's user data by which the audit trail knows what an operation entered late. */
  private static final String WRITTEN_LATE = "org.trialfhir.late-entry";

  /**
   * What $enroll was asked; {@code consent} and {@code lateEntryReason} may be null. The person who
   * confirms the manual-review criteria is not asked: it is the caller.
   */
  record Request(
      IdType study,
      Reference patient,
      Reference consent,
      List<String> confirmed,
      LocalDate date,
      String lateEntryReason) {}

  private final DaoRegistry daos;
  private final EligibilityService eligibility;
  private final EnrolmentGuard guard;
  private final Allocations allocations;
  private final EnrolmentRecords records;
  private final EntryDates dates;
  private final SecurityProperties security;

  Enrolment(
      DaoRegistry daos,
      EligibilityService eligibility,
      EnrolmentGuard guard,
      Allocations allocations,
      EnrolmentRecords records,
      EntryDates dates,
      SecurityProperties security) {
    this.daos = daos;
    this.eligibility = eligibility;
    this.guard = guard;
    this.allocations = allocations;
    this.records = records;
    this.dates = dates;
    this.security = security;
  }

  @Transactional
  ResearchSubject enrol(Request request, RequestDetails caller) {
    IdType patientId = typed(request.patient(), "patient", "Patient", true);
    IdType consentId = typed(request.consent(), "consent", "Consent", false);
    String lateEntryReason = lateEntryReason(request);
    boolean investigator = CurrentCaller.investigator(security);
    if (!request.confirmed().isEmpty() && !investigator) {
      throw EnrolmentRecords.notTheInvestigator();
    }
    // Read as the caller first (who must be allowed to see it); then decide on the stored study,
    // whose randomisation seed a blinded caller is not shown.
    read(ResearchStudy.class, request.study(), caller);
    ResearchStudy study = read(ResearchStudy.class, request.study(), new SystemRequestDetails());
    String studyRef = EnrolmentGuard.reference(study);
    if (study.getStatus() != ResearchStudy.ResearchStudyStatus.ACTIVE) {
      throw new UnprocessableEntityException(
          studyRef
              + " is not open for enrolment: its status is '"
              + (study.hasStatus() ? study.getStatus().toCode() : "none")
              + "', not 'active'");
    }
    Optional<RandomisationPlan> plan = RandomisationPlan.of(study);
    Patient patient = read(Patient.class, patientId, caller);
    // Unlocked first look, so that a patient already on the study hears that rather than about
    // criteria; the decisive check is repeated under the study's lock below.
    guard.refuseDuplicate(study, patientId.getValue(), null);
    // As of the enrolment date, on the record as stored now (never a screening's what-if date).
    List<CriterionCheck> checks = eligibility.check(study, patient, request.date(), caller);
    Set<String> confirmed = confirmedReviews(checks, request.confirmed());
    List<CriterionCheck> blocking =
        checks.stream()
            .filter(
                c ->
                    c.is(Outcome.FAIL)
                        || c.is(Outcome.MISSING_DATA)
                        || (c.is(Outcome.MANUAL_REVIEW) && !confirmed.contains(c.id())))
            .toList();
    if (!blocking.isEmpty()) {
      throw EnrolmentRecords.refusal(patientId.getValue(), studyRef, blocking, investigator);
    }
    Consent consent = consent(studyRef, patientId.getValue(), consentId, caller);
    refuseConsentAfter(consent, request.date());

    guard.lock(study);
    Optional<ResearchSubject> candidate = guard.refuseDuplicate(study, patientId.getValue(), null);
    guard.refuseWhenFull(study, candidate.map(s -> s.getIdElement().getIdPart()).orElse(null));
    Optional<Allocation> allocation =
        plan.map(p -> allocations.allocate(study, p, patient, request.date()));

    ResearchSubject subject = candidate.orElseGet(ResearchSubject::new);
    subject.getMeta().addProfile(PROFILE);
    subject.setStatus(ResearchSubjectStatus.ONSTUDY);
    subject.setStudy(new Reference(studyRef));
    subject.setIndividual(new Reference(patientId.getValue()));
    subject.setConsent(new Reference(consent.getIdElement().toUnqualifiedVersionless().getValue()));
    subject.getPeriod().setStartElement(new DateTimeType(request.date().toString()));
    // An arm written on a candidate before randomisation is not the subject's arm.
    subject.setAssignedArm(null);
    subject.setActualArm(null);
    subject.getExtension().removeIf(e -> ALLOCATION_EXTENSION.equals(e.getUrl()));
    subject.getExtension().removeIf(e -> EntryDateRule.LATE_ENTRY.equals(e.getUrl()));
    // A note of the screening ($record-screening) stays in the log, not on the enrolled subject.
    subject.getExtension().removeIf(e -> SCREENING_REASON.equals(e.getUrl()));
    if (lateEntryReason != null) {
      // The storage rule (EntryDateRule) labels the subject a late entry for this reason.
      subject.addExtension(EntryDateRule.LATE_ENTRY, new StringType(lateEntryReason));
    }
    allocation.ifPresent(
        a ->
            subject.addExtension(ALLOCATION_EXTENSION, new Reference(a.allocationId().getValue())));
    if (!RandomisationPlan.masked(study)) {
      allocation.ifPresent(a -> subject.setAssignedArm(a.arm()));
    }
    if (allocation.isEmpty() && study.getArm().size() == 1) {
      subject.setAssignedArm(study.getArmFirstRep().getName());
    }
    SystemRequestDetails enrolling = new SystemRequestDetails();
    enrolling.getUserData().put(ENROLLING, Boolean.TRUE);
    IdType subjectId =
        new IdType(
            (candidate.isPresent()
                    ? daos.getResourceDao(ResearchSubject.class).update(subject, enrolling)
                    : daos.getResourceDao(ResearchSubject.class).create(subject, enrolling))
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
    allocation.ifPresent(a -> allocations.assign(a, subjectId));
    if (lateEntryReason != null) {
      // Written as the server, so no AuditEvent of the write: the operation's event says it.
      lateEntries(caller).put(subjectId.getValue(), lateEntryReason);
    }
    records.provenance(
        subjectId,
        study,
        consent,
        checks.stream().filter(c -> confirmed.contains(c.id())).toList(),
        request.date(),
        lateEntryReason);
    return read(ResearchSubject.class, subjectId, caller);
  }

  /**
   * The reason for a late enrolment (dated before today), null for one dated today; a date in the
   * future, or a late one without a reason, is a 422 naming the parameter to change or add. The
   * same rule holds for every write of an enrolled subject (EntryDateRule); it is checked here
   * first to name the operation's parameters rather than the subject's elements.
   */
  private String lateEntryReason(Request request) {
    EntryDates.Timing timing = dates.of(new DateType(request.date().toString()));
    if (timing == EntryDates.Timing.FUTURE) {
      throw new UnprocessableEntityException(
          "Enrolment date (parameter 'date') "
              + request.date()
              + " is in the future: today is "
              + dates.today()
              + " (server time zone "
              + dates.zone()
              + "). A patient is enrolled on the day it happens");
    }
    if (timing == EntryDates.Timing.TIMELY) {
      return null;
    }
    String reason = request.lateEntryReason();
    if (reason == null || reason.isBlank()) {
      throw new UnprocessableEntityException(
          "Enrolment date (parameter 'date') "
              + request.date()
              + " is before today ("
              + dates.today()
              + "): a late enrolment needs parameter 'lateEntryReason' saying why it is entered"
              + " after the fact; or enrol as of today (leave 'date' out)");
    }
    return reason.strip();
  }

  /** The records this request entered late, for its AuditEvent (audit/LateEntryAudit). */
  @SuppressWarnings("unchecked")
  private static Map<String, String> lateEntries(RequestDetails caller) {
    return (Map<String, String>)
        caller.getUserData().computeIfAbsent(WRITTEN_LATE, key -> new LinkedHashMap<>());
  }

  /** A patient is enrolled after consenting, never before: 422 for a consent dated later. */
  private static void refuseConsentAfter(Consent consent, LocalDate enrolment) {
    if (consent.getDateTimeElement().hasValue()
        && EntryDates.first(consent.getDateTimeElement()).isAfter(enrolment)) {
      throw new UnprocessableEntityException(
          consent.getIdElement().toUnqualifiedVersionless().getValue()
              + " was given on "
              + consent.getDateTimeElement().getValueAsString()
              + ", after the enrolment date "
              + enrolment
              + ": a patient is enrolled on or after the day they consent");
    }
  }

  /**
   * The confirmed ids that name manual-review criteria. An id that is no criterion of the study is
   * a 400 (a typo must not pass silently); confirming a criterion that is not manual-review changes
   * nothing, as a person cannot overrule a computed outcome.
   */
  private static Set<String> confirmedReviews(List<CriterionCheck> checks, List<String> confirmed) {
    Set<String> ids = new LinkedHashSet<>(confirmed);
    List<String> unknown =
        ids.stream().filter(id -> checks.stream().noneMatch(c -> c.id().equals(id))).toList();
    if (!unknown.isEmpty()) {
      throw new InvalidRequestException(
          "Parameter 'confirmed' names no criterion of this study: "
              + String.join(", ", unknown)
              + " (the criteria ids are those $eligibility returns)");
    }
    Set<String> reviews = new LinkedHashSet<>();
    checks.stream()
        .filter(c -> c.is(Outcome.MANUAL_REVIEW) && ids.contains(c.id()))
        .forEach(c -> reviews.add(c.id()));
    return reviews;
  }

  /** The consent given, checked; or the patient's research consent for the study on record. */
  private Consent consent(
      String studyRef, String patientRef, IdType consentId, RequestDetails caller) {
    if (consentId != null) {
      Consent given = read(Consent.class, consentId, caller);
      boolean patientMatches =
          given.getPatient().hasReference()
              && patientRef.equals(
                  new IdType(given.getPatient().getReference())
                      .toUnqualifiedVersionless()
                      .getValue());
      if (!patientMatches || ResearchConsents.forStudy(List.of(given), studyRef).isEmpty()) {
        throw new UnprocessableEntityException(
            consentId.getValue()
                + " is not research consent of "
                + patientRef
                + " for "
                + studyRef
                + ": it must be active, have scope research, be the patient's and reference the"
                + " study in extension consent-ResearchStudyContext");
      }
      return given;
    }
    SearchParameterMap mine = InternalSearch.map("patient", new ReferenceParam(patientRef));
    List<Consent> onRecord =
        daos.getResourceDao(Consent.class).search(mine, caller).getAllResources().stream()
            .map(Consent.class::cast)
            .toList();
    List<Consent> forStudy = ResearchConsents.forStudy(onRecord, studyRef);
    if (forStudy.isEmpty()) {
      throw new UnprocessableEntityException(
          "No active research consent of "
              + patientRef
              + " for "
              + studyRef
              + " is on record; record it, or give it as parameter 'consent'");
    }
    return forStudy.get(0);
  }

  private static IdType typed(Reference reference, String name, String type, boolean required) {
    if (reference == null || !reference.hasReference()) {
      if (required) {
        throw new InvalidRequestException(
            "Parameter '" + name + "' is required, e.g. {\"reference\": \"" + type + "/123\"}");
      }
      return null;
    }
    IdType id = new IdType(reference.getReference()).toUnqualifiedVersionless();
    if (!type.equals(id.getResourceType()) || !id.hasIdPart()) {
      throw new InvalidRequestException(
          "Parameter '"
              + name
              + "' must reference a "
              + type
              + ", not '"
              + reference.getReference()
              + "'");
    }
    return id;
  }

  private <T extends IBaseResource> T read(Class<T> type, IdType id, RequestDetails caller) {
    return daos.getResourceDao(type).read(id.toUnqualifiedVersionless(), caller);
  }
}
