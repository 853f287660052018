package org.trialfhir.eligibility;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;

/**
 * Reads a study's eligibility Group into criteria (fhir-profiles/README.md, the criteria model).
 */
final class CriteriaReader {

  static final String BASE = "http://trialfhir.org/fhir/";
  static final String KIND_SYSTEM = BASE + "CodeSystem/criterion-kind";
  static final String EXT_DESCRIPTION = BASE + "StructureDefinition/criterion-description";
  static final String EXT_VALUESET = BASE + "StructureDefinition/criterion-valueset";
  static final String EXT_LOOKBACK = BASE + "StructureDefinition/criterion-lookback";
  static final String EXT_MOLAR_MASS = BASE + "StructureDefinition/criterion-molar-mass";
  static final String EXT_MANUAL = BASE + "StructureDefinition/criterion-manual-review";
  static final String EXT_ORIGIN = BASE + "StructureDefinition/criterion-origin";

  /** The origin of a criterion read by machine from registry text, not yet confirmed. */
  static final String MACHINE_DERIVED = "machine-derived";

  private CriteriaReader() {}

  static List<Criterion> read(Group group) {
    List<Criterion> criteria = new ArrayList<>();
    for (GroupCharacteristicComponent characteristic : group.getCharacteristic()) {
      criteria.add(read(group, characteristic, characteristic.getExclude()));
    }
    return criteria;
  }

  private static Criterion read(
      Group group, GroupCharacteristicComponent characteristic, boolean exclusion) {
    String id = characteristic.getId();
    if (id == null || id.isBlank()) {
      throw invalid(group, "a characteristic has no id");
    }
    CriterionKind kind =
        characteristic.getCode().getCoding().stream()
            .filter(c -> KIND_SYSTEM.equals(c.getSystem()))
            .map(Coding::getCode)
            .findFirst()
            // A criterion in no kind we know is still listed, for a person to judge.
            .flatMap(CriterionKind::of)
            .orElse(CriterionKind.MANUAL_REVIEW);
    String description = string(characteristic.getExtensionByUrl(EXT_DESCRIPTION));
    String label = characteristic.getCode().getText();
    if (description == null) {
      description = label != null ? label : id;
    }
    List<Criterion> parts = new ArrayList<>();
    if (kind == CriterionKind.ANY_OF) {
      Group partsGroup = contained(group, characteristic);
      for (GroupCharacteristicComponent part : partsGroup.getCharacteristic()) {
        parts.add(read(group, part, exclusion));
      }
    }
    if ((kind == CriterionKind.CONDITION_ONSET || kind == CriterionKind.MEDICATION)
        && !isPeriod(characteristic.getValue())) {
      throw invalid(
          group,
          "criterion " + id + " (" + kind.code() + ") needs a whole number of d, wk, mo or a");
    }
    return new Criterion(
        id,
        exclusion,
        description,
        label != null ? label : description,
        kind,
        canonical(characteristic.getExtensionByUrl(EXT_VALUESET)),
        characteristic.getValue(),
        window(group, characteristic),
        molarMass(characteristic.getExtensionByUrl(EXT_MOLAR_MASS)),
        string(characteristic.getExtensionByUrl(EXT_MANUAL)),
        parts,
        MACHINE_DERIVED.equals(string(characteristic.getExtensionByUrl(EXT_ORIGIN))));
  }

  private static Group contained(Group group, GroupCharacteristicComponent characteristic) {
    if (!(characteristic.getValue() instanceof Reference reference)
        || !reference.getReference().startsWith("#")) {
      throw invalid(
          group,
          "any-of criterion " + characteristic.getId() + " must reference a contained Group");
    }
    String localId = reference.getReference().substring(1);
    for (Resource resource : group.getContained()) {
      String containedId = resource.getIdElement().getIdPart();
      if (resource instanceof Group parts
          && (localId.equals(containedId) || ("#" + localId).equals(resource.getId()))) {
        return parts;
      }
    }
    throw invalid(group, "contained Group #" + localId + " not found");
  }

  /** The stated look-back window; a unit that is not a calendar time unit is refused. */
  private static Window window(Group group, GroupCharacteristicComponent characteristic) {
    Extension extension = characteristic.getExtensionByUrl(EXT_LOOKBACK);
    if (extension == null || !(extension.getValue() instanceof Quantity duration)) {
      return null;
    }
    String code = duration.hasCode() ? duration.getCode() : "d";
    return TimeUnit.ofUcum(code)
        .filter(TimeUnit::calendar)
        .filter(u -> duration.hasValue() && duration.getValue().signum() >= 0)
        .map(u -> new Window(duration.getValue().intValue(), u))
        .orElseThrow(
            () ->
                invalid(
                    group,
                    "criterion "
                        + characteristic.getId()
                        + " has a look-back window that is not a number of d, wk, mo or a"));
  }

  private static boolean isPeriod(Type value) {
    return value instanceof Quantity q
        && q.hasValue()
        && q.getValue().signum() >= 0
        && q.getValue().stripTrailingZeros().scale() <= 0
        && TimeUnit.ofUcum(q.getCode()).filter(TimeUnit::calendar).isPresent();
  }

  private static BigDecimal molarMass(Extension extension) {
    return extension != null && extension.getValue() instanceof Quantity q ? q.getValue() : null;
  }

  private static String string(Extension extension) {
    return extension == null || extension.getValue() == null
        ? null
        : extension.getValue().primitiveValue();
  }

  private static String canonical(Extension extension) {
    return string(extension);
  }

  private static UnprocessableEntityException invalid(Group group, String problem) {
    return new UnprocessableEntityException(
        "The eligibility Group "
            + group.getIdElement().toUnqualifiedVersionless().getValue()
            + " is not a valid criteria definition: "
            + problem);
  }
}
