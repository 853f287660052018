package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.array;
import static org.trialfhir.ctgov.CtgovJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;

/**
 * identificationModule: the NCT id (official identifier), the organisation's and secondary ids, the
 * brief title, and the official title and acronym as R5 labels.
 */
final class IdentificationReader {

  private IdentificationReader() {}

  static void read(JsonNode ident, String nct, Organization lead, ResearchStudy study) {
    study
        .addIdentifier()
        .setUse(Identifier.IdentifierUse.OFFICIAL)
        .setSystem(CtgovStudyMapper.NCT_SYSTEM)
        .setValue(nct);
    String orgStudyId = text(ident.path("orgStudyIdInfo"), "id", null);
    if (orgStudyId != null) {
      Identifier id =
          study.addIdentifier().setUse(Identifier.IdentifierUse.SECONDARY).setValue(orgStudyId);
      id.getType().setText("Organization study ID");
      if (lead != null) {
        id.setAssigner(new Reference("Organization/" + lead.getIdPart()));
      }
    }
    for (JsonNode secondary : array(ident, "secondaryIdInfos")) {
      String value = text(secondary, "id", null);
      if (value != null) {
        Identifier id =
            study.addIdentifier().setUse(Identifier.IdentifierUse.SECONDARY).setValue(value);
        id.getType().setText(text(secondary, "type", "Secondary ID"));
      }
    }
    study.setTitle(text(ident, "briefTitle", text(ident, "officialTitle", nct)));
    label(study, "official-title", text(ident, "officialTitle", null));
    label(study, "acronym", text(ident, "acronym", null));
  }

  private static void label(ResearchStudy study, String type, String value) {
    if (value != null) {
      Extension label = study.addExtension().setUrl(CtgovStudyMapper.R5 + "label");
      label.addExtension(
          "type",
          new CodeableConcept(
              new Coding(CtgovStudyMapper.BASE + "CodeSystem/study-label-type", type, null)));
      label.addExtension("value", new StringType(value));
    }
  }
}
