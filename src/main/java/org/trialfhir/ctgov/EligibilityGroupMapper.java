package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.trialfhir.eligibility.TimeUnit;

/**
 * eligibilityModule: the study's eligibility Group in the criteria model (fhir-profiles/README.md)
 * — the registry's ages and sex as computable criteria, then one criterion per item of the
 * free-text criteria, computable where {@link CriteriaRecogniser} reads it with confidence and for
 * a person otherwise — and the age range, sex and healthy-volunteers extensions of the study.
 */
final class EligibilityGroupMapper {

  private static final Pattern AGE =
      Pattern.compile(
          "^\\s*(\\d+)\\s+(year|month|week|day|hour|minute)s?\\s*$", Pattern.CASE_INSENSITIVE);

  private final List<String> warnings;

  /** {@code warnings} receives what could not be mapped as the registry states it. */
  EligibilityGroupMapper(List<String> warnings) {
    this.warnings = warnings;
  }

  Group map(
      String studyId, String nct, JsonNode module, List<String> conditions, ResearchStudy study) {
    Group group =
        new Group().setType(Group.GroupType.PERSON).setActual(false).setName(nct + " eligibility");
    group.setId(studyId + "-eligibility");
    group
        .getMeta()
        .addProfile(CtgovStudyMapper.BASE + "StructureDefinition/trial-eligibility-group");
    group
        .addIdentifier()
        .setSystem(CtgovStudyMapper.BASE + "eligibility-group")
        .setValue(studyId + "-eligibility");
    CriterionFactory criteria = new CriterionFactory(group);
    ages(module, group, criteria, study);
    sex(module, group, criteria, study);
    if (module.path("healthyVolunteers").isBoolean()) {
      boolean healthy = module.path("healthyVolunteers").asBoolean();
      study.addExtension(
          CtgovStudyMapper.BASE + "StructureDefinition/accepts-healthy-volunteers",
          new BooleanType(healthy));
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

  private void ages(JsonNode module, Group group, CriterionFactory criteria, ResearchStudy study) {
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
          CtgovStudyMapper.BASE + "StructureDefinition/eligibility-age-range",
          new Range().setLow(low).setHigh(high));
    }
  }

  private static void sex(
      JsonNode module, Group group, CriterionFactory criteria, ResearchStudy study) {
    String sex = text(module, "sex", null);
    if (sex != null) {
      study.addExtension(
          CtgovStudyMapper.BASE + "StructureDefinition/eligibility-sex",
          new CodeType(sex.toLowerCase(Locale.ROOT)));
      if (sex.equals("FEMALE") || sex.equals("MALE")) {
        group.addCharacteristic(
            criteria.sex(
                "registry-sex",
                "Sex: " + sex.toLowerCase(Locale.ROOT),
                sex.toLowerCase(Locale.ROOT)));
      }
    }
  }

  /** A registry age ("17 Years"); hours and minutes become whole days; else a warning and null. */
  Quantity age(String value, String field) {
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

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}
