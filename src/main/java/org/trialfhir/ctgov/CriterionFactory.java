package org.trialfhir.ctgov;

import java.math.BigDecimal;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Duration;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;

/**
 * Writes criteria in the criteria model (fhir-profiles/README.md) for registry imports. Every
 * criterion keeps the registry's words ({@code criterion-description}); what the recogniser read is
 * {@code machine-derived}.
 */
final class CriterionFactory {

  static final String BASE = "http://trialfhir.org/fhir/";
  static final String EXT_MANUAL = BASE + "StructureDefinition/criterion-manual-review";
  private static final String UCUM = "http://unitsofmeasure.org";
  private static final String MACHINE = "machine-derived";

  private final Group group;

  CriterionFactory(Group group) {
    this.group = group;
  }

  GroupCharacteristicComponent manual(String id, CriteriaText.Item item) {
    return characteristic(
        id,
        "manual-review",
        item.text(),
        item.text(),
        item.exclusion(),
        new BooleanType(true),
        "registry");
  }

  /** The part of an {@code any-of} a person judges: the registry's words. */
  GroupCharacteristicComponent manualPart(String id, String text) {
    return characteristic(
        id, "manual-review", text, text, false, new BooleanType(true), "registry");
  }

  GroupCharacteristicComponent age(String id, String text, Quantity low, Quantity high) {
    return characteristic(id, "age", text, text, false, range(low, high), "registry");
  }

  /** An age range read from a criterion's text (not the registry's age fields). */
  GroupCharacteristicComponent ageFromText(
      String id, String description, Quantity low, Quantity high) {
    return characteristic(id, "age", "Age", description, false, range(low, high), MACHINE);
  }

  GroupCharacteristicComponent sex(String id, String text, String gender) {
    return characteristic(
        id,
        "sex",
        text,
        text,
        false,
        new CodeableConcept(new Coding("http://hl7.org/fhir/administrative-gender", gender, null)),
        "registry");
  }

  /**
   * A lab or vital value ({@code observation-value}, or {@code bmi}, which computes BMI from weight
   * and height when none is recorded) with the contract's 90-day look-back window.
   */
  GroupCharacteristicComponent observation(
      String id, String kind, String label, String description, String valueSet, Type value) {
    GroupCharacteristicComponent c =
        characteristic(id, kind, label, description, false, value, MACHINE);
    if (!kind.equals("bmi")) {
      c.addExtension(BASE + "StructureDefinition/criterion-valueset", new CanonicalType(valueSet));
    }
    c.addExtension(BASE + "StructureDefinition/criterion-lookback", lookback());
    return c;
  }

  /** At least one positive result of a test of the ValueSet, in the 90-day window. */
  GroupCharacteristicComponent positive(
      String id, String label, String description, String valueSet) {
    GroupCharacteristicComponent c =
        characteristic(
            id,
            "observation-positive",
            label + " positive",
            description,
            false,
            new BooleanType(true),
            MACHINE);
    c.addExtension(BASE + "StructureDefinition/criterion-valueset", new CanonicalType(valueSet));
    c.addExtension(BASE + "StructureDefinition/criterion-lookback", lookback());
    return c;
  }

  /** A diagnosis ({@code condition}, {@code condition-active}) or {@code pregnancy}. */
  GroupCharacteristicComponent condition(
      String id, String kind, String label, String description, String valueSet) {
    GroupCharacteristicComponent c =
        characteristic(id, kind, label, description, false, new BooleanType(true), MACHINE);
    c.addExtension(BASE + "StructureDefinition/criterion-valueset", new CanonicalType(valueSet));
    return c;
  }

  GroupCharacteristicComponent onsetWithin(
      String id, String description, String valueSet, int amount, String unit) {
    GroupCharacteristicComponent c =
        characteristic(
            id,
            "condition-onset",
            "Diagnosed within " + amount + " " + unit,
            description,
            false,
            quantity(BigDecimal.valueOf(amount), unit),
            MACHINE);
    c.addExtension(
        BASE + "StructureDefinition/criterion-valueset",
        new CanonicalType(valueSet.startsWith("http") ? valueSet : BASE + "ValueSet/" + valueSet));
    return c;
  }

  /** A medication or vaccine of the ValueSet taken in the period before the reference date. */
  GroupCharacteristicComponent medication(
      String id, String label, String description, String valueSet, int amount, String unit) {
    GroupCharacteristicComponent c =
        characteristic(
            id,
            "medication",
            label + " within " + amount + " " + unit,
            description,
            false,
            quantity(BigDecimal.valueOf(amount), unit),
            MACHINE);
    c.addExtension(BASE + "StructureDefinition/criterion-valueset", new CanonicalType(valueSet));
    return c;
  }

  /**
   * A lab result against a multiple of the upper limit of normal of its own reference range ({@code
   * observation-uln}), in the 90-day window.
   */
  GroupCharacteristicComponent upperLimit(
      String id, String label, String description, String valueSet, Quantity times) {
    GroupCharacteristicComponent c =
        characteristic(id, "observation-uln", label, description, false, times, MACHINE);
    c.addExtension(BASE + "StructureDefinition/criterion-valueset", new CanonicalType(valueSet));
    c.addExtension(BASE + "StructureDefinition/criterion-lookback", lookback());
    return c;
  }

  /** The study's research consent ({@code research-consent}). */
  GroupCharacteristicComponent researchConsent(String id, String description) {
    return characteristic(
        id,
        "research-consent",
        "Research consent for this study",
        description,
        false,
        new BooleanType(true),
        MACHINE);
  }

  /** Alternatives: a contained Group whose characteristics are the parts. */
  GroupCharacteristicComponent anyOf(
      String id, CriteriaText.Item item, List<GroupCharacteristicComponent> parts) {
    Group alternatives = new Group().setType(Group.GroupType.PERSON).setActual(false);
    alternatives.setId(id + "-parts");
    parts.forEach(p -> alternatives.addCharacteristic(p.setExclude(false)));
    group.addContained(alternatives);
    return characteristic(
        id,
        "any-of",
        "Any of",
        item.text(),
        item.exclusion(),
        new Reference("#" + id + "-parts"),
        MACHINE);
  }

  /** The criterion fails when its computable part fails, and is for a person otherwise. */
  static GroupCharacteristicComponent withManualReview(
      GroupCharacteristicComponent c, String text) {
    c.addExtension(EXT_MANUAL, new StringType(text));
    return c;
  }

  private GroupCharacteristicComponent characteristic(
      String id,
      String kind,
      String label,
      String description,
      boolean exclusion,
      Type value,
      String origin) {
    GroupCharacteristicComponent c = new GroupCharacteristicComponent();
    c.setId(id);
    c.addExtension(BASE + "StructureDefinition/criterion-description", new StringType(description));
    c.addExtension(BASE + "StructureDefinition/criterion-origin", new CodeType(origin));
    c.setCode(
        new CodeableConcept(new Coding(BASE + "CodeSystem/criterion-kind", kind, null))
            .setText(label));
    c.setValue(value);
    c.setExclude(exclusion);
    return c;
  }

  private static Range range(Quantity low, Quantity high) {
    Range range = new Range();
    if (low != null) {
      range.setLow(low);
    }
    if (high != null) {
      range.setHigh(high);
    }
    return range;
  }

  static Quantity quantity(BigDecimal value, String unit) {
    return new Quantity().setValue(value).setUnit(unit).setSystem(UCUM).setCode(unit);
  }

  private static Duration lookback() {
    Duration d = new Duration();
    d.setValue(90).setUnit("days").setSystem(UCUM).setCode("d");
    return d;
  }
}
