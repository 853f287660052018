package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.module;
import static org.trialfhir.ctgov.CtgovJson.object;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;

/**
 * Maps one ClinicalTrials.gov API v2 study record to FHIR (the table in docs/ctgov-mapping.md), one
 * reader per registry section. Reads only what it maps and tolerates every field being absent
 * except the NCT id.
 */
final class CtgovStudyMapper {

  static final String NCT_SYSTEM = "http://clinicaltrials.gov";
  static final String BASE = "http://trialfhir.org/fhir/";
  static final String R5 = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.";

  record Mapped(
      ResearchStudy study,
      Group eligibility,
      List<Organization> organizations,
      List<Location> locations,
      List<String> warnings) {}

  private final List<String> warnings = new ArrayList<>();

  static String nctId(JsonNode record) {
    JsonNode id = record.path("protocolSection").path("identificationModule").path("nctId");
    if (!id.isTextual() || !id.asText().matches("NCT\\d{8}")) {
      throw new IllegalArgumentException(
          id.isMissingNode()
              ? "the record has no protocolSection.identificationModule.nctId"
              : "protocolSection.identificationModule.nctId must be a string like NCT01234567, not "
                  + id);
    }
    return id.asText();
  }

  Mapped map(JsonNode record, String studyId) {
    JsonNode p = object(record, "protocolSection");
    String nct = nctId(record);
    JsonNode ident = module(p, "identificationModule");
    ResearchStudy study = new ResearchStudy();
    study.setId(studyId);
    study.getMeta().addProfile(BASE + "StructureDefinition/trial-research-study");
    SponsorsReader.Sponsors sponsors =
        SponsorsReader.read(module(p, "sponsorCollaboratorsModule"), ident, study);
    IdentificationReader.read(ident, nct, sponsors.lead(), study);
    StatusReader.read(module(p, "statusModule"), study, warnings);
    DesignReader.read(module(p, "designModule"), study);
    List<String> conditions = ConditionsReader.read(module(p, "conditionsModule"), study);
    DescriptionReader.read(module(p, "descriptionModule"), study);
    ArmsReader.read(module(p, "armsInterventionsModule"), study);
    OutcomesReader.read(module(p, "outcomesModule"), study);
    List<Location> locations =
        ContactsReader.read(module(p, "contactsLocationsModule"), nct, studyId, study);
    Group group =
        new EligibilityGroupMapper(warnings)
            .map(studyId, nct, module(p, "eligibilityModule"), conditions, study);
    study.addEnrollment(new Reference("Group/" + group.getIdPart()));
    return new Mapped(study, group, sponsors.organizations(), locations, List.copyOf(warnings));
  }
}
