package org.trialfhir.study;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;

/** A study's design codes (R5 studyDesign extension, ClinicalTrials.gov enumerations). */
public final class StudyDesign {

  static final String EXTENSION =
      "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign";
  public static final String ALLOCATION = "http://trialfhir.org/fhir/CodeSystem/ctgov-allocation";
  public static final String MASKING = "http://trialfhir.org/fhir/CodeSystem/ctgov-masking";

  /** How the server randomises the study: block size, stratifiers, and an optional seed. */
  public static final String RANDOMISATION =
      "http://trialfhir.org/fhir/StructureDefinition/randomisation";

  private static final String SEED = "seed";

  private StudyDesign() {}

  /**
   * The study as shown to a caller who may not see allocations: without the randomisation seed,
   * from which anyone could recompute the allocation sequence (and so every arm, and the next
   * allocation: concealment matters in open-label studies too). The study itself when it has none.
   */
  public static ResearchStudy withoutSeed(ResearchStudy study) {
    boolean seeded =
        study.getExtensionsByUrl(RANDOMISATION).stream().anyMatch(e -> e.hasExtension(SEED));
    if (!seeded) {
      return study;
    }
    ResearchStudy shown = study.copy();
    shown.getExtensionsByUrl(RANDOMISATION).forEach(e -> e.removeExtension(SEED));
    return shown;
  }

  /** A write from a caller who was shown the study without its seed keeps the stored seed. */
  public static void keepSeed(ResearchStudy stored, ResearchStudy written) {
    List<Extension> seeds =
        stored.getExtensionsByUrl(RANDOMISATION).stream()
            .flatMap(e -> e.getExtensionsByUrl(SEED).stream())
            .toList();
    List<Extension> plans = written.getExtensionsByUrl(RANDOMISATION);
    if (seeds.isEmpty() || plans.isEmpty()) {
      return;
    }
    Extension plan = plans.get(0);
    plan.removeExtension(SEED);
    plan.addExtension(seeds.get(0).copy());
  }

  /** The study's design codings of one code system. */
  public static List<Coding> codes(ResearchStudy study, String system) {
    return study.getExtensionsByUrl(EXTENSION).stream()
        .map(Extension::getValue)
        .filter(CodeableConcept.class::isInstance)
        .flatMap(v -> ((CodeableConcept) v).getCoding().stream())
        .filter(c -> system.equals(c.getSystem()))
        .toList();
  }

  /** Masked unless the study says NONE: showing an arm by mistake cannot be undone. */
  public static boolean masked(ResearchStudy study) {
    List<Coding> masking = codes(study, MASKING);
    return masking.isEmpty() || masking.stream().noneMatch(c -> "NONE".equals(c.getCode()));
  }

  /**
   * Whether the subject's study is masked; a subject without a readable study counts as masked, so
   * that no path shows an arm it cannot vouch for.
   */
  public static boolean masked(ResearchSubject subject, DaoRegistry daos) {
    if (!subject.getStudy().hasReference()) {
      return true;
    }
    try {
      ResearchStudy study =
          daos.getResourceDao(ResearchStudy.class)
              .read(
                  new IdType(subject.getStudy().getReference()).toUnqualifiedVersionless(),
                  new SystemRequestDetails());
      return masked(study);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return true;
    }
  }
}
