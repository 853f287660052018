package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.quantity;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.range;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/** A study's eligibility Group read into criteria, and the definitions it refuses. */
class CriteriaReaderTest {

  private final Group group = new Group();

  CriteriaReaderTest() {
    group.setId("Group/t1d-criteria");
  }

  private GroupCharacteristicComponent characteristic(String id, String kind, boolean exclude) {
    GroupCharacteristicComponent c = group.addCharacteristic();
    c.setId(id);
    c.getCode().addCoding().setSystem(CriteriaReader.KIND_SYSTEM).setCode(kind);
    c.setExclude(exclude);
    return c;
  }

  private void refused(String problem) {
    assertThatThrownBy(() -> CriteriaReader.read(group))
        .isInstanceOf(UnprocessableEntityException.class)
        .hasMessageContaining(
            "The eligibility Group Group/t1d-criteria is not a valid criteria definition: "
                + problem);
  }

  @Test
  void everyPartOfACriterionIsRead() {
    GroupCharacteristicComponent c = characteristic("inc-cpeptide", "observation-value", false);
    c.getCode().setText("Fasting C-peptide");
    c.setValue(quantity(Quantity.QuantityComparator.GREATER_OR_EQUAL, 0.1, "nmol/L"));
    c.addExtension(CriteriaReader.EXT_DESCRIPTION, new StringType("C-peptide at least 0.1 nmol/L"));
    c.addExtension(CriteriaReader.EXT_VALUESET, new CanonicalType("vs:cpep"));
    c.addExtension(CriteriaReader.EXT_LOOKBACK, new Quantity().setValue(3).setCode("mo"));
    c.addExtension(CriteriaReader.EXT_MOLAR_MASS, new Quantity().setValue(3020.3).setCode("g/mol"));
    c.addExtension(CriteriaReader.EXT_MANUAL, new StringType("Confirm the sample was fasting"));
    characteristic("exc-dka", "condition-active", true).setValue(new BooleanType(true));
    List<Criterion> criteria = CriteriaReader.read(group);
    assertThat(criteria).extracting(Criterion::id).containsExactly("inc-cpeptide", "exc-dka");
    Criterion lab = criteria.get(0);
    assertThat(lab.exclusion()).isFalse();
    assertThat(lab.kind()).isEqualTo(CriterionKind.OBSERVATION_VALUE);
    assertThat(lab.label()).isEqualTo("Fasting C-peptide");
    assertThat(lab.description()).isEqualTo("C-peptide at least 0.1 nmol/L");
    assertThat(lab.valueSet()).isEqualTo("vs:cpep");
    assertThat(lab.window()).isEqualTo(new Window(3, TimeUnit.MONTH));
    assertThat(lab.molarMass()).isEqualByComparingTo("3020.3");
    assertThat(lab.manualReview()).isEqualTo("Confirm the sample was fasting");
    assertThat(((Quantity) lab.value()).getValue()).isEqualByComparingTo("0.1");
    assertThat(lab.parts()).isEmpty();
    Criterion dka = criteria.get(1);
    assertThat(dka.exclusion()).isTrue();
    assertThat(dka.kind()).isEqualTo(CriterionKind.CONDITION_ACTIVE);
    assertThat(dka.window()).isNull();
    assertThat(dka.molarMass()).isNull();
    assertThat(dka.manualReview()).isNull();
    assertThat(dka.valueSet()).isNull();
  }

  @Test
  void theDescriptionFallsBackToTheLabelAndTheLabelToTheId() {
    characteristic("inc-age", "age", false).getCode().setText("Age 8 to 18");
    characteristic("inc-sex", "sex", false);
    List<Criterion> criteria = CriteriaReader.read(group);
    assertThat(criteria.get(0).description()).isEqualTo("Age 8 to 18");
    assertThat(criteria.get(0).label()).isEqualTo("Age 8 to 18");
    assertThat(criteria.get(1).description()).isEqualTo("inc-sex");
    assertThat(criteria.get(1).label()).isEqualTo("inc-sex");
  }

  @Test
  void aKindOfNoOtherSystemOrNoKnownCodeIsForAPerson() {
    characteristic("inc-a", "insulin-dose", false);
    GroupCharacteristicComponent local = group.addCharacteristic().setExclude(false);
    local.setId("inc-b");
    local.getCode().addCoding().setSystem("http://example.org/kinds").setCode("age");
    GroupCharacteristicComponent second = group.addCharacteristic().setExclude(false);
    second.setId("inc-c");
    second.getCode().addCoding().setSystem("http://example.org/kinds").setCode("x");
    second.getCode().addCoding().setSystem(CriteriaReader.KIND_SYSTEM).setCode("bmi");
    assertThat(CriteriaReader.read(group))
        .extracting(Criterion::kind)
        .containsExactly(
            CriterionKind.MANUAL_REVIEW, CriterionKind.MANUAL_REVIEW, CriterionKind.BMI);
  }

  @Test
  void aLookBackWindowIsAWholeNumberOfCalendarUnitsDaysUnlessStated() {
    GroupCharacteristicComponent c = characteristic("inc-lab", "observation-value", false);
    c.addExtension(CriteriaReader.EXT_LOOKBACK, new Quantity().setValue(30));
    assertThat(CriteriaReader.read(group).get(0).window()).isEqualTo(new Window(30, TimeUnit.DAY));
    c.getExtensionByUrl(CriteriaReader.EXT_LOOKBACK)
        .setValue(new Quantity().setValue(0).setCode("wk"));
    assertThat(CriteriaReader.read(group).get(0).window()).isEqualTo(new Window(0, TimeUnit.WEEK));
    c.getExtensionByUrl(CriteriaReader.EXT_LOOKBACK).setValue(new StringType("30 days"));
    assertThat(CriteriaReader.read(group).get(0).window())
        .as("not a duration: the kind's own")
        .isEqualTo(CriterionKind.Lookback.LABS);
  }

  @Test
  void aLookBackWindowInHoursNegativeOrWithoutANumberIsRefused() {
    GroupCharacteristicComponent c = characteristic("inc-lab", "observation-value", false);
    c.addExtension(CriteriaReader.EXT_LOOKBACK, new Quantity().setValue(48).setCode("h"));
    String problem =
        "criterion inc-lab has a look-back window that is not a number of d, wk, mo or a";
    refused(problem);
    c.getExtensionByUrl(CriteriaReader.EXT_LOOKBACK)
        .setValue(new Quantity().setValue(-1).setCode("d"));
    refused(problem);
    c.getExtensionByUrl(CriteriaReader.EXT_LOOKBACK).setValue(new Quantity().setCode("d"));
    refused(problem);
  }

  @Test
  void aMolarMassIsAQuantity() {
    characteristic("inc-lab", "observation-value", false)
        .addExtension(CriteriaReader.EXT_MOLAR_MASS, new StringType("3020.3"));
    assertThat(CriteriaReader.read(group).get(0).molarMass()).isNull();
  }

  @Test
  void aCharacteristicWithoutAnIdIsRefused() {
    characteristic(null, "age", false);
    refused("a characteristic has no id");
    group.getCharacteristicFirstRep().setId(" ");
    refused("a characteristic has no id");
  }

  @Test
  void anyOfPartsComeFromAContainedGroupAndShareTheParentsSide() {
    Group parts = new Group();
    parts.setId("infection-parts");
    GroupCharacteristicComponent hiv = parts.addCharacteristic();
    hiv.setId("hiv");
    hiv.getCode().addCoding().setSystem(CriteriaReader.KIND_SYSTEM).setCode("condition");
    hiv.addExtension(CriteriaReader.EXT_VALUESET, new CanonicalType("vs:hiv"));
    GroupCharacteristicComponent age = parts.addCharacteristic();
    age.setId("young");
    age.getCode().addCoding().setSystem(CriteriaReader.KIND_SYSTEM).setCode("age");
    age.setValue(range(0, 1, "a"));
    group.addContained(new Patient().setId("infection-parts"));
    group.addContained(parts);
    characteristic("exc-infection", "any-of", true).setValue(new Reference("#infection-parts"));
    Criterion infection = CriteriaReader.read(group).get(0);
    assertThat(infection.kind()).isEqualTo(CriterionKind.ANY_OF);
    assertThat(infection.parts()).extracting(Criterion::id).containsExactly("hiv", "young");
    assertThat(infection.parts()).allMatch(Criterion::exclusion);
    assertThat(infection.parts().get(0).valueSet()).isEqualTo("vs:hiv");
    assertThat(infection.parts().get(1).kind()).isEqualTo(CriterionKind.AGE);
  }

  @Test
  void aContainedGroupIsFoundByItsIdWithOrWithoutTheHash() {
    Group parts = new Group();
    parts.setId("#p");
    GroupCharacteristicComponent part = parts.addCharacteristic();
    part.setId("bmi");
    part.getCode().addCoding().setSystem(CriteriaReader.KIND_SYSTEM).setCode("bmi");
    group.addContained(parts);
    characteristic("inc-any", "any-of", false).setValue(new Reference("#p"));
    assertThat(CriteriaReader.read(group).get(0).parts())
        .extracting(Criterion::id)
        .containsExactly("bmi");
  }

  @Test
  void anyOfWithoutItsContainedGroupIsRefused() {
    GroupCharacteristicComponent any = characteristic("exc-any", "any-of", true);
    String problem = "any-of criterion exc-any must reference a contained Group";
    refused(problem);
    any.setValue(new BooleanType(true));
    refused(problem);
    any.setValue(new Reference("Group/other"));
    refused(problem);
    any.setValue(new Reference("#missing"));
    refused("contained Group #missing not found");
    group.addContained(new Patient().setId("missing"));
    refused("contained Group #missing not found");
  }
}
