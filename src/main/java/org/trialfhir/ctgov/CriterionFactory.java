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
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;

/** Writes criteria in the criteria model (fhir-profiles/README.md) for registry imports. */
final class CriterionFactory {

  static final String BASE = "http://trialfhir.org/fhir/";
  private static final String UCUM = "http://unitsofmeasure.org";

  private final Group group;

  CriterionFactory(Group group) {
    this.group = group;
  }

  GroupCharacteristicComponent manual(String id, CriteriaText.Item item) {
    return characteristic(
        id, "manual-review", item.text(), item.exclusion(), new BooleanType(true), "registry");
  }

  GroupCharacteristicComponent age(String id, String text, Quantity low, Quantity high) {
    Range range = new Range();
    if (low != null) {
      range.setLow(low);
    }
    if (high != null) {
      range.setHigh(high);
    }
    return characteristic(id, "age", text, false, range, "registry");
  }

  GroupCharacteristicComponent sex(String id, String text, String gender) {
    return characteristic(
        id,
        "sex",
        text,
        false,
        new CodeableConcept(new Coding("http://hl7.org/fhir/administrative-gender", gender, null)),
        "registry");
  }

  GroupCharacteristicComponent bmi(
      String id, String text, QuantityComparator comparator, BigDecimal value) {
    GroupCharacteristicComponent c =
        characteristic(
            id,
            "bmi",
            text,
            false,
            quantity(value, "kg/m2").setComparator(comparator),
            "machine-derived");
    c.addExtension(BASE + "StructureDefinition/criterion-lookback", lookback());
    return c;
  }

  GroupCharacteristicComponent hba1cBetween(
      String id, CriteriaText.Item item, BigDecimal low, BigDecimal high) {
    GroupCharacteristicComponent c =
        characteristic(
            id,
            "observation-value",
            item.text(),
            item.exclusion(),
            new Range().setLow(quantity(low, "%")).setHigh(quantity(high, "%")),
            "machine-derived");
    c.addExtension(
        BASE + "StructureDefinition/criterion-valueset",
        new CanonicalType(BASE + "ValueSet/hba1c"));
    c.addExtension(BASE + "StructureDefinition/criterion-lookback", lookback());
    return c;
  }

  GroupCharacteristicComponent onsetWithin(
      String id, CriteriaText.Item item, String valueSet, int amount, String unit) {
    GroupCharacteristicComponent c =
        characteristic(
            id,
            "condition-onset",
            item.text(),
            item.exclusion(),
            quantity(BigDecimal.valueOf(amount), unit),
            "machine-derived");
    c.addExtension(
        BASE + "StructureDefinition/criterion-valueset",
        new CanonicalType(BASE + "ValueSet/" + valueSet));
    return c;
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
        item.text(),
        item.exclusion(),
        new Reference("#" + id + "-parts"),
        "machine-derived");
  }

  private GroupCharacteristicComponent characteristic(
      String id, String kind, String text, boolean exclusion, Type value, String origin) {
    GroupCharacteristicComponent c = new GroupCharacteristicComponent();
    c.setId(id);
    c.addExtension(BASE + "StructureDefinition/criterion-description", new StringType(text));
    c.addExtension(BASE + "StructureDefinition/criterion-origin", new CodeType(origin));
    c.setCode(
        new CodeableConcept(new Coding(BASE + "CodeSystem/criterion-kind", kind, null))
            .setText(text));
    c.setValue(value);
    c.setExclude(exclusion);
    return c;
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
