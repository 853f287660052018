package org.trialfhir.outcome;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.UriParam;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Measure;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.trialfhir.eligibility.ValidationSupportMembership;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.SecurityProperties;
import org.trialfhir.server.InternalSearch;
import org.trialfhir.server.References;
import org.trialfhir.study.StudyDesign;

/**
 * Computes a study's endpoint report: the Measure {@link #MEASURE} says which endpoints (ValueSet,
 * unit, threshold), the study's schedule of activities which visits; the subjects' Observations and
 * the study's AdverseEvents are the data. See {@link EndpointTables} for the statistics, {@link
 * EndpointValues} for which result counts, and {@link AdverseEventTables}.
 */
@Service
class EndpointReport {

  static final String MEASURE = "http://trialfhir.org/fhir/Measure/endpoint-report";
  private static final String ENDPOINT = "http://trialfhir.org/fhir/StructureDefinition/endpoint";
  private static final String ALLOCATION =
      "http://trialfhir.org/fhir/StructureDefinition/treatment-allocation";

  /**
   * One subject of the analysis: its patient, the day its follow-up is counted from, and its arm
   * (null when unknown).
   */
  record Subject(String patient, LocalDate start, String arm) {}

  /** How one endpoint is computed, from the Measure group's {@link #ENDPOINT} extension. */
  record Endpoint(
      Measure.MeasureGroupComponent group,
      String valueSet,
      String unit,
      BigDecimal molarMass,
      BigDecimal threshold,
      String zeroMeans) {}

  private final DaoRegistry daos;
  private final IValidationSupport validationSupport;
  private final SecurityProperties security;

  EndpointReport(
      DaoRegistry daos, IValidationSupport validationSupport, SecurityProperties security) {
    this.daos = daos;
    this.validationSupport = validationSupport;
    this.security = security;
  }

  /**
   * The study is read as the caller (who must be allowed to see it); the subjects, their
   * allocations and results as the server, since the report shows only aggregates, pooled over arms
   * for a blinded caller of a masked study.
   */
  @Transactional(readOnly = true)
  MeasureReport report(IdType studyId, RequestDetails caller) {
    ResearchStudy study =
        daos.getResourceDao(ResearchStudy.class).read(studyId.toUnqualifiedVersionless(), caller);
    String studyRef = "ResearchStudy/" + study.getIdElement().getIdPart();
    if (!study.hasProtocol()) {
      throw new UnprocessableEntityException(
          studyRef
              + " has no schedule of activities (ResearchStudy.protocol, a PlanDefinition with one"
              + " action per visit), so results cannot be assigned to visits");
    }
    VisitSchedule schedule =
        VisitSchedule.of(
            read(PlanDefinition.class, new IdType(study.getProtocolFirstRep().getReference())));
    if (schedule.visits().isEmpty()) {
      throw new UnprocessableEntityException(
          "The schedule of activities of "
              + studyRef
              + " has no visit with a window (action.timingRange with low and high, in days)");
    }
    Measure measure = measure();
    List<Subject> subjects = subjects(studyRef);
    Map<String, List<Observation>> observations = new LinkedHashMap<>();
    subjects.forEach(
        s -> observations.put(s.patient(), search(Observation.class, "subject", s.patient())));

    // Per-arm results would unblind a masked study: only unblinded callers get them.
    boolean byArm = !StudyDesign.masked(study) || CurrentCaller.unblinded(security);
    // One membership cache per report: it is not thread-safe, and a ValueSet changed since the
    // last report (a site adding its local lab codes) must be seen.
    EndpointTables tables =
        new EndpointTables(schedule, new ValidationSupportMembership(validationSupport), byArm);
    MeasureReport report = new MeasureReport();
    report.setStatus(MeasureReport.MeasureReportStatus.COMPLETE);
    report.setType(MeasureReport.MeasureReportType.SUMMARY);
    report.setMeasure(MEASURE);
    report.setDate(new Date());
    report.getPeriod().setStartElement(new DateTimeType(earliest(subjects)));
    report.getPeriod().setEndElement(new DateTimeType(LocalDate.now().toString()));
    report.addExtension(
        "http://trialfhir.org/fhir/StructureDefinition/report-study", new Reference(studyRef));
    for (Measure.MeasureGroupComponent group : measure.getGroup()) {
      endpoint(group).ifPresent(e -> report.addGroup(tables.endpoint(e, subjects, observations)));
    }
    report.addGroup(
        AdverseEventTables.adverseEvents(
            search(AdverseEvent.class, "study", studyRef).stream()
                .filter(ae -> ae.getActuality() != AdverseEvent.AdverseEventActuality.POTENTIAL)
                .toList()));
    return report;
  }

  private List<Subject> subjects(String studyRef) {
    List<Subject> subjects = new ArrayList<>();
    for (ResearchSubject subject : search(ResearchSubject.class, "study", studyRef)) {
      String status = subject.hasStatus() ? subject.getStatus().toCode() : "";
      boolean followed =
          List.of(
                  "on-study",
                  "on-study-intervention",
                  "on-study-observation",
                  "follow-up",
                  "off-study",
                  "withdrawn")
              .contains(status);
      if (followed
          && subject.getPeriod().hasStart()
          && subject.getPeriod().getStartElement().getValueAsString().length() >= 10
          && subject.getIndividual().hasReference()) {
        subjects.add(
            new Subject(
                new IdType(subject.getIndividual().getReference())
                    .toUnqualifiedVersionless()
                    .getValue(),
                LocalDate.parse(
                    subject.getPeriod().getStartElement().getValueAsString().substring(0, 10)),
                arm(subject)));
      }
    }
    return subjects;
  }

  /**
   * The arm of the subject's treatment allocation, else its assigned arm. An allocation drawn in
   * another study, or for another patient, is not this subject's: its arm is never used (the
   * storage rules refuse such a subject; this holds for data stored before they did).
   */
  private String arm(ResearchSubject subject) {
    var allocation = subject.getExtensionByUrl(ALLOCATION);
    if (allocation == null || !(allocation.getValue() instanceof Reference ref)) {
      return subject.hasAssignedArm() ? subject.getAssignedArm() : null;
    }
    var allocationResource = read(Basic.class, new IdType(ref.getReference()));
    var detail =
        allocationResource.getExtensionByUrl(
            "http://trialfhir.org/fhir/StructureDefinition/allocation");
    if (detail == null
        || detail.getExtensionByUrl("arm") == null
        || detail.getExtensionByUrl("study") == null
        || !References.sameTarget(detail.getExtensionByUrl("study").getValue(), subject.getStudy())
        || !References.sameTarget(allocationResource.getSubject(), subject.getIndividual())) {
      return null;
    }
    return detail.getExtensionByUrl("arm").getValue().primitiveValue();
  }

  private static String earliest(List<Subject> subjects) {
    return subjects.stream()
        .map(Subject::start)
        .min(LocalDate::compareTo)
        .orElse(LocalDate.now())
        .toString();
  }

  private Measure measure() {
    List<IBaseResource> found =
        daos.getResourceDao(Measure.class)
            .search(InternalSearch.map("url", new UriParam(MEASURE)), new SystemRequestDetails())
            .getAllResources();
    if (found.isEmpty()) {
      throw new UnprocessableEntityException("The Measure " + MEASURE + " is not on this server");
    }
    return (Measure) found.get(0);
  }

  private static Optional<Endpoint> endpoint(Measure.MeasureGroupComponent group) {
    var ext = group.getExtensionByUrl(ENDPOINT);
    if (ext == null) {
      return Optional.empty();
    }
    var valueSet = ext.getExtensionByUrl("valueSet");
    var unit = ext.getExtensionByUrl("unit");
    var molarMass = ext.getExtensionByUrl("molarMass");
    var threshold = ext.getExtensionByUrl("threshold");
    var zeroMeans = ext.getExtensionByUrl("zeroMeans");
    return Optional.of(
        new Endpoint(
            group,
            valueSet.getValue().primitiveValue(),
            unit.getValue().primitiveValue(),
            molarMass == null ? null : new BigDecimal(molarMass.getValue().primitiveValue()),
            threshold == null ? null : ((Quantity) threshold.getValue()).getValue(),
            zeroMeans == null ? null : zeroMeans.getValue().primitiveValue()));
  }

  private <T extends IBaseResource> List<T> search(Class<T> type, String param, String reference) {
    return daos
        .getResourceDao(type)
        .search(
            InternalSearch.map(param, new ReferenceParam(reference)), new SystemRequestDetails())
        .getAllResources()
        .stream()
        .map(type::cast)
        .toList();
  }

  private <T extends IBaseResource> T read(Class<T> type, IdType id) {
    return daos.getResourceDao(type)
        .read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
  }
}
