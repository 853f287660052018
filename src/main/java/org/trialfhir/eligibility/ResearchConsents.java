package org.trialfhir.eligibility;

import java.util.List;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;

/**
 * Which Consents count as research consent for a study (docs/eligibility-contract.md §3): active,
 * scope research, and a ResearchStudyContext extension referencing the study.
 */
public final class ResearchConsents {

  static final String STUDY_CONTEXT =
      "http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext";

  private ResearchConsents() {}

  /** Active consents with scope research, for any study. */
  public static List<Consent> research(List<Consent> consents) {
    return consents.stream()
        .filter(c -> c.hasStatus() && "active".equals(c.getStatus().toCode()))
        .filter(
            c -> c.getScope().getCoding().stream().anyMatch(s -> "research".equals(s.getCode())))
        .toList();
  }

  /** Those of {@code consents} that are research consent for the study, e.g. ResearchStudy/x. */
  public static List<Consent> forStudy(List<Consent> consents, String studyReference) {
    return research(consents).stream()
        .filter(
            c ->
                c.getExtensionsByUrl(STUDY_CONTEXT).stream()
                    .anyMatch(
                        e ->
                            e.getValue() instanceof Reference r
                                && r.hasReference()
                                && studyReference.equals(
                                    new IdType(r.getReference())
                                        .toUnqualifiedVersionless()
                                        .getValue())))
        .toList();
  }
}
