package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/** Merging a new registry version of the criteria with curated ones (real lines of NCT05742243). */
class CtgovSyncCriteriaTest {

  private static final String BASE = "http://trialfhir.org/fhir/StructureDefinition/";
  private static final String INFECTION =
      "Clinical or laboratory evidence of active infection other than localised skin infection,"
          + " including viral hepatitis, EBV, CMV or tuberculosis";
  private static final String MALIGNANCY = "History of malignancy";
  private static final String PREGNANT =
      "Pregnant or lactating, or of child-bearing potential not using an effective method of"
          + " contraception";
  private static final String NASAL =
      "Any pathology of the nasal passages that would preclude safe application of the nasal spray";
  private static final String C_PEPTIDE =
      "Random C-peptide >0.3nmol/l, measured by a NATA-accredited pathology laboratory within 2"
          + " weeks of Visit 2";

  @Test
  void anUnchangedRecordGivesTheSameGroup() {
    Group held = registryGroup(INFECTION, MALIGNANCY, PREGNANT, NASAL);
    confirm(held, "exc-2");
    Group fresh = registryGroup(INFECTION, MALIGNANCY, PREGNANT, NASAL);

    CtgovSyncCriteria.Merged merged = CtgovSyncCriteria.merge(held, fresh);

    assertThat(merged.group().equalsDeep(held)).as("nothing to write").isTrue();
    assertThat(merged.flagged()).isEmpty();
  }

  @Test
  void aConfirmedCriterionWhoseTextIsUnchangedIsKeptWithItsIdWhenLinesMove() {
    Group held = registryGroup(INFECTION, MALIGNANCY, PREGNANT, NASAL);
    GroupCharacteristicComponent confirmed = confirm(held, "exc-2");
    // The coordinator's reading: a computable form the recogniser never made.
    confirmed.setCode(kind("condition-onset")).setValue(new BooleanType(true));
    Group fresh = registryGroup("Previous treatment with abatacept", INFECTION, MALIGNANCY, NASAL);

    CtgovSyncCriteria.Merged merged = CtgovSyncCriteria.merge(held, fresh);

    GroupCharacteristicComponent kept = byText(merged.group(), MALIGNANCY);
    assertThat(kept.getId()).isEqualTo("exc-2");
    assertThat(kept.equalsDeep(confirmed)).as("kept exactly as confirmed").isTrue();
    assertThat(byText(merged.group(), INFECTION).getId())
        .as("unchanged text keeps its id")
        .isEqualTo("exc-1");
    assertThat(byText(merged.group(), NASAL).getId()).isEqualTo("exc-4");
    assertThat(byText(merged.group(), "Previous treatment with abatacept").getId())
        .as("a new line gets a free id")
        .isEqualTo("exc-5");
    // The registry dropped the (not curated) pregnancy line: it goes.
    assertThat(descriptions(merged.group()))
        .containsExactly("Previous treatment with abatacept", INFECTION, MALIGNANCY, NASAL);
    assertThat(merged.flagged()).isEmpty();
  }

  @Test
  void aConfirmedCriterionWhoseTextChangedIsFlaggedWithItsCuratedFormAndOldText() {
    Group held = registryGroup(INFECTION, MALIGNANCY, PREGNANT, NASAL);
    GroupCharacteristicComponent confirmed = confirm(held, "exc-3");
    confirmed.setCode(kind("pregnancy")).setValue(new BooleanType(true));
    Group fresh =
        registryGroup(
            "Previous treatment with abatacept",
            INFECTION,
            MALIGNANCY,
            "Pregnant or breastfeeding",
            NASAL);

    CtgovSyncCriteria.Merged merged = CtgovSyncCriteria.merge(held, fresh);

    GroupCharacteristicComponent flagged = byText(merged.group(), "Pregnant or breastfeeding");
    assertThat(flagged.getId()).as("it keeps its id").isEqualTo("exc-3");
    assertThat(origin(flagged)).as("never excludes on its own").isEqualTo("machine-derived");
    assertThat(flagged.getCode().getCodingFirstRep().getCode())
        .as("the curated computable form stays for the coordinator to review")
        .isEqualTo("pregnancy");
    Extension change = flagged.getExtensionByUrl(CtgovSyncCriteria.CHANGE);
    assertThat(change.getExtensionByUrl("previous-description").getValue().primitiveValue())
        .isEqualTo(PREGNANT);
    assertThat(change.getExtensionByUrl("previous-origin").getValue().primitiveValue())
        .isEqualTo("confirmed");
    assertThat(change.getExtensionByUrl("removed")).isNull();
    assertThat(merged.flagged()).singleElement().asString().startsWith("exc-3 was curated");
    assertThat(descriptions(merged.group()))
        .containsExactly(
            "Previous treatment with abatacept",
            INFECTION,
            MALIGNANCY,
            "Pregnant or breastfeeding",
            NASAL);
    assertThat(ids(merged.group())).doesNotHaveDuplicates();

    // Synced again with the same record: still flagged, the curated text still remembered.
    CtgovSyncCriteria.Merged again = CtgovSyncCriteria.merge(merged.group(), fresh);
    assertThat(again.group().equalsDeep(merged.group())).isTrue();
    // Changed again before anyone looked: the text first curated is still the one remembered.
    Group third =
        registryGroup(
            "Previous treatment with abatacept",
            INFECTION,
            MALIGNANCY,
            "Pregnant, breastfeeding or planning pregnancy",
            NASAL);
    GroupCharacteristicComponent twice =
        byText(
            CtgovSyncCriteria.merge(merged.group(), third).group(),
            "Pregnant, breastfeeding or planning pregnancy");
    assertThat(
            twice
                .getExtensionByUrl(CtgovSyncCriteria.CHANGE)
                .getExtensionByUrl("previous-description")
                .getValue()
                .primitiveValue())
        .isEqualTo(PREGNANT);
  }

  @Test
  void aCuratedCriterionTheRegistryRemovedIsKeptFlaggedAsRemoved() {
    Group held = registryGroup(INFECTION, MALIGNANCY, PREGNANT);
    confirm(held, "exc-2");
    Group fresh = registryGroup(INFECTION, PREGNANT);

    CtgovSyncCriteria.Merged merged = CtgovSyncCriteria.merge(held, fresh);

    GroupCharacteristicComponent removed = byText(merged.group(), MALIGNANCY);
    assertThat(removed.getId()).isEqualTo("exc-2");
    assertThat(origin(removed)).isEqualTo("machine-derived");
    assertThat(
            removed
                .getExtensionByUrl(CtgovSyncCriteria.CHANGE)
                .getExtensionByUrl("removed")
                .getValue()
                .primitiveValue())
        .isEqualTo("true");
    assertThat(byText(merged.group(), PREGNANT).getId()).as("keeps its id").isEqualTo("exc-3");
    assertThat(merged.flagged()).singleElement().asString().contains("no longer states");
  }

  @Test
  void aMachineDerivedCriterionIsReadAgainAndAPeopleAddedOneIsKept() {
    Group held = registryGroup(INFECTION);
    held.getCharacteristic().add(0, lab("inc-1", C_PEPTIDE, "machine-derived", "0.3"));
    GroupCharacteristicComponent own =
        lab("inc-site", "Lives within 50 km of the site", "authored", "1");
    held.addCharacteristic(own);
    Group fresh = registryGroup(INFECTION);
    fresh.getCharacteristic().add(0, lab("inc-1", C_PEPTIDE, "machine-derived", "0.2"));

    CtgovSyncCriteria.Merged merged = CtgovSyncCriteria.merge(held, fresh);

    assertThat(((Quantity) byText(merged.group(), C_PEPTIDE).getValue()).getValue())
        .as("not curated: the recogniser's new reading")
        .isEqualByComparingTo(new BigDecimal("0.2"));
    assertThat(byText(merged.group(), "Lives within 50 km of the site").equalsDeep(own)).isTrue();
  }

  @Test
  void containedPartsFollowTheirCriterion() {
    Group held = registryGroup(INFECTION, MALIGNANCY);
    confirm(held, "exc-2");
    withParts(held, byText(held, MALIGNANCY), "held part");
    Group fresh = registryGroup("Previous treatment with abatacept", INFECTION, MALIGNANCY);
    withParts(fresh, byText(fresh, "Previous treatment with abatacept"), "fresh part");
    withParts(fresh, byText(fresh, MALIGNANCY), "fresh reading of malignancy");

    Group merged = CtgovSyncCriteria.merge(held, fresh).group();

    GroupCharacteristicComponent moved = byText(merged, "Previous treatment with abatacept");
    assertThat(moved.getId()).isEqualTo("exc-3");
    assertThat(((Reference) moved.getValue()).getReference()).isEqualTo("#exc-3-parts");
    assertThat(((Reference) byText(merged, MALIGNANCY).getValue()).getReference())
        .isEqualTo("#exc-2-parts");
    assertThat(merged.getContained())
        .extracting(r -> r.getIdElement().getIdPart() + ": " + ((Group) r).getName())
        .containsExactlyInAnyOrder("exc-3-parts: fresh part", "exc-2-parts: held part");
  }

  @Test
  void aGroupWithoutRegistryCriteriaIsHandWritten() {
    Group seed = new Group();
    seed.addCharacteristic(lab("inc-age", "Age 8 to 45", null, "8"));
    seed.addCharacteristic(lab("exc-bmi", "BMI over 35", "authored", "35"));
    assertThat(CtgovSyncCriteria.handWritten(seed)).isTrue();
    assertThat(CtgovSyncCriteria.handWritten(registryGroup(INFECTION))).isFalse();
  }

  // ------------------------------------------------------------------------------ helpers

  /** Exclusion lines as the importer writes them: manual-review, origin registry, exc-N. */
  private static Group registryGroup(String... exclusions) {
    Group group = new Group().setType(Group.GroupType.PERSON).setActual(false);
    group.setId("s-eligibility");
    int n = 0;
    for (String text : exclusions) {
      GroupCharacteristicComponent c = group.addCharacteristic();
      c.setId("exc-" + (++n));
      c.addExtension(BASE + "criterion-description", new StringType(text));
      c.addExtension(BASE + "criterion-origin", new CodeType("registry"));
      c.setCode(kind("manual-review").setText(text));
      c.setValue(new BooleanType(true));
      c.setExclude(true);
    }
    return group;
  }

  private static GroupCharacteristicComponent lab(
      String id, String text, String origin, String value) {
    GroupCharacteristicComponent c = new GroupCharacteristicComponent();
    c.setId(id);
    c.addExtension(BASE + "criterion-description", new StringType(text));
    if (origin != null) {
      c.addExtension(BASE + "criterion-origin", new CodeType(origin));
    }
    c.setCode(kind("observation-value").setText(text));
    c.setValue(new Quantity().setValue(new BigDecimal(value)));
    return c;
  }

  private static void withParts(Group group, GroupCharacteristicComponent c, String name) {
    Group parts = new Group().setType(Group.GroupType.PERSON).setActual(false).setName(name);
    parts.setId(c.getId() + "-parts");
    group.addContained(parts);
    c.setCode(kind("any-of")).setValue(new Reference("#" + c.getId() + "-parts"));
  }

  private static CodeableConcept kind(String kind) {
    return new CodeableConcept(
        new Coding("http://trialfhir.org/fhir/CodeSystem/criterion-kind", kind, null));
  }

  private static GroupCharacteristicComponent confirm(Group group, String id) {
    GroupCharacteristicComponent c =
        group.getCharacteristic().stream().filter(x -> id.equals(x.getId())).findFirst().get();
    c.getExtensionByUrl(BASE + "criterion-origin").setValue(new CodeType("confirmed"));
    return c;
  }

  private static GroupCharacteristicComponent byText(Group group, String text) {
    return group.getCharacteristic().stream()
        .filter(c -> text.equals(CtgovSyncCriteria.description(c)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no criterion '" + text + "'"));
  }

  private static String origin(GroupCharacteristicComponent c) {
    return c.getExtensionByUrl(BASE + "criterion-origin").getValue().primitiveValue();
  }

  private static List<String> descriptions(Group group) {
    return group.getCharacteristic().stream().map(CtgovSyncCriteria::description).toList();
  }

  private static List<String> ids(Group group) {
    return group.getCharacteristic().stream().map(GroupCharacteristicComponent::getId).toList();
  }
}
