package org.trialfhir.screen;

import ca.uhn.fhir.batch2.api.IJobDataSink;
import ca.uhn.fhir.batch2.api.IJobStepWorker;
import ca.uhn.fhir.batch2.api.RunOutcome;
import ca.uhn.fhir.batch2.api.StepExecutionDetails;
import ca.uhn.fhir.context.FhirContext;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.IdType;
import org.trialfhir.eligibility.PopulationScreening;
import org.trialfhir.screen.ScreenModels.Parameters;
import org.trialfhir.screen.ScreenModels.PatientChunk;
import org.trialfhir.screen.ScreenModels.Result;
import org.trialfhir.screen.ScreenModels.ResultChunk;

/** Second step: the survivors of a chunk evaluated in full, as $eligibility would. */
class EvaluateChunk implements IJobStepWorker<Parameters, PatientChunk, ResultChunk> {

  private final PopulationScreening screening;
  private final CallerSteps caller;
  private final FhirContext fhir;

  EvaluateChunk(PopulationScreening screening, CallerSteps caller, FhirContext fhir) {
    this.screening = screening;
    this.caller = caller;
    this.fhir = fhir;
  }

  @Override
  public RunOutcome run(
      StepExecutionDetails<Parameters, PatientChunk> details, IJobDataSink<ResultChunk> sink) {
    PatientChunk chunk = details.getData();
    List<Result> results = new ArrayList<>(chunk.decided());
    if (!chunk.evaluate().isEmpty()) {
      caller
          .run(
              details,
              "evaluate",
              request ->
                  screening.evaluate(
                      new IdType("ResearchStudy", details.getParameters().study()),
                      details.getParameters().proposed(fhir),
                      chunk.evaluate(),
                      LocalDate.parse(details.getParameters().date()),
                      request))
          .forEach(s -> results.add(Result.of(s)));
    }
    sink.accept(new ResultChunk(results));
    return new RunOutcome(results.size());
  }
}
