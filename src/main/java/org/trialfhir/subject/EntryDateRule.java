package org.trialfhir.subject;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirInterceptor;
import org.trialfhir.subject.EntryDates.Timing;

/**
 * Dates that cannot lie, however a Consent or ResearchSubject is written (REST, transaction entry,
 * $enroll, $import): a consent or an enrolment dated in the future is refused (422); one dated
 * before today is a late entry, accepted only with its reason (extension {@value #LATE_ENTRY}) and
 * then labelled with the tag {@value #RECORD_LABEL}#{@value #LATE_ENTRY_CODE}, which the audit
 * trail's event of the write repeats.
 *
 * <p>Judged: Consent.dateTime and Consent.provision.period.start (no consent is given in the
 * future; the late-entry rule for research consents only, the trial's own records: an EHR's
 * historical privacy consents are not entries of this trial), and ResearchSubject.period.start of a
 * subject that is or was on study (its enrolment date; a candidate's dates are the screening log's
 * business; the late-entry rule only for a subject on study: one entered already off study or
 * withdrawn is a finished participation being migrated, e.g. a completed cohort). On an update only
 * a date that changed is judged, or a subject's start when it goes on study: a record written in
 * time stays in time when it is later withdrawn or corrected elsewhere.
 */
@Component
@Interceptor
public class EntryDateRule implements FhirInterceptor {

  static final String LATE_ENTRY = "http://trialfhir.org/fhir/StructureDefinition/late-entry";
  static final String RECORD_LABEL = "http://trialfhir.org/fhir/CodeSystem/record-label";
  static final String LATE_ENTRY_CODE = "late-entry";

  /** The user data by which the audit trail knows that a write is a late entry. */
  private static final String WRITTEN_LATE = "org.trialfhir.late-entry";

  private final EntryDates dates;

  EntryDateRule(EntryDates dates) {
    this.dates = dates;
  }

  /** Public: HAPI invokes hooks reflectively. */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    judge(null, resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource oldResource, IBaseResource newResource) {
    judge(oldResource, newResource);
  }

  private void judge(IBaseResource before, IBaseResource after) {
    List<Dated> dated = new ArrayList<>();
    boolean lateRule;
    if (after instanceof Consent consent) {
      Consent old = before instanceof Consent c ? c : null;
      dated.add(
          new Dated(
              "Consent.dateTime",
              consent.getDateTimeElement(),
              old == null ? null : old.getDateTimeElement()));
      dated.add(
          new Dated(
              "Consent.provision.period.start",
              consent.getProvision().getPeriod().getStartElement(),
              old == null ? null : old.getProvision().getPeriod().getStartElement()));
      lateRule = research(consent);
    } else if (after instanceof ResearchSubject subject && onStudyOrLeft(subject)) {
      ResearchSubject old = before instanceof ResearchSubject s && onStudyOrLeft(s) ? s : null;
      dated.add(
          new Dated(
              "ResearchSubject.period.start",
              subject.getPeriod().getStartElement(),
              old == null ? null : old.getPeriod().getStartElement()));
      // A subject entered already off study is history being migrated (e.g. a finished cohort);
      // one entered on study with a past start is a backdated enrolment.
      lateRule = SubjectStatusTransitions.ENROLLED.contains(subject.getStatus().toCode());
    } else {
      return;
    }
    DomainResource resource = (DomainResource) after;
    for (Dated date : dated) {
      if (!date.value().hasValue() || date.unchanged()) {
        continue;
      }
      Timing timing = dates.of(date.value());
      if (timing == Timing.FUTURE) {
        throw refusal(
            IssueType.BUSINESSRULE,
            date.path(),
            date.path()
                + " "
                + date.value().getValueAsString()
                + " is in the future: today is "
                + dates.today()
                + " (server time zone "
                + dates.zone()
                + "). Record it on the day it happens, with that day's date");
      }
      if (timing == Timing.LATE && lateRule) {
        String reason = reason(resource);
        if (reason == null) {
          throw refusal(
              IssueType.REQUIRED,
              date.path(),
              date.path()
                  + " "
                  + date.value().getValueAsString()
                  + " is before today ("
                  + dates.today()
                  + "): a late entry needs its reason, in extension "
                  + LATE_ENTRY
                  + " (valueString), e.g. why it is entered after the fact and from which source");
        }
        label(resource);
        // For the audit trail: the event of this write says it is a late entry (audit/).
        resource.setUserData(WRITTEN_LATE, reason);
      }
    }
  }

  /** The late-entry reason a resource carries, or null if it has none (or a blank one). */
  static String reason(DomainResource resource) {
    Extension extension = resource.getExtensionByUrl(LATE_ENTRY);
    return extension != null
            && extension.getValue() instanceof StringType text
            && text.hasValue()
            && !text.getValue().isBlank()
        ? text.getValue()
        : null;
  }

  /** Labels a resource as a late entry (once; HAPI keeps tags from version to version). */
  static void label(DomainResource resource) {
    if (resource.getMeta().getTag(RECORD_LABEL, LATE_ENTRY_CODE) == null) {
      resource.getMeta().addTag(RECORD_LABEL, LATE_ENTRY_CODE, "Late entry");
    }
  }

  private static boolean research(Consent consent) {
    return consent.getScope().getCoding().stream().anyMatch(c -> "research".equals(c.getCode()));
  }

  private static boolean onStudyOrLeft(ResearchSubject subject) {
    String status = subject.hasStatus() ? subject.getStatus().toCode() : null;
    return SubjectStatusTransitions.ENROLLED.contains(status)
        || SubjectStatusTransitions.LEFT.contains(status);
  }

  private static UnprocessableEntityException refusal(IssueType type, String path, String message) {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(IssueSeverity.ERROR)
        .setCode(type)
        .setDiagnostics(message)
        .addExpression(path);
    return new UnprocessableEntityException(message, outcome);
  }

  /** A date of the record being written and the same element's value before the write. */
  private record Dated(String path, BaseDateTimeType value, BaseDateTimeType previous) {
    boolean unchanged() {
      return previous != null
          && previous.hasValue()
          && Objects.equals(previous.getValueAsString(), value.getValueAsString());
    }
  }
}
