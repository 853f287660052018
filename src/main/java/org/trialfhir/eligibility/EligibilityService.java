package org.trialfhir.eligibility;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.trialfhir.projection.ProjectionRecords;
import org.trialfhir.server.InternalSearch;

/**
 * Evaluates patients against studies: reads the study's criteria and the patient's record in one
 * read-only transaction and hands them to the generic {@link CriterionEvaluator}.
 */
@Service
public class EligibilityService {

  private final DaoRegistry daos;
  private final IValidationSupport validationSupport;
  private final RecordReader records;
  private final FhirContext fhir;
  private final EligibilityProperties properties;

  EligibilityService(
      DaoRegistry daos,
      IValidationSupport validationSupport,
      ProjectionRecords projection,
      EligibilityProperties properties) {
    this.daos = daos;
    this.validationSupport = validationSupport;
    this.records = new RecordReader(daos, projection);
    this.fhir = daos.getSystemDao().getContext();
    this.properties = properties;
  }

  /**
   * The evaluation of one patient against one study, as the $eligibility Parameters. Everything is
   * read as {@code request}'s caller: a caller who may not read the patient's labs gets a 403, not
   * their values in the reasons.
   */
  @Transactional(readOnly = true)
  public Parameters eligibility(
      IdType studyId, String patientReference, LocalDate date, RequestDetails request) {
    ResearchStudy study = read(ResearchStudy.class, studyId, request);
    Patient patient = read(Patient.class, patientId(patientReference), request);
    return EligibilityParameters.of(evaluate(study, patient, date, request));
  }

  /**
   * Every active study, best match first, as a searchset Bundle. The patient's record is read once,
   * for the union of what all the studies' criteria need.
   */
  @Transactional(readOnly = true)
  public Bundle matchStudies(IdType patientId, LocalDate date, RequestDetails request) {
    Patient patient = read(Patient.class, patientId, request);
    Map<ResearchStudy, List<Criterion>> studies = criteriaOf(activeStudies(request), request);
    PatientRecord record = records.load(patient, union(studies), date, request);
    return EligibilityParameters.searchset(rank(studies, record, date));
  }

  /**
   * The evaluation of a record supplied as a Bundle (one Patient and the resources about it)
   * against one study, as the $eligibility Parameters: the same verdict, outcomes and reasons as
   * for the same record stored, evaluated in memory; nothing of the record is stored or read from
   * the store. Evidence and the {@code patient} parameter name the Bundle's resources by their
   * fullUrl (else {@code Type/id}). Only the study and its eligibility Group are read, as {@code
   * request}'s caller. A record that is not one patient's, or is over {@code
   * trialfhir.eligibility.max-record-entries}, is a 4xx naming the problem (docs/eligibility.md).
   */
  @Transactional(readOnly = true)
  public Parameters eligibilityOfRecord(
      IdType studyId, Bundle record, LocalDate date, RequestDetails request) {
    SuppliedRecord supplied = supplied(record);
    ResearchStudy study = read(ResearchStudy.class, studyId, request);
    List<Criterion> criteria = CriteriaReader.read(eligibilityGroup(study, request));
    Evaluation evaluation =
        evaluate(study, criteria, RecordReader.inMemory(supplied, criteria, date), date);
    return EligibilityParameters.of(supplied.cite(evaluation), supplied.patientCitation());
  }

  /**
   * {@link #matchStudies} for a record supplied as a Bundle (see {@link #eligibilityOfRecord}):
   * every active study, best match first, as a searchset Bundle.
   */
  @Transactional(readOnly = true)
  public Bundle matchRecord(Bundle record, LocalDate date, RequestDetails request) {
    SuppliedRecord supplied = supplied(record);
    return matchSupplied(supplied, activeStudies(request), date, request);
  }

  /**
   * {@link #matchRecord(Bundle, LocalDate, RequestDetails)} against these studies (e.g. those a
   * caller's filters chose) instead of the active ones; a study without an eligibility Group is
   * left out.
   */
  @Transactional(readOnly = true)
  public Bundle matchRecord(
      Bundle record, List<ResearchStudy> candidates, LocalDate date, RequestDetails request) {
    return matchSupplied(supplied(record), candidates, date, request);
  }

  private Bundle matchSupplied(
      SuppliedRecord supplied,
      List<ResearchStudy> candidates,
      LocalDate date,
      RequestDetails request) {
    Map<ResearchStudy, List<Criterion>> studies = criteriaOf(candidates, request);
    PatientRecord record = RecordReader.inMemory(supplied, union(studies), date);
    List<Evaluation> evaluations =
        rank(studies, record, date).stream().map(supplied::cite).toList();
    return EligibilityParameters.searchset(evaluations, e -> supplied.patientCitation());
  }

  private SuppliedRecord supplied(Bundle record) {
    return SuppliedRecord.of(record, properties.maxRecordEntries(), fhir);
  }

  /** The studies whose status is active (recruiting), read as the caller. */
  List<ResearchStudy> activeStudies(RequestDetails request) {
    SearchParameterMap active = InternalSearch.map("status", new TokenParam("active"));
    return daos
        .getResourceDao(ResearchStudy.class)
        .search(active, request)
        .getAllResources()
        .stream()
        .map(ResearchStudy.class::cast)
        .toList();
  }

  private Map<ResearchStudy, List<Criterion>> criteriaOf(
      List<ResearchStudy> candidates, RequestDetails request) {
    Map<ResearchStudy, List<Criterion>> studies = new LinkedHashMap<>();
    for (ResearchStudy study : candidates) {
      if (!study.hasEnrollment()) {
        continue; // no criteria to match against: one such study must not fail the others
      }
      studies.put(study, CriteriaReader.read(eligibilityGroup(study, request)));
    }
    return studies;
  }

  private static List<Criterion> union(Map<ResearchStudy, List<Criterion>> studies) {
    return studies.values().stream().flatMap(List::stream).toList();
  }

  /** Best match first: by verdict, then by score within it. */
  private List<Evaluation> rank(
      Map<ResearchStudy, List<Criterion>> studies, PatientRecord record, LocalDate date) {
    return studies.entrySet().stream()
        .map(e -> evaluate(e.getKey(), e.getValue(), record, date))
        .sorted(
            Comparator.comparing(Evaluation::verdict)
                .thenComparing(Evaluation::score, Comparator.reverseOrder()))
        .toList();
  }

  /**
   * Each top-level criterion's outcome for this patient, in the study's order. Runs in the caller's
   * transaction, so that a writer (enrolment) decides on what it reads, and as its caller.
   */
  public List<CriterionCheck> check(
      ResearchStudy study, Patient patient, LocalDate date, RequestDetails request) {
    return evaluate(study, patient, date, request).results().stream()
        .map(
            r ->
                new CriterionCheck(
                    r.criterion().id(), r.criterion().description(), r.outcome(), r.reason()))
        .toList();
  }

  Evaluation evaluate(
      ResearchStudy study, Patient patient, LocalDate date, RequestDetails request) {
    List<Criterion> criteria = CriteriaReader.read(eligibilityGroup(study, request));
    return evaluate(study, criteria, records.load(patient, criteria, date, request), date);
  }

  /**
   * Several patients' evaluations, their records read together (see RecordReader#loadAll), against
   * the study's eligibility Group or, for a preview, a proposed one (null: the study's own).
   */
  List<Evaluation> evaluateAll(
      ResearchStudy study,
      Group proposed,
      List<Patient> patients,
      LocalDate date,
      RequestDetails request) {
    List<Criterion> criteria =
        CriteriaReader.read(proposed != null ? proposed : eligibilityGroup(study, request));
    // One membership cache for the chunk: the same value sets and codes recur patient after
    // patient.
    CodeMembership membership = new ValidationSupportMembership(validationSupport);
    return records.loadAll(patients, criteria, date, request).values().stream()
        .map(record -> evaluate(study, criteria, record, date, membership))
        .toList();
  }

  private Evaluation evaluate(
      ResearchStudy study, List<Criterion> criteria, PatientRecord record, LocalDate date) {
    return evaluate(
        study, criteria, record, date, new ValidationSupportMembership(validationSupport));
  }

  private Evaluation evaluate(
      ResearchStudy study,
      List<Criterion> criteria,
      PatientRecord record,
      LocalDate date,
      CodeMembership membership) {
    String studyReference = "ResearchStudy/" + study.getIdElement().getIdPart();
    CriterionEvaluator evaluator = new CriterionEvaluator(record, date, studyReference, membership);
    List<CriterionResult> results = criteria.stream().map(evaluator::evaluate).toList();
    return new Evaluation(study, record.patient(), date, results);
  }

  ResearchStudy readStudy(IdType id, RequestDetails request) {
    return read(ResearchStudy.class, id, request);
  }

  /** The patients with these ids, in this order; a missing one is a ResourceNotFoundException. */
  List<Patient> readPatients(List<String> ids, RequestDetails request) {
    Map<String, Patient> found = findPatients(ids, request);
    List<Patient> patients = new ArrayList<>();
    for (String id : ids) {
      Patient patient = found.get(id);
      if (patient == null) {
        throw new ResourceNotFoundException(new IdType("Patient", id));
      }
      patients.add(patient);
    }
    return patients;
  }

  /** Those of these patients that exist (not deleted), by id, with one search. */
  Map<String, Patient> findPatients(List<String> ids, RequestDetails request) {
    TokenOrListParam idList = new TokenOrListParam();
    ids.forEach(id -> idList.addOr(new TokenParam(id)));
    SearchParameterMap search = InternalSearch.map().add("_id", idList);
    search.setLoadSynchronousUpTo(ids.size());
    Map<String, Patient> found = new HashMap<>();
    for (IBaseResource resource :
        daos.getResourceDao(Patient.class).search(search, request).getAllResources()) {
      found.put(resource.getIdElement().getIdPart(), (Patient) resource);
    }
    return found;
  }

  Group eligibilityGroup(ResearchStudy study, RequestDetails request) {
    if (!study.hasEnrollment()) {
      throw new UnprocessableEntityException(
          "ResearchStudy/"
              + study.getIdElement().getIdPart()
              + " has no eligibility Group (ResearchStudy.enrollment)");
    }
    return read(Group.class, new IdType(study.getEnrollmentFirstRep().getReference()), request);
  }

  private static IdType patientId(String reference) {
    if (reference == null || reference.isBlank()) {
      throw new InvalidRequestException(
          "Parameter 'patient' is required, e.g. patient=Patient/123 (or 'record', the patient's"
              + " record as a Bundle, in a POSTed Parameters)");
    }
    IdType id = new IdType(reference.trim());
    if (!"Patient".equals(id.getResourceType()) || !id.hasIdPart()) {
      throw new InvalidRequestException(
          "Parameter 'patient' must be a Patient reference such as Patient/123, not '"
              + reference
              + "'");
    }
    return id;
  }

  private <T extends org.hl7.fhir.instance.model.api.IBaseResource> T read(
      Class<T> type, IdType id, RequestDetails request) {
    return daos.getResourceDao(type).read(id.toUnqualifiedVersionless(), request);
  }
}
