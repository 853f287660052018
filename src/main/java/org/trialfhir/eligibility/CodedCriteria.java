package org.trialfhir.eligibility;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.trialfhir.projection.CodedRecords;
import org.trialfhir.projection.ProjectionReads;

/**
 * Population screening's set-based step for the criteria whose rule reads only the record's
 * Conditions or Observations coded from the criterion's own ValueSet ({@link
 * CriterionKind.Screening#NEEDS_CONDITION}, {@link CriterionKind.Screening#OWN_CODES}): per
 * criterion, one query over the projection finds every candidate's resources so coded (in the
 * look-back window for Observations), and the engine's own rule judges each candidate on them, so
 * no clinical rule is written twice. A patient is decided only when the rule fails them: a fail
 * makes the verdict ineligible whatever the other criteria say. The projection leaves out the
 * patients it cannot answer for exactly (a labelled row, an Observation dated by a Timing or by a
 * period ending before it starts, more than {@link RecordReader#MAX_AT_ONCE} resources, one
 * withheld from the caller): those are judged in full, as before.
 */
final class CodedCriteria {

  private final ProjectionReads projection;
  private final CodedRecords records;
  private final CodeMembership terms;

  CodedCriteria(ProjectionReads projection, CodedRecords records, CodeMembership terms) {
    this.projection = projection;
    this.records = records;
    this.terms = terms;
  }

  /**
   * Whether this step may decide the criterion: a person judges none of it, it names codes, and it
   * is not an unconfirmed machine reading (whose fail cannot exclude).
   */
  static boolean decides(Criterion criterion) {
    CriterionKind.Screening screening = criterion.kind().screening();
    return criterion.manualReview() == null
        && !criterion.unconfirmed()
        && criterion.valueSet() != null
        && (screening == CriterionKind.Screening.NEEDS_CONDITION
            || screening == CriterionKind.Screening.OWN_CODES);
  }

  /**
   * The patients among {@code survivors} that the plan's criteria decided from coded resources
   * fail, each under the first one failing them (in the study's order); they are taken out of
   * {@code survivors}, which each later criterion's query reads no more.
   */
  List<PopulationScreening.Screened> ruleOut(
      PopulationScreening.Plan plan,
      Map<String, Patient> population,
      Set<String> survivors,
      LocalDate date,
      RequestDetails request) {
    String studyReference = "ResearchStudy/" + plan.study().getIdElement().getIdPart();
    List<PopulationScreening.Screened> decided = new ArrayList<>();
    for (Criterion criterion : plan.coded()) {
      if (survivors.isEmpty()) {
        break;
      }
      Map<String, Patient> candidates = new LinkedHashMap<>();
      survivors.forEach(id -> candidates.put(id, population.get(id)));
      for (String id : failing(criterion, candidates, date, studyReference, request)) {
        survivors.remove(id);
        decided.add(PopulationScreening.Screened.ruledOut(id, criterion.id()));
      }
    }
    return decided;
  }

  /**
   * The candidates the criterion fails, judged on what the projection holds of them; empty when the
   * projection cannot answer. Every resource used is shown to the caller first (a 403 for one they
   * may not read, as from the search the full evaluation makes), and a fail judged on no resource
   * at all only once the caller is shown to be allowed to read that type for the patient.
   *
   * @param candidates the patients still undecided, by id
   */
  Set<String> failing(
      Criterion criterion,
      Map<String, Patient> candidates,
      LocalDate date,
      String studyReference,
      RequestDetails request) {
    boolean labs = criterion.kind().reads(Observation.class);
    List<String> codes =
        (labs ? heldObservationCodes() : heldConditionCodes())
            .stream()
                .filter(c -> terms.contains(criterion.valueSet(), c.system(), c.code()))
                .map(ProjectionReads.Code::code)
                .distinct()
                .toList();
    Map<String, ? extends List<? extends Resource>> found =
        labs
            ? records.codedObservations(
                candidates.keySet(),
                codes,
                criterion.window().start(date),
                date,
                RecordReader.MAX_AT_ONCE,
                request)
            : records.codedConditions(
                candidates.keySet(), codes, RecordReader.MAX_AT_ONCE, request);
    Set<String> failing = new LinkedHashSet<>();
    Set<String> unseen = new LinkedHashSet<>();
    for (Map.Entry<String, ? extends List<? extends Resource>> entry : found.entrySet()) {
      Patient patient = candidates.get(entry.getKey());
      if (fails(criterion, record(patient, entry.getValue()), date, studyReference, terms)) {
        failing.add(entry.getKey());
        if (entry.getValue().isEmpty()) {
          unseen.add(entry.getKey());
        }
      }
    }
    if (!unseen.isEmpty()) {
      Set<String> mayRead = projection.mayRead(labs ? "Observation" : "Condition", unseen, request);
      unseen.stream().filter(p -> !mayRead.contains(p)).forEach(failing::remove);
    }
    return failing;
  }

  /** Whether the engine fails the criterion on this record (the rule of its kind, no other). */
  static boolean fails(
      Criterion criterion,
      PatientRecord record,
      LocalDate date,
      String studyReference,
      CodeMembership terms) {
    return new CriterionEvaluator(record, date, studyReference, terms).evaluate(criterion).outcome()
        == Outcome.FAIL;
  }

  /** A record of the patient holding just these resources. */
  static PatientRecord record(Patient patient, List<? extends Resource> resources) {
    List<Condition> conditions = new ArrayList<>();
    List<Observation> observations = new ArrayList<>();
    for (Resource resource : resources) {
      if (resource instanceof Condition condition) {
        conditions.add(condition);
      } else if (resource instanceof Observation observation) {
        observations.add(observation);
      }
    }
    return new PatientRecord(patient, conditions, observations, List.of(), List.of());
  }

  private List<ProjectionReads.Code> conditionCodes;
  private List<ProjectionReads.Code> observationCodes;

  /** Read once per screening: the codes a ValueSet's membership is tested for. */
  private List<ProjectionReads.Code> heldConditionCodes() {
    if (conditionCodes == null) {
      conditionCodes = projection.conditionCodes();
    }
    return conditionCodes;
  }

  private List<ProjectionReads.Code> heldObservationCodes() {
    if (observationCodes == null) {
      observationCodes = projection.observationCodes();
    }
    return observationCodes;
  }

  /** The patients of these facts by id, in order. */
  static Map<String, Patient> byId(List<Patient> patients) {
    Map<String, Patient> byId = new LinkedHashMap<>();
    patients.forEach(p -> byId.put(p.getIdElement().getIdPart(), p));
    return byId;
  }
}
