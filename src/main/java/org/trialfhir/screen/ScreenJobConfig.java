package org.trialfhir.screen;

import ca.uhn.fhir.batch2.model.JobDefinition;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.trialfhir.eligibility.PopulationScreening;
import org.trialfhir.screen.ScreenModels.Parameters;
import org.trialfhir.screen.ScreenModels.PatientChunk;
import org.trialfhir.screen.ScreenModels.Report;
import org.trialfhir.screen.ScreenModels.ResultChunk;
import org.trialfhir.security.JobCallerRequests;
import org.trialfhir.server.ReclaimableJob;

/**
 * Population screening as a HAPI Batch2 job: its chunks are stored in the database, so the work
 * survives a restart and is shared by every server instance on the same database. Its steps read as
 * the caller who started it ({@link CallerSteps}).
 */
@Configuration(proxyBeanMethods = false)
class ScreenJobConfig {

  static final String JOB = "trialfhir-screen";

  /** Each step's result is kept once per patient, so a chunk may run twice (StaleChunks). */
  @Bean
  ReclaimableJob screenJobReclaimable() {
    return new ReclaimableJob(JOB);
  }

  @Bean
  JobDefinition<Parameters> screenJob(
      PopulationScreening screening, DaoRegistry daos, JobCallerRequests callers) {
    CallerSteps caller = new CallerSteps(callers);
    return JobDefinition.newBuilder()
        .setJobDefinitionId(JOB)
        .setJobDescription("Screen a population against a study's eligibility criteria")
        .setJobDefinitionVersion(1)
        .setParametersType(Parameters.class)
        // a reduction step needs each step to finish before the next starts
        .gatedExecution()
        .addFirstStep(
            "select",
            "Narrow the population set-based (age, sex, required diagnosis)",
            PatientChunk.class,
            new SelectCandidates(screening, daos, caller))
        .addIntermediateStep(
            "evaluate",
            "Evaluate the remaining patients in full",
            ResultChunk.class,
            new EvaluateChunk(screening, caller, daos.getSystemDao().getContext()))
        .addFinalReducerStep(
            "report", "Collect the results and the funnel", Report.class, new ScreenReducer())
        .build();
  }
}
