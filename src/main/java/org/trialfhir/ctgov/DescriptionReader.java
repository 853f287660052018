package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import org.hl7.fhir.r4.model.ResearchStudy;

/** descriptionModule: the brief summary and detailed description, one after the other. */
final class DescriptionReader {

  private DescriptionReader() {}

  static void read(JsonNode description, ResearchStudy study) {
    String summary = text(description, "briefSummary", null);
    String detailed = text(description, "detailedDescription", null);
    if (summary != null || detailed != null) {
      study.setDescription(
          summary == null ? detailed : detailed == null ? summary : summary + "\n\n" + detailed);
    }
  }
}
