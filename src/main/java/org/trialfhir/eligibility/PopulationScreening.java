package org.trialfhir.eligibility;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.trialfhir.projection.CodedRecords;
import org.trialfhir.projection.ProjectionReads;

/**
 * Screening a whole population against one study without running {@code $eligibility} per patient.
 * Two set-based steps decide most patients with the same rules the per-patient engine applies:
 *
 * <ol>
 *   <li>criteria the Patient resource alone decides (age, sex) are evaluated on patients loaded a
 *       page at a time, by the engine's own code;
 *   <li>an inclusion criterion that requires a diagnosis from an enumerated value set becomes one
 *       Condition search by those codes: a patient outside that set has no such Condition at all,
 *       which the engine judges a fail;
 *   <li>from the projection only, each other criterion whose rule reads just the Conditions or
 *       Observations coded from its ValueSet (exclusion diagnoses, onsets, lab thresholds, positive
 *       or negative results) becomes one query for every candidate's resources so coded, judged by
 *       the engine's own rule ({@link CodedCriteria}).
 * </ol>
 *
 * Only a failing criterion decides a patient here (a fail makes the verdict ineligible whatever the
 * rest); every survivor is evaluated in full by {@link #evaluate}.
 */
@Service
public class PopulationScreening {

  private final DaoRegistry daos;
  private final EligibilityService eligibility;
  private final IValidationSupport validationSupport;
  private final ProjectionReads projection;
  private final CodedRecords records;

  PopulationScreening(
      DaoRegistry daos,
      EligibilityService eligibility,
      IValidationSupport validationSupport,
      ProjectionReads projection,
      CodedRecords records) {
    this.daos = daos;
    this.eligibility = eligibility;
    this.validationSupport = validationSupport;
    this.projection = projection;
    this.records = records;
  }

  /**
   * The set-based steps done over the projection (docs/projection.md): the patients decided, with
   * their failing criteria, and the survivors to evaluate in full, in population order.
   */
  public record Narrowed(int population, List<Screened> decided, List<String> survivors) {}

  /**
   * Both set-based steps from the projection instead of the resources: the demographic criteria
   * judged by the engine's own rules on each patient's projected birth date and gender (one query
   * for the whole population, not a page of Patient resources at a time), and each required
   * diagnosis as one query over the projected Conditions. Every fact used is first checked against
   * the caller's rights, as a read of its resource would be. Empty when the projection cannot
   * answer as the resources would: the caller then reads the resources.
   *
   * @param members the candidate Group's patient ids, or null for every patient
   */
  @Transactional(readOnly = true)
  public Optional<Narrowed> narrowFromProjection(
      Plan plan, List<String> members, LocalDate date, RequestDetails request) {
    Optional<List<ProjectionReads.PatientFacts>> facts =
        members == null ? projection.patients(request) : projection.patients(members, request);
    if (facts.isEmpty()) {
      return Optional.empty();
    }
    List<Patient> patients =
        facts.get().stream().map(ProjectionReads.PatientFacts::toPatient).toList();
    Map<String, Screened> ruledOut = ruledOutByDemographics(plan, patients, date);
    List<Screened> decided = new ArrayList<>(ruledOut.values());
    Set<String> survivors = new LinkedHashSet<>();
    patients.stream()
        .map(p -> p.getIdElement().getIdPart())
        .filter(id -> !ruledOut.containsKey(id))
        .forEach(survivors::add);
    // Every required diagnosis, its ValueSet enumerated or not (ICD-10-CM E10 and below): the
    // codes the projection holds are tested for membership by the engine's own test, then one
    // query finds the patients with a counted Condition so coded.
    CodeMembership membership = new ValidationSupportMembership(validationSupport);
    List<ProjectionReads.Code> held = projection.conditionCodes();
    for (Map.Entry<String, String> required : plan.requiredValueSets().entrySet()) {
      List<ProjectionReads.Code> codes =
          held.stream()
              .filter(c -> membership.contains(required.getValue(), c.system(), c.code()))
              .toList();
      // No held coding in the ValueSet rules every survivor out, an answer built from Conditions:
      // only for a caller who may read the survivors' Conditions.
      Optional<Set<String>> fromProjection =
          codes.isEmpty()
              ? projection.noConditionsAmong(survivors, request)
              : projection.patientsWithCondition(
                  codes, RecordFacts.DISCOUNTED_VERIFICATION, request);
      TokenOrListParam enumerated = plan.requiredDiagnoses().get(required.getKey());
      Set<String> diagnosed;
      if (fromProjection.isPresent()) {
        diagnosed = fromProjection.get();
      } else if (enumerated != null) {
        diagnosed = withDiagnosis(enumerated, request);
      } else {
        continue; // neither the projection nor one search decides it: the full evaluation will
      }
      for (String id : List.copyOf(survivors)) {
        if (!diagnosed.contains(id)) {
          survivors.remove(id);
          decided.add(Screened.ruledOut(id, required.getKey()));
        }
      }
    }
    // Then each criterion decided by its coded resources, in the study's order: one query each.
    decided.addAll(
        new CodedCriteria(projection, records, membership)
            .ruleOut(plan, CodedCriteria.byId(patients), survivors, date, request));
    return Optional.of(new Narrowed(patients.size(), decided, new ArrayList<>(survivors)));
  }

  /**
   * One patient's screening result: verdict and the outcome of each criterion known, and whether it
   * was decided set-based (only the failing criteria known) or by the full evaluation.
   */
  public record Screened(
      String patient, Verdict verdict, Map<String, Outcome> outcomes, boolean setBased) {

    /** Ruled out set-based by this criterion's fail. */
    static Screened ruledOut(String patient, String criterion) {
      return new Screened(patient, Verdict.INELIGIBLE, Map.of(criterion, Outcome.FAIL), true);
    }
  }

  /** The criteria of a study that set-based steps can decide, read once per screening. */
  public record Plan(
      ResearchStudy study,
      List<String> criterionIds,
      List<Criterion> demographic,
      Map<String, TokenOrListParam> requiredDiagnoses,
      Map<String, String> requiredValueSets,
      List<Criterion> coded) {}

  /**
   * The study's criteria and what set-based steps can decide of them. Every method here reads with
   * {@code request}: the screening job's steps pass one that acts for the caller who started it
   * (see screen/CallerSteps), so that caller's access rules, blinding and audit apply.
   */
  @Transactional(readOnly = true)
  public Plan plan(IdType studyId, RequestDetails request) {
    return plan(studyId, null, request);
  }

  /**
   * {@link #plan(IdType, RequestDetails)} with a proposed eligibility Group in place of the study's
   * (a preview of an edit: read by the same reader, so a Group it refuses is refused here too;
   * nothing is stored). Null: the study's own.
   */
  @Transactional(readOnly = true)
  public Plan plan(IdType studyId, Group proposed, RequestDetails request) {
    ResearchStudy study = eligibility.readStudy(studyId, request);
    List<Criterion> criteria =
        CriteriaReader.read(
            proposed != null ? proposed : eligibility.eligibilityGroup(study, request));
    List<Criterion> demographic = new ArrayList<>();
    Map<String, TokenOrListParam> diagnoses = new LinkedHashMap<>();
    Map<String, String> valueSets = new LinkedHashMap<>();
    List<Criterion> coded = new ArrayList<>();
    for (Criterion criterion : criteria) {
      if (criterion.manualReview() != null || criterion.unconfirmed()) {
        // A person may still judge it, or it is a machine's reading not yet confirmed: its fail
        // cannot exclude, so no set-based step may rule a patient out on it.
        continue;
      }
      if (CodedCriteria.decides(criterion)) {
        coded.add(criterion);
      }
      if (criterion.kind().screening() == CriterionKind.Screening.PATIENT_ONLY) {
        demographic.add(criterion);
      } else if (!criterion.exclusion()
          && criterion.kind().screening() == CriterionKind.Screening.NEEDS_CONDITION) {
        if (criterion.valueSet() != null) {
          valueSets.put(criterion.id(), criterion.valueSet());
        }
        TokenOrListParam codes = enumeratedCodes(criterion.valueSet());
        if (codes != null) {
          diagnoses.put(criterion.id(), codes);
        }
      }
    }
    return new Plan(
        study,
        criteria.stream().map(Criterion::id).toList(),
        demographic,
        diagnoses,
        valueSets,
        coded);
  }

  /**
   * The patients that age or sex already rule out, with the failing criteria; the others are not in
   * the map.
   */
  public Map<String, Screened> ruledOutByDemographics(
      Plan plan, List<Patient> patients, LocalDate date) {
    Map<String, Screened> ruledOut = new LinkedHashMap<>();
    String studyReference = "ResearchStudy/" + plan.study().getIdElement().getIdPart();
    for (Patient patient : patients) {
      PatientRecord record = new PatientRecord(patient, List.of(), List.of(), List.of(), List.of());
      CriterionEvaluator evaluator =
          new CriterionEvaluator(
              record, date, studyReference, new ValidationSupportMembership(validationSupport));
      Map<String, Outcome> failed = new LinkedHashMap<>();
      for (Criterion criterion : plan.demographic()) {
        CriterionResult result = evaluator.evaluate(criterion);
        if (result.outcome() == Outcome.FAIL) {
          failed.put(criterion.id(), result.outcome());
        }
      }
      if (!failed.isEmpty()) {
        String id = patient.getIdElement().getIdPart();
        ruledOut.put(id, new Screened(id, Verdict.INELIGIBLE, failed, true));
      }
    }
    return ruledOut;
  }

  /**
   * The Patients with these ids, in this order (a page of the population); one deleted since the
   * ids were listed is left out, as the population no longer holds it.
   */
  @Transactional(readOnly = true)
  public List<Patient> patients(List<String> ids, RequestDetails request) {
    Map<String, Patient> found = eligibility.findPatients(ids, request);
    return ids.stream().map(found::get).filter(Objects::nonNull).toList();
  }

  /** Ids of the patients with at least one Condition coded from the criterion's value set. */
  @Transactional(readOnly = true)
  public Set<String> withDiagnosis(TokenOrListParam codes, RequestDetails request) {
    // Not a synchronous search: those stop at HAPI's internal limit (10,000) without saying so,
    // and a patient whose Condition fell past it would be ruled out wrongly.
    SearchParameterMap search = new SearchParameterMap().add(Condition.SP_CODE, codes);
    Set<String> patients = new HashSet<>();
    for (Condition found :
        daos.getResourceDao(Condition.class).searchForResources(search, request)) {
      IdType subject = new IdType(found.getSubject().getReference());
      if ("Patient".equals(subject.getResourceType())) {
        patients.add(subject.getIdPart());
      }
    }
    return patients;
  }

  /**
   * The full evaluation, the same as {@code $eligibility}, for a chunk of patients: their records
   * are read with one search per resource type for the whole chunk, not per patient.
   */
  @Transactional(readOnly = true)
  public List<Screened> evaluate(
      IdType studyId, List<String> patientIds, LocalDate date, RequestDetails request) {
    return evaluate(studyId, null, patientIds, date, request);
  }

  /** {@link #evaluate(IdType, List, LocalDate, RequestDetails)} against a proposed Group. */
  @Transactional(readOnly = true)
  public List<Screened> evaluate(
      IdType studyId,
      Group proposed,
      List<String> patientIds,
      LocalDate date,
      RequestDetails request) {
    ResearchStudy study = eligibility.readStudy(studyId, request);
    List<Patient> patients = eligibility.readPatients(patientIds, request);
    List<Screened> screened = new ArrayList<>();
    for (Evaluation evaluation :
        eligibility.evaluateAll(study, proposed, patients, date, request)) {
      Map<String, Outcome> outcomes = new LinkedHashMap<>();
      evaluation.results().forEach(r -> outcomes.put(r.criterion().id(), r.outcome()));
      screened.add(
          new Screened(
              evaluation.patient().getIdElement().getIdPart(),
              evaluation.verdict(),
              outcomes,
              false));
    }
    return screened;
  }

  /**
   * The value set's codes when it only lists codes (no filters, no other value sets), else null.
   */
  private TokenOrListParam enumeratedCodes(String url) {
    if (url == null) {
      return null;
    }
    ValueSet valueSet = validationSupport.fetchResource(ValueSet.class, url);
    if (valueSet == null || !valueSet.hasCompose() || valueSet.getCompose().hasExclude()) {
      return null;
    }
    TokenOrListParam codes = new TokenOrListParam();
    for (ValueSet.ConceptSetComponent include : valueSet.getCompose().getInclude()) {
      if (include.hasFilter() || include.hasValueSet() || !include.hasConcept()) {
        return null;
      }
      include.getConcept().forEach(c -> codes.add(include.getSystem(), c.getCode()));
    }
    return codes.getValuesAsQueryTokens().isEmpty() ? null : codes;
  }
}
