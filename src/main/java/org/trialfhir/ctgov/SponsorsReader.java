package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.array;
import static org.trialfhir.ctgov.CtgovJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;

/**
 * sponsorCollaboratorsModule: the lead sponsor (else the identification module's organization) as
 * the study's sponsor, collaborators as the {@code collaborator} extension, each an Organization.
 */
final class SponsorsReader {

  /** The lead sponsor (or null) and every Organization, the lead first. */
  record Sponsors(Organization lead, List<Organization> organizations) {}

  private SponsorsReader() {}

  static Sponsors read(JsonNode sponsors, JsonNode identification, ResearchStudy study) {
    List<Organization> organizations = new ArrayList<>();
    Organization lead =
        organization(
            text(
                sponsors.path("leadSponsor"),
                "name",
                text(identification.path("organization"), "fullName", null)),
            text(sponsors.path("leadSponsor"), "class", null));
    if (lead != null) {
      organizations.add(lead);
      study.setSponsor(
          new Reference("Organization/" + lead.getIdPart()).setDisplay(lead.getName()));
    }
    for (JsonNode collaborator : array(sponsors, "collaborators")) {
      Organization org =
          organization(text(collaborator, "name", null), text(collaborator, "class", null));
      if (org != null) {
        organizations.add(org);
        study.addExtension(
            CtgovStudyMapper.BASE + "StructureDefinition/collaborator",
            new Reference("Organization/" + org.getIdPart()).setDisplay(org.getName()));
      }
    }
    return new Sponsors(lead, organizations);
  }

  /** An Organization whose id is a slug of its name, so that re-imports find the same one. */
  static Organization organization(String name, String agencyClass) {
    if (name == null) {
      return null;
    }
    Organization org = new Organization().setName(name).setActive(true);
    String slug =
        name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    org.setId(("org-" + slug).substring(0, Math.min(64, 4 + slug.length())).replaceAll("-$", ""));
    org.addIdentifier().setSystem(CtgovStudyMapper.BASE + "organization").setValue(org.getIdPart());
    if (agencyClass != null) {
      org.addType().setText("ClinicalTrials.gov agency class " + agencyClass);
    }
    return org;
  }
}
