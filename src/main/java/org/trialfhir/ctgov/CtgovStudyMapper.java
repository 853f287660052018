package org.trialfhir.ctgov;

import ca.uhn.fhir.parser.DataFormatException;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactDetail;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchStudy.ResearchStudyStatus;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UnsignedIntType;
import org.trialfhir.eligibility.TimeUnit;

/**
 * Maps one ClinicalTrials.gov API v2 study record to FHIR (the table in docs/ctgov-mapping.md).
 * Reads only what it maps and tolerates every field being absent except the NCT id.
 */
final class CtgovStudyMapper {

  static final String NCT_SYSTEM = "http://clinicaltrials.gov";
  static final String BASE = "http://trialfhir.org/fhir/";
  static final String R5 = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.";
  private static final Map<String, ResearchStudyStatus> STATUS =
      Map.of(
          "RECRUITING", ResearchStudyStatus.ACTIVE,
          "NOT_YET_RECRUITING", ResearchStudyStatus.APPROVED,
          "ENROLLING_BY_INVITATION", ResearchStudyStatus.ACTIVE,
          "ACTIVE_NOT_RECRUITING", ResearchStudyStatus.CLOSEDTOACCRUAL,
          "COMPLETED", ResearchStudyStatus.COMPLETED,
          "SUSPENDED", ResearchStudyStatus.TEMPORARILYCLOSEDTOACCRUAL,
          "TERMINATED", ResearchStudyStatus.ADMINISTRATIVELYCOMPLETED,
          "WITHDRAWN", ResearchStudyStatus.WITHDRAWN);
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
  private static final Pattern AGE =
      Pattern.compile(
          "^\\s*(\\d+)\\s+(year|month|week|day|hour|minute)s?\\s*$", Pattern.CASE_INSENSITIVE);

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
    study
        .addIdentifier()
        .setUse(Identifier.IdentifierUse.OFFICIAL)
        .setSystem(NCT_SYSTEM)
        .setValue(nct);

    List<Organization> organizations = new ArrayList<>();
    JsonNode sponsors = module(p, "sponsorCollaboratorsModule");
    Organization lead =
        organization(
            text(
                sponsors.path("leadSponsor"),
                "name",
                text(ident.path("organization"), "fullName", null)),
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
            BASE + "StructureDefinition/collaborator",
            new Reference("Organization/" + org.getIdPart()).setDisplay(org.getName()));
      }
    }
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

    JsonNode status = module(p, "statusModule");
    String overall = text(status, "overallStatus", null);
    ResearchStudyStatus mapped = overall == null ? null : STATUS.get(overall);
    if (mapped == null) {
      warnings.add(
          "overallStatus '" + overall + "' has no FHIR equivalent; status set to in-review");
      mapped = ResearchStudyStatus.INREVIEW;
    }
    study.setStatus(mapped);
    Period period = new Period();
    date(text(status.path("startDateStruct"), "date", null), "startDateStruct.date")
        .ifPresent(period::setStartElement);
    date(text(status.path("completionDateStruct"), "date", null), "completionDateStruct.date")
        .ifPresent(period::setEndElement);
    if (!period.isEmpty()) {
      study.setPeriod(period);
    }

    JsonNode design = module(p, "designModule");
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
      Extension recruitment = study.addExtension().setUrl(R5 + "recruitment");
      recruitment.addExtension(part, new UnsignedIntType(enrollment.path("count").asInt()));
    }

    List<String> conditions = new ArrayList<>();
    JsonNode conditionsModule = module(p, "conditionsModule");
    array(conditionsModule, "conditions")
        .forEach(
            c -> {
              conditions.add(c.asText());
              study.addCondition().setText(c.asText());
            });
    array(conditionsModule, "keywords").forEach(k -> study.addKeyword().setText(k.asText()));

    JsonNode description = module(p, "descriptionModule");
    String summary = text(description, "briefSummary", null);
    String detailed = text(description, "detailedDescription", null);
    if (summary != null || detailed != null) {
      study.setDescription(
          summary == null ? detailed : detailed == null ? summary : summary + "\n\n" + detailed);
    }

    JsonNode arms = module(p, "armsInterventionsModule");
    for (JsonNode arm : array(arms, "armGroups")) {
      ResearchStudy.ResearchStudyArmComponent a = study.addArm().setName(text(arm, "label", "Arm"));
      String type = text(arm, "type", null);
      if (type != null) {
        a.setType(
            new CodeableConcept(new Coding(BASE + "CodeSystem/ctgov-arm-group-type", type, null)));
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
        focus.addCoding(new Coding(BASE + "CodeSystem/ctgov-intervention-type", type, null));
      }
    }

    JsonNode outcomes = module(p, "outcomesModule");
    objectives(study, array(outcomes, "primaryOutcomes"), "primary");
    objectives(study, array(outcomes, "secondaryOutcomes"), "secondary");
    objectives(study, array(outcomes, "otherOutcomes"), "exploratory");

    JsonNode contacts = module(p, "contactsLocationsModule");
    for (JsonNode official : array(contacts, "overallOfficials")) {
      String name = text(official, "name", null);
      if (name != null
          && "PRINCIPAL_INVESTIGATOR".equals(text(official, "role", null))
          && !study.hasPrincipalInvestigator()) {
        study.setPrincipalInvestigator(new Reference().setDisplay(name + affiliation(official)));
      } else if (name != null) {
        study.addContact(
            new ContactDetail()
                .setName(
                    name
                        + " ("
                        + text(official, "role", "official")
                        + ")"
                        + affiliation(official)));
      }
    }
    for (JsonNode contact : array(contacts, "centralContacts")) {
      ContactDetail detail = study.addContact().setName(text(contact, "name", "Central contact"));
      if (text(contact, "phone", null) != null) {
        detail
            .addTelecom()
            .setSystem(ContactPoint.ContactPointSystem.PHONE)
            .setValue(text(contact, "phone", null));
      }
      if (text(contact, "email", null) != null) {
        detail
            .addTelecom()
            .setSystem(ContactPoint.ContactPointSystem.EMAIL)
            .setValue(text(contact, "email", null));
      }
    }
    List<Location> locations = new ArrayList<>();
    int index = 0;
    for (JsonNode site : array(contacts, "locations")) {
      Location location = location(studyId + "-site-" + (++index), nct, site);
      locations.add(location);
      study.addSite(
          new Reference("Location/" + location.getIdPart()).setDisplay(location.getName()));
    }

    Group group = eligibility(studyId, nct, module(p, "eligibilityModule"), conditions, study);
    study.addEnrollment(new Reference("Group/" + group.getIdPart()));
    return new Mapped(study, group, organizations, locations, List.copyOf(warnings));
  }

  private Group eligibility(
      String studyId, String nct, JsonNode module, List<String> conditions, ResearchStudy study) {
    Group group =
        new Group().setType(Group.GroupType.PERSON).setActual(false).setName(nct + " eligibility");
    group.setId(studyId + "-eligibility");
    group.getMeta().addProfile(BASE + "StructureDefinition/trial-eligibility-group");
    group.addIdentifier().setSystem(BASE + "eligibility-group").setValue(studyId + "-eligibility");
    CriterionFactory criteria = new CriterionFactory(group);
    Quantity low = age(text(module, "minimumAge", null), "minimumAge");
    Quantity high = age(text(module, "maximumAge", null), "maximumAge");
    if (low != null && high != null && !low.getCode().equals(high.getCode())) {
      AgeUnits.Bounds same = AgeUnits.inFinerUnit(low, high);
      if (same.approximate()) {
        warnings.add(
            "Ages in "
                + low.getUnit()
                + " and "
                + high.getUnit()
                + " were converted to "
                + same.low().getUnit()
                + " approximately");
      }
      low = same.low();
      high = same.high();
    }
    if (low != null || high != null) {
      String text =
          "Ages "
              + (low == null
                  ? "up to " + text(module, "maximumAge", "")
                  : high == null
                      ? text(module, "minimumAge", "") + " and older"
                      : text(module, "minimumAge", "") + " to " + text(module, "maximumAge", ""));
      group.addCharacteristic(criteria.age("registry-age", text, low, high));
      study.addExtension(
          BASE + "StructureDefinition/eligibility-age-range",
          new Range().setLow(low).setHigh(high));
    }
    String sex = text(module, "sex", null);
    if (sex != null) {
      study.addExtension(
          BASE + "StructureDefinition/eligibility-sex", new CodeType(sex.toLowerCase(Locale.ROOT)));
      if (sex.equals("FEMALE") || sex.equals("MALE")) {
        group.addCharacteristic(
            criteria.sex(
                "registry-sex",
                "Sex: " + sex.toLowerCase(Locale.ROOT),
                sex.toLowerCase(Locale.ROOT)));
      }
    }
    if (module.path("healthyVolunteers").isBoolean()) {
      boolean healthy = module.path("healthyVolunteers").asBoolean();
      study.addExtension(
          BASE + "StructureDefinition/accepts-healthy-volunteers", new BooleanType(healthy));
      if (!healthy) {
        group.addCharacteristic(
            criteria.manual(
                "registry-no-healthy-volunteers",
                new CriteriaText.Item(
                    false,
                    "Healthy volunteers are not accepted: participants have the condition studied.")));
      }
    }
    int inclusion = 0;
    int exclusion = 0;
    for (CriteriaText.Item item : CriteriaText.split(text(module, "eligibilityCriteria", null))) {
      String id = item.exclusion() ? "exc-" + (++exclusion) : "inc-" + (++inclusion);
      group.addCharacteristic(
          CriteriaRecogniser.recognise(id, item, conditions, criteria)
              .orElseGet(
                  () -> {
                    warnings.add(
                        id
                            + " could not be made computable and needs a person: "
                            + abbreviate(item.text()));
                    return criteria.manual(id, item);
                  }));
    }
    if (group.getCharacteristic().isEmpty()) {
      group.addCharacteristic(
          criteria.manual(
              "registry-none",
              new CriteriaText.Item(false, "The registry record states no eligibility criteria.")));
    }
    return group;
  }

  private Quantity age(String value, String field) {
    if (value == null) {
      return null;
    }
    Matcher m = AGE.matcher(value);
    if (!m.matches()) {
      warnings.add(field + " '" + value + "' is not an age the importer understands; ignored");
      return null;
    }
    int amount = Integer.parseInt(m.group(1));
    TimeUnit unit = TimeUnit.ofWord(m.group(2)).orElse(TimeUnit.DAY);
    if (!unit.calendar()) {
      // Hours and minutes: newborn studies; an age in whole days is what a record can hold.
      long days = BigDecimal.valueOf(amount).multiply(unit.days()).longValue();
      return CriterionFactory.quantity(BigDecimal.valueOf(days), "d").setUnit("days");
    }
    return CriterionFactory.quantity(BigDecimal.valueOf(amount), unit.ucum())
        .setUnit(unit.words(2));
  }

  private static Optional<String> phase(List<String> phases) {
    if (phases.containsAll(List.of("PHASE1", "PHASE2"))) {
      return Optional.of("phase-1-phase-2");
    }
    if (phases.containsAll(List.of("PHASE2", "PHASE3"))) {
      return Optional.of("phase-2-phase-3");
    }
    return phases.stream().map(PHASE::get).filter(Objects::nonNull).findFirst();
  }

  private Organization organization(String name, String agencyClass) {
    if (name == null) {
      return null;
    }
    Organization org = new Organization().setName(name).setActive(true);
    String slug =
        name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    org.setId(("org-" + slug).substring(0, Math.min(64, 4 + slug.length())).replaceAll("-$", ""));
    org.addIdentifier().setSystem(BASE + "organization").setValue(org.getIdPart());
    if (agencyClass != null) {
      org.addType().setText("ClinicalTrials.gov agency class " + agencyClass);
    }
    return org;
  }

  private static Location location(String id, String nct, JsonNode site) {
    Location location = new Location();
    location.setId(id);
    location.addIdentifier().setSystem(BASE + "ctgov-site").setValue(id);
    location.setName(text(site, "facility", text(site, "city", "Site")));
    location.setStatus(Location.LocationStatus.ACTIVE);
    Address address = new Address();
    if (text(site, "city", null) != null) {
      address.setCity(text(site, "city", null));
    }
    if (text(site, "state", null) != null) {
      address.setState(text(site, "state", null));
    }
    if (text(site, "zip", null) != null) {
      address.setPostalCode(text(site, "zip", null));
    }
    if (text(site, "country", null) != null) {
      address.setCountry(text(site, "country", null));
    }
    if (!address.isEmpty()) {
      location.setAddress(address);
    }
    JsonNode geo = site.path("geoPoint");
    if (geo.path("lat").isNumber() && geo.path("lon").isNumber()) {
      location
          .getPosition()
          .setLatitude(geo.path("lat").decimalValue())
          .setLongitude(geo.path("lon").decimalValue());
    }
    if (text(site, "status", null) != null) {
      location.setDescription(
          "Recruitment status at this site (" + nct + "): " + text(site, "status", null));
    }
    return location;
  }

  private void objectives(ResearchStudy study, List<JsonNode> outcomes, String type) {
    for (JsonNode outcome : outcomes) {
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

  private static void designCode(ResearchStudy study, String system, String code) {
    if (code != null) {
      study.addExtension(
          R5 + "studyDesign",
          new CodeableConcept(new Coding(BASE + "CodeSystem/" + system, code, null)));
    }
  }

  private static void label(ResearchStudy study, String type, String value) {
    if (value != null) {
      Extension label = study.addExtension().setUrl(R5 + "label");
      label.addExtension(
          "type",
          new CodeableConcept(new Coding(BASE + "CodeSystem/study-label-type", type, null)));
      label.addExtension("value", new StringType(value));
    }
  }

  private static String affiliation(JsonNode official) {
    String affiliation = text(official, "affiliation", null);
    return affiliation == null ? "" : ", " + affiliation;
  }

  /** A registry date (YYYY, YYYY-MM or YYYY-MM-DD); anything else is an error in the record. */
  private static Optional<DateTimeType> date(String value, String field) {
    if (value == null) {
      return Optional.empty();
    }
    try {
      if (value.matches("\\d{4}(-\\d{2}(-\\d{2})?)?")) {
        return Optional.of(new DateTimeType(value));
      }
    } catch (DataFormatException impossible) {
      // reported below
    }
    throw new IllegalArgumentException(
        "protocolSection.statusModule." + field + " '" + value + "' is not a valid date");
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }

  static String text(JsonNode node, String field, String fallback) {
    JsonNode value = node.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return fallback;
    }
    if (!value.isTextual() && !value.isNumber() && !value.isBoolean()) {
      throw new IllegalArgumentException(
          "field '" + field + "' must be a string, not " + value.getNodeType());
    }
    String text = CriteriaText.unescape(value.asText()).strip();
    return text.isEmpty() ? fallback : text;
  }

  /** A module of protocolSection: absent is fine, anything but an object is an error. */
  private static JsonNode module(JsonNode protocolSection, String name) {
    JsonNode value = protocolSection.path(name);
    if (!value.isMissingNode() && !value.isNull() && !value.isObject()) {
      throw new IllegalArgumentException(
          "protocolSection." + name + " must be an object, not " + value.getNodeType());
    }
    return value;
  }

  private static JsonNode object(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (!value.isObject()) {
      throw new IllegalArgumentException("'" + field + "' must be an object");
    }
    return value;
  }

  private static List<JsonNode> array(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw new IllegalArgumentException(
          "field '" + field + "' must be an array, not " + value.getNodeType());
    }
    List<JsonNode> items = new ArrayList<>();
    value.forEach(items::add);
    return items;
  }
}
