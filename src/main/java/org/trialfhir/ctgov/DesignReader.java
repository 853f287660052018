package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.array;
import static org.trialfhir.ctgov.CtgovJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.UnsignedIntType;

/**
 * designModule: phase, study type, allocation, intervention model, masking, primary purpose and
 * enrolment (target or actual).
 */
final class DesignReader {

  private static final Map<String, String> PHASE =
      Map.of(
          "NA",
          "n-a",
          "EARLY_PHASE1",
          "early-phase-1",
          "PHASE1",
          "phase-1",
          "PHASE2",
          "phase-2",
          "PHASE3",
          "phase-3",
          "PHASE4",
          "phase-4");
  private static final Map<String, String> PURPOSE =
      Map.of(
          "TREATMENT",
          "treatment",
          "PREVENTION",
          "prevention",
          "DIAGNOSTIC",
          "diagnostic",
          "SUPPORTIVE_CARE",
          "supportive-care",
          "SCREENING",
          "screening",
          "HEALTH_SERVICES_RESEARCH",
          "health-services-research",
          "BASIC_SCIENCE",
          "basic-science",
          "DEVICE_FEASIBILITY",
          "device-feasibility");

  private DesignReader() {}

  static void read(JsonNode design, ResearchStudy study) {
    List<String> phases = new ArrayList<>();
    array(design, "phases").forEach(ph -> phases.add(ph.asText()));
    phase(phases)
        .ifPresent(
            code ->
                study.setPhase(
                    new CodeableConcept(
                        new Coding(
                            "http://terminology.hl7.org/CodeSystem/research-study-phase",
                            code,
                            null))));
    designCode(study, "ctgov-study-type", text(design, "studyType", null));
    JsonNode info = design.path("designInfo");
    designCode(study, "ctgov-allocation", text(info, "allocation", null));
    designCode(study, "ctgov-intervention-model", text(info, "interventionModel", null));
    designCode(study, "ctgov-masking", text(info.path("maskingInfo"), "masking", null));
    array(info.path("maskingInfo"), "whoMasked")
        .forEach(w -> designCode(study, "ctgov-who-masked", w.asText()));
    String purpose = text(info, "primaryPurpose", null);
    if (purpose != null) {
      String code = PURPOSE.get(purpose);
      study.setPrimaryPurposeType(
          code != null
              ? new CodeableConcept(
                  new Coding(
                      "http://terminology.hl7.org/CodeSystem/research-study-prim-purp-type",
                      code,
                      null))
              : new CodeableConcept().setText(purpose));
    }
    JsonNode enrollment = design.path("enrollmentInfo");
    if (enrollment.path("count").canConvertToInt()) {
      String part =
          "ACTUAL".equals(text(enrollment, "type", null)) ? "actualNumber" : "targetNumber";
      Extension recruitment = study.addExtension().setUrl(CtgovStudyMapper.R5 + "recruitment");
      recruitment.addExtension(part, new UnsignedIntType(enrollment.path("count").asInt()));
    }
  }

  static Optional<String> phase(List<String> phases) {
    if (phases.containsAll(List.of("PHASE1", "PHASE2"))) {
      return Optional.of("phase-1-phase-2");
    }
    if (phases.containsAll(List.of("PHASE2", "PHASE3"))) {
      return Optional.of("phase-2-phase-3");
    }
    return phases.stream().map(PHASE::get).filter(Objects::nonNull).findFirst();
  }

  private static void designCode(ResearchStudy study, String system, String code) {
    if (code != null) {
      study.addExtension(
          CtgovStudyMapper.R5 + "studyDesign",
          new CodeableConcept(
              new Coding(CtgovStudyMapper.BASE + "CodeSystem/" + system, code, null)));
    }
  }
}
