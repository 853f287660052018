package org.trialfhir.eligibility;

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

  EligibilityService(
      DaoRegistry daos, IValidationSupport validationSupport, ProjectionRecords projection) {
    this.daos = daos;
    this.validationSupport = validationSupport;
    this.records = new RecordReader(daos, projection);
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
    SearchParameterMap active = InternalSearch.map("status", new TokenParam("active"));
    Map<ResearchStudy, List<Criterion>> studies = new LinkedHashMap<>();
    for (IBaseResource found :
        daos.getResourceDao(ResearchStudy.class).search(active, request).getAllResources()) {
      ResearchStudy study = (ResearchStudy) found;
      if (!study.hasEnrollment()) {
        continue; // no criteria to match against: one such study must not fail the others
      }
      studies.put(study, CriteriaReader.read(eligibilityGroup(study, request)));
    }
    List<Criterion> allCriteria = studies.values().stream().flatMap(List::stream).toList();
    PatientRecord record = records.load(patient, allCriteria, date, request);
    List<Evaluation> evaluations =
        studies.entrySet().stream()
            .map(e -> evaluate(e.getKey(), e.getValue(), record, date))
            .sorted(
                Comparator.comparing(Evaluation::verdict)
                    .thenComparing(Evaluation::score, Comparator.reverseOrder()))
            .toList();
    return EligibilityParameters.searchset(evaluations);
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

  /** Several patients' evaluations, their records read together (see RecordReader#loadAll). */
  List<Evaluation> evaluateAll(
      ResearchStudy study, List<Patient> patients, LocalDate date, RequestDetails request) {
    List<Criterion> criteria = CriteriaReader.read(eligibilityGroup(study, request));
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
          "Parameter 'patient' is required, e.g. patient=Patient/123");
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
