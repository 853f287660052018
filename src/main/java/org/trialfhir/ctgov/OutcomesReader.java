package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.array;
import static org.trialfhir.ctgov.CtgovJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ResearchStudy;

/** outcomesModule: primary, secondary and other outcomes as objectives, with their time frame. */
final class OutcomesReader {

  private OutcomesReader() {}

  static void read(JsonNode outcomes, ResearchStudy study) {
    objectives(study, outcomes, "primaryOutcomes", "primary");
    objectives(study, outcomes, "secondaryOutcomes", "secondary");
    objectives(study, outcomes, "otherOutcomes", "exploratory");
  }

  private static void objectives(
      ResearchStudy study, JsonNode outcomes, String field, String type) {
    for (JsonNode outcome : array(outcomes, field)) {
      String measure = text(outcome, "measure", null);
      if (measure == null) {
        continue;
      }
      String timeFrame = text(outcome, "timeFrame", null);
      study
          .addObjective()
          .setName(timeFrame == null ? measure : measure + " (time frame: " + timeFrame + ")")
          .setType(
              new CodeableConcept(
                  new Coding(
                      "http://terminology.hl7.org/CodeSystem/research-study-objective-type",
                      type,
                      null)));
    }
  }
}
