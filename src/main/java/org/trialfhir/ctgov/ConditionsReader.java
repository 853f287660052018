package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.array;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.ResearchStudy;

/** conditionsModule: conditions and keywords as text; the conditions are returned for criteria. */
final class ConditionsReader {

  private ConditionsReader() {}

  static List<String> read(JsonNode conditionsModule, ResearchStudy study) {
    List<String> conditions = new ArrayList<>();
    array(conditionsModule, "conditions")
        .forEach(
            c -> {
              conditions.add(c.asText());
              study.addCondition().setText(c.asText());
            });
    array(conditionsModule, "keywords").forEach(k -> study.addKeyword().setText(k.asText()));
    return conditions;
  }
}
