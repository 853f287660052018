package org.trialfhir.outcome;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.trialfhir.eligibility.ValidationSupportMembership;
import org.trialfhir.server.InternalSearch;

/**
 * ResearchSubject/$visits: reads the subject, its study's schedule of activities and the patient's
 * encounters and results as the caller, and says per visit where the subject stands ({@link
 * SubjectVisits}). The answer names no arm: visits are the same whichever arm a subject is in.
 */
@Service
class VisitsService {

  static final String VISIT_STATUS = "http://trialfhir.org/fhir/CodeSystem/visit-status";

  /** Statuses in which a subject has a start day and visits to keep (pre-enrolment ones do not). */
  private static final Set<String> FOLLOWED =
      Set.of(
          "on-study",
          "on-study-intervention",
          "on-study-observation",
          "follow-up",
          "off-study",
          "withdrawn");

  private static final Set<String> LEFT = Set.of("off-study", "withdrawn");
  private static final Set<String> CONTACTS_NOT_HELD =
      Set.of("planned", "cancelled", "entered-in-error", "unknown");

  private final DaoRegistry daos;
  private final IValidationSupport validationSupport;

  VisitsService(DaoRegistry daos, IValidationSupport validationSupport) {
    this.daos = daos;
    this.validationSupport = validationSupport;
  }

  @Transactional(readOnly = true)
  Parameters visits(IdType subjectId, LocalDate today, RequestDetails caller) {
    ResearchSubject subject =
        daos.getResourceDao(ResearchSubject.class)
            .read(subjectId.toUnqualifiedVersionless(), caller);
    String status = subject.hasStatus() ? subject.getStatus().toCode() : "";
    if (!FOLLOWED.contains(status) || !subject.getPeriod().hasStart()) {
      throw new UnprocessableEntityException(
          "This subject has no visits: it is not enrolled (status "
              + (status.isEmpty() ? "not given" : status)
              + ", no start date), and visits are counted from the day a subject starts the"
              + " study");
    }
    if (!subject.getStudy().hasReference() || !subject.getIndividual().hasReference()) {
      throw new UnprocessableEntityException("This subject names no study or no patient");
    }
    ResearchStudy study =
        daos.getResourceDao(ResearchStudy.class)
            .read(new IdType(subject.getStudy().getReference()).toUnqualifiedVersionless(), caller);
    if (!study.hasProtocol() || !study.getProtocolFirstRep().hasReference()) {
      throw new UnprocessableEntityException(
          "The study has no schedule of activities (ResearchStudy.protocol, a PlanDefinition with"
              + " one action per visit), so it has no visits to keep");
    }
    PlanDefinition plan =
        daos.getResourceDao(PlanDefinition.class)
            .read(
                new IdType(study.getProtocolFirstRep().getReference()).toUnqualifiedVersionless(),
                caller);
    VisitSchedule schedule = VisitSchedule.of(plan);
    if (schedule.visits().isEmpty()) {
      throw new UnprocessableEntityException(
          "The study's schedule of activities has no visit with a window (action.timingRange with"
              + " low and high, in days)");
    }
    LocalDate start = day(subject.getPeriod().getStartElement());
    if (start == null) {
      // A start known only to the month or year places no visit window.
      throw new UnprocessableEntityException(
          "ResearchSubject.period.start is '"
              + subject.getPeriod().getStartElement().getValueAsString()
              + "': the visits need the day the subject started");
    }
    LocalDate end =
        LEFT.contains(status) && subject.getPeriod().hasEnd()
            ? day(subject.getPeriod().getEndElement())
            : null;
    String patient =
        new IdType(subject.getIndividual().getReference()).toUnqualifiedVersionless().getValue();
    long first = schedule.visits().stream().mapToLong(VisitSchedule.Visit::from).min().orElse(0);
    long last = schedule.visits().stream().mapToLong(VisitSchedule.Visit::to).max().orElse(0);
    DateRangeParam window =
        new DateRangeParam(
            java.sql.Date.valueOf(start.plusDays(first)),
            java.sql.Date.valueOf(start.plusDays(last)));

    SubjectVisits visits =
        new SubjectVisits(
            schedule,
            SubjectVisits.expectedResults(plan),
            new ValidationSupportMembership(validationSupport));
    ValidationSupportMembership titles = new ValidationSupportMembership(validationSupport);
    List<SubjectVisits.VisitState> states =
        visits.on(
            start, end, today, contacts(patient, window, caller), results(patient, window, caller));

    Parameters out = new Parameters();
    out.addParameter()
        .setName("subject")
        .setValue(new Reference("ResearchSubject/" + subject.getIdElement().getIdPart()));
    out.addParameter().setName("start").setValue(new DateType(start.toString()));
    if (end != null) {
      out.addParameter().setName("end").setValue(new DateType(end.toString()));
    }
    out.addParameter().setName("date").setValue(new DateType(today.toString()));
    for (SubjectVisits.VisitState state : states) {
      ParametersParameterComponent visit = out.addParameter().setName("visit");
      visit.addPart().setName("id").setValue(new StringType(state.visit().id()));
      visit.addPart().setName("title").setValue(new StringType(state.visit().title()));
      visit.addPart().setName("windowStart").setValue(new DateType(state.windowStart().toString()));
      visit.addPart().setName("windowEnd").setValue(new DateType(state.windowEnd().toString()));
      visit.addPart().setName("target").setValue(new DateType(state.target().toString()));
      visit
          .addPart()
          .setName("status")
          .setValue(new Coding(VISIT_STATUS, state.status().code, null));
      state.evidence().forEach(e -> visit.addPart().setName("evidence").setValue(new Reference(e)));
      for (String valueSet : state.missing()) {
        ParametersParameterComponent missing = visit.addPart().setName("missing");
        missing.addPart().setName("valueSet").setValue(new CanonicalType(valueSet));
        missing.addPart().setName("title").setValue(new StringType(titles.title(valueSet)));
      }
    }
    return out;
  }

  private List<SubjectVisits.Contact> contacts(
      String patient, DateRangeParam window, RequestDetails caller) {
    List<SubjectVisits.Contact> contacts = new ArrayList<>();
    for (IBaseResource found : search(Encounter.class, patient, window, caller)) {
      Encounter encounter = (Encounter) found;
      if (encounter.hasStatus() && CONTACTS_NOT_HELD.contains(encounter.getStatus().toCode())) {
        continue;
      }
      if (encounter.getPeriod().hasStart()) {
        contacts.add(
            new SubjectVisits.Contact(
                day(encounter.getPeriod().getStartElement()), reference(encounter)));
      }
    }
    return contacts;
  }

  private List<SubjectVisits.Result> results(
      String patient, DateRangeParam window, RequestDetails caller) {
    List<SubjectVisits.Result> results = new ArrayList<>();
    for (IBaseResource found : search(Observation.class, patient, window, caller)) {
      Observation observation = (Observation) found;
      LocalDate day = effectiveDay(observation.getEffective());
      if (observation.hasStatus()
          && SubjectVisits.RESULT_STATUSES.contains(observation.getStatus().toCode())
          && day != null) {
        results.add(new SubjectVisits.Result(day, observation.getCode(), reference(observation)));
      }
    }
    return results;
  }

  private List<IBaseResource> search(
      Class<? extends IBaseResource> type,
      String patient,
      DateRangeParam window,
      RequestDetails caller) {
    SearchParameterMap map = InternalSearch.map("subject", new ReferenceParam(patient));
    map.add("date", window);
    return daos.getResourceDao(type).search(map, caller).getAllResources();
  }

  private static String reference(IBaseResource resource) {
    return resource.getIdElement().getResourceType() + "/" + resource.getIdElement().getIdPart();
  }

  private static LocalDate effectiveDay(Type effective) {
    if (effective instanceof BaseDateTimeType written) {
      return day(written);
    }
    if (effective instanceof org.hl7.fhir.r4.model.Period period && period.hasStart()) {
      return day(period.getStartElement());
    }
    return null;
  }

  /** The calendar day as written (a partial date, a year or a month, places nothing). */
  private static LocalDate day(BaseDateTimeType written) {
    String text = written.getValueAsString();
    return text != null && text.length() >= 10 ? LocalDate.parse(text.substring(0, 10)) : null;
  }
}
