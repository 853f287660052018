package org.trialfhir.subject;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.eligibility.CriterionCheck;
import org.trialfhir.eligibility.Outcome;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.SecurityProperties;

/** What an enrolment leaves behind besides the subject: its Provenance, or the refusal. */
@Component
class EnrolmentRecords {

  static final String CONFIRMED_URL =
      "http://trialfhir.org/fhir/StructureDefinition/confirmed-criterion";
  static final String ACTIVITY = "http://trialfhir.org/fhir/CodeSystem/provenance-activity";
  private static final String PARTICIPANT =
      "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

  /** The system of the OAuth client ids that name who performed an enrolment. */
  private final DaoRegistry daos;

  private final SecurityProperties security;

  EnrolmentRecords(DaoRegistry daos, SecurityProperties security) {
    this.daos = daos;
    this.security = security;
  }

  /**
   * The Provenance of the enrolment: the subject it produced, the criteria and consent it rests on,
   * who confirmed which manual-review criteria (the caller, an investigator, as their token names
   * them) and, for a late entry, why it was entered after the fact.
   */
  void provenance(
      IdType subject,
      ResearchStudy study,
      Consent consent,
      List<CriterionCheck> confirmed,
      LocalDate date,
      String lateEntryReason) {
    Provenance provenance = new Provenance();
    provenance.addTarget(new Reference(subject.getValue()));
    provenance.setOccurred(new DateTimeType(date.toString()));
    provenance.setRecorded(new Date());
    provenance.getActivity().addCoding(new Coding(ACTIVITY, "enrolment", "Enrolment"));
    if (lateEntryReason != null) {
      provenance.addReason().setText("Late entry: " + lateEntryReason);
    }
    if (!confirmed.isEmpty()) {
      // The investigator who confirmed is the caller, signed in in their own session: the token
      // names them, no parameter can name someone else.
      Reference investigator = CurrentCaller.person(security);
      Provenance.ProvenanceAgentComponent agent = provenance.addAgent();
      agent.getType().addCoding(new Coding(PARTICIPANT, "verifier", "Verifier"));
      agent.setWho(
          investigator != null
              ? investigator
              : new Reference().setDisplay("not identified: access control is off"));
    }
    // Who asked for the enrolment (the request's OAuth client and user), beside who verified it:
    // the record is written by the server, the act is the caller's.
    Reference caller = CurrentCaller.agent(security);
    if (caller != null) {
      Provenance.ProvenanceAgentComponent performer = provenance.addAgent();
      performer.getType().addCoding(new Coding(PARTICIPANT, "performer", "Performer"));
      performer.setWho(caller);
    }
    if (study.hasEnrollment()) {
      provenance
          .addEntity()
          .setRole(Provenance.ProvenanceEntityRole.SOURCE)
          .setWhat(new Reference(study.getEnrollmentFirstRep().getReference()));
    }
    provenance
        .addEntity()
        .setRole(Provenance.ProvenanceEntityRole.SOURCE)
        .setWhat(new Reference(consent.getIdElement().toUnqualifiedVersionless().getValue()));
    for (CriterionCheck criterion : confirmed) {
      Extension confirmation = provenance.addExtension().setUrl(CONFIRMED_URL);
      confirmation.addExtension("criterion", new StringType(criterion.id()));
      confirmation.addExtension("description", new StringType(criterion.description()));
    }
    // Marked as the server's record: the screening log counts only such enrolments.
    daos.getResourceDao(Provenance.class)
        .create(ServerRecords.mark(provenance), ServerRecords.writer());
  }

  /**
   * 403: only an investigator confirms manual-review criteria, in their own signed-in session; a
   * coordinator cannot confirm them for one.
   */
  static ForbiddenOperationException notTheInvestigator() {
    String message =
        "Only an investigator confirms manual-review criteria (parameter 'confirmed'), signed in"
            + " in their own session: this caller does not have the investigator role. Leave"
            + " 'confirmed' out; the enrolment then waits for the investigator, who enrols the"
            + " patient with their confirmations";
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(IssueSeverity.ERROR)
        .setCode(IssueType.FORBIDDEN)
        .setDiagnostics(message)
        .addExpression("confirmed");
    return new ForbiddenOperationException(message, outcome);
  }

  /**
   * 422 naming each criterion that stands in the way and why; a manual-review criterion awaits the
   * investigator's confirmation, in the caller's own request if they are one.
   */
  static UnprocessableEntityException refusal(
      String patient, String study, List<CriterionCheck> blocking, boolean investigator) {
    OperationOutcome outcome = new OperationOutcome();
    String summary =
        patient
            + " cannot be enrolled in "
            + study
            + ": "
            + blocking.size()
            + " criteria stand in the way";
    outcome
        .addIssue()
        .setSeverity(IssueSeverity.ERROR)
        .setCode(IssueType.BUSINESSRULE)
        .setDiagnostics(summary);
    for (CriterionCheck criterion : blocking) {
      String what =
          switch (criterion.outcome()) {
            case FAIL -> "fails";
            case MISSING_DATA -> "has missing data (obtain it, then retry)";
            default ->
                investigator
                    ? "needs your confirmation as investigator (parameter 'confirmed')"
                    : "awaits the investigator's sign-off: an investigator enrols the patient,"
                        + " confirming it, in their own session";
          };
      outcome
          .addIssue()
          .setSeverity(IssueSeverity.ERROR)
          .setCode(
              criterion.is(Outcome.MISSING_DATA) ? IssueType.INCOMPLETE : IssueType.BUSINESSRULE)
          .setDiagnostics(criterion.id() + " " + what + ": " + criterion.reason())
          .getDetails()
          .setText(criterion.description());
    }
    return new UnprocessableEntityException(summary, outcome);
  }
}
