package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.array;
import static org.trialfhir.ctgov.CtgovJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ResearchStudy;

/** armsInterventionsModule: arm groups as arms, interventions as the study's focus. */
final class ArmsReader {

  private ArmsReader() {}

  static void read(JsonNode arms, ResearchStudy study) {
    for (JsonNode arm : array(arms, "armGroups")) {
      ResearchStudy.ResearchStudyArmComponent a = study.addArm().setName(text(arm, "label", "Arm"));
      String type = text(arm, "type", null);
      if (type != null) {
        a.setType(
            new CodeableConcept(
                new Coding(CtgovStudyMapper.BASE + "CodeSystem/ctgov-arm-group-type", type, null)));
      }
      List<String> parts = new ArrayList<>();
      if (text(arm, "description", null) != null) {
        parts.add(text(arm, "description", null));
      }
      array(arm, "interventionNames").forEach(n -> parts.add(n.asText()));
      if (!parts.isEmpty()) {
        a.setDescription(String.join("; ", parts));
      }
    }
    for (JsonNode intervention : array(arms, "interventions")) {
      CodeableConcept focus = study.addFocus().setText(text(intervention, "name", "Intervention"));
      String type = text(intervention, "type", null);
      if (type != null) {
        focus.addCoding(
            new Coding(CtgovStudyMapper.BASE + "CodeSystem/ctgov-intervention-type", type, null));
      }
    }
  }
}
