package org.trialfhir.screen;

import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IJobStepWorker;
import ca.uhn.fhir.batch2.api.RunOutcome;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.batch2.api.VoidModel;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.trialfhir.eligibility.Outcome;
import org.trialfhir.eligibility.PopulationScreening;
import org.trialfhir.eligibility.PopulationScreening.Narrowed;
import org.trialfhir.eligibility.PopulationScreening.Plan;
import org.trialfhir.eligibility.PopulationScreening.Screened;
import org.trialfhir.eligibility.Verdict;
import org.trialfhir.screen.ScreenModels.Parameters;
import org.trialfhir.screen.ScreenModels.PatientChunk;
import org.trialfhir.screen.ScreenModels.Result;

/**
 * First step: the population, narrowed set-based (see {@link PopulationScreening}); the patients
 * decided here are passed on as results, the survivors in chunks to be evaluated in full. Read as
 * the caller who started the screening ({@link CallerSteps}).
 */
class SelectCandidates implements IJobStepWorker<Parameters, VoidModel, PatientChunk> {

  private static final int PAGE = 1000;

  private final PopulationScreening screening;
  private final DaoRegistry daos;
  private final CallerSteps caller;

  SelectCandidates(PopulationScreening screening, DaoRegistry daos, CallerSteps caller) {
    this.screening = screening;
    this.daos = daos;
    this.caller = caller;
  }

  @Override
  public RunOutcome run(
      StepExecutionDetails<Parameters, VoidModel> details, IJobDataSink<PatientChunk> sink) {
    return caller.run(details, "select", request -> select(details.getParameters(), sink, request));
  }

  private RunOutcome select(
      Parameters parameters, IJobDataSink<PatientChunk> sink, RequestDetails request) {
    LocalDate date = LocalDate.parse(parameters.date());
    Plan plan =
        screening.plan(
            new IdType("ResearchStudy", parameters.study()),
            parameters.proposed(daos.getSystemDao().getContext()),
            request);
    List<String> members = parameters.group() == null ? null : members(parameters.group(), request);
    Optional<Narrowed> narrowed = screening.narrowFromProjection(plan, members, date, request);
    if (narrowed.isPresent()) {
      emitDecided(narrowed.get().decided(), sink);
      emitSurvivors(narrowed.get().survivors(), parameters, sink);
      return new RunOutcome(narrowed.get().population());
    }

    Set<String> survivors = new LinkedHashSet<>();
    int population = 0;
    for (List<Patient> page : population(parameters.group(), request)) {
      population += page.size();
      Map<String, Screened> ruledOut = screening.ruledOutByDemographics(plan, page, date);
      emitDecided(ruledOut.values(), sink);
      page.stream()
          .map(p -> p.getIdElement().getIdPart())
          .filter(id -> !ruledOut.containsKey(id))
          .forEach(survivors::add);
    }
    for (Map.Entry<String, TokenOrListParam> diagnosis : plan.requiredDiagnoses().entrySet()) {
      Set<String> diagnosed = screening.withDiagnosis(diagnosis.getValue(), request);
      List<Screened> without = new ArrayList<>();
      for (String id : List.copyOf(survivors)) {
        if (!diagnosed.contains(id)) {
          survivors.remove(id);
          without.add(
              new Screened(id, Verdict.INELIGIBLE, Map.of(diagnosis.getKey(), Outcome.FAIL), true));
        }
      }
      emitDecided(without, sink);
    }
    emitSurvivors(new ArrayList<>(survivors), parameters, sink);
    return new RunOutcome(population);
  }

  private static void emitSurvivors(
      List<String> evaluate, Parameters parameters, IJobDataSink<PatientChunk> sink) {
    int size = Math.max(1, parameters.chunkSize());
    for (int from = 0; from < evaluate.size(); from += size) {
      List<String> chunk = evaluate.subList(from, Math.min(evaluate.size(), from + size));
      sink.accept(new PatientChunk(new ArrayList<>(chunk), List.of()));
    }
  }

  /** The ids of the Group's active Patient members, the Group read as the caller. */
  private List<String> members(String group, RequestDetails request) {
    Group members = daos.getResourceDao(Group.class).read(new IdType(group), request);
    List<String> ids = new ArrayList<>();
    for (Group.GroupMemberComponent member : members.getMember()) {
      IdType entity = new IdType(member.getEntity().getReference());
      if ("Patient".equals(entity.getResourceType()) && !member.getInactive()) {
        ids.add(entity.getIdPart());
      }
    }
    return ids;
  }

  private static void emitDecided(Collection<Screened> decided, IJobDataSink<PatientChunk> sink) {
    List<Result> results = decided.stream().map(Result::of).toList();
    for (int from = 0; from < results.size(); from += PAGE) {
      sink.accept(
          new PatientChunk(
              List.of(),
              new ArrayList<>(results.subList(from, Math.min(results.size(), from + PAGE)))));
    }
  }

  /** Every Patient a page at a time, or the Patients of the Group. */
  private Iterable<List<Patient>> population(String group, RequestDetails request) {
    if (group != null) {
      Group members = daos.getResourceDao(Group.class).read(new IdType(group), request);
      List<Patient> patients = new ArrayList<>();
      for (Group.GroupMemberComponent member : members.getMember()) {
        IdType entity = new IdType(member.getEntity().getReference());
        if ("Patient".equals(entity.getResourceType()) && !member.getInactive()) {
          patients.add(
              daos.getResourceDao(Patient.class).read(entity.toUnqualifiedVersionless(), request));
        }
      }
      return List.of(patients);
    }
    // Every id first (HAPI streams them without the result cap its paged searches have: that cap
    // once made a screening of 100,000 patients stop at 10,000), then the Patients a page at a
    // time, read when their page is screened.
    List<String> ids =
        daos
            .getResourceDao(Patient.class)
            .searchForResourceIds(new SearchParameterMap(), request)
            .stream()
            .map(IIdType::getIdPart)
            .toList();
    return () ->
        new Iterator<>() {
          private int from;

          @Override
          public boolean hasNext() {
            return from < ids.size();
          }

          @Override
          public List<Patient> next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            List<String> page = ids.subList(from, Math.min(ids.size(), from + PAGE));
            from += page.size();
            return screening.patients(page, request);
          }
        };
  }
}
