package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.junit.jupiter.api.Test;

class EligibilityGroupMapperTest {

  private final List<String> warnings = new ArrayList<>();
  private final ResearchStudy study = new ResearchStudy();

  private Group map(String module) {
    return new EligibilityGroupMapper(warnings)
        .map("nct01234567", "NCT01234567", Json.of(module), List.of("Melanoma"), study);
  }

  private static String kind(GroupCharacteristicComponent c) {
    return c.getCode().getCodingFirstRep().getCode();
  }

  @Test
  void registryAgesInDifferentUnitsShareTheFinerUnit() {
    Group group = map("{'minimumAge':'6 Months','maximumAge':'17 Years','sex':'FEMALE'}");
    GroupCharacteristicComponent age = group.getCharacteristicFirstRep();
    assertThat(age.getId()).isEqualTo("registry-age");
    Range range = (Range) age.getValue();
    assertThat(range.getLow().getValue()).isEqualByComparingTo("6");
    assertThat(range.getHigh().getValue()).isEqualByComparingTo("215");
    assertThat(range.getHigh().getCode()).isEqualTo("mo");
    assertThat(group.getCharacteristic().get(1).getId()).isEqualTo("registry-sex");
    assertThat(
            study
                .getExtensionByUrl(CtgovStudyMapper.BASE + "StructureDefinition/eligibility-sex")
                .getValue()
                .primitiveValue())
        .isEqualTo("female");
  }

  @Test
  void hoursBecomeWholeDaysAndAnUnreadableAgeIsAWarning() {
    EligibilityGroupMapper mapper = new EligibilityGroupMapper(warnings);
    Quantity hours = mapper.age("48 Hours", "minimumAge");
    assertThat(hours.getValue()).isEqualByComparingTo("2");
    assertThat(hours.getCode()).isEqualTo("d");
    assertThat(mapper.age("N/A", "maximumAge")).isNull();
    assertThat(warnings).singleElement().asString().contains("maximumAge 'N/A'");
  }

  @Test
  void eachItemIsACriterionAndWhatIsNotRecognisedIsForAPerson() {
    Group group =
        map(
            "{'healthyVolunteers':false,'eligibilityCriteria':'Inclusion Criteria:\\n\\n"
                + "* Histologically confirmed melanoma\\n\\nExclusion Criteria:\\n\\n* Prior vaccine therapy'}");
    assertThat(group.getCharacteristic())
        .extracting(GroupCharacteristicComponent::getId)
        .containsExactly("registry-no-healthy-volunteers", "inc-1", "exc-1");
    assertThat(group.getCharacteristic().get(2).getExclude()).isTrue();
    assertThat(kind(group.getCharacteristic().get(1))).isEqualTo("manual-review");
    assertThat(warnings).anyMatch(w -> w.startsWith("exc-1 could not be made computable"));
  }

  @Test
  void aRecordWithoutCriteriaSaysSo() {
    Group group = map("{}");
    assertThat(group.getCharacteristic())
        .singleElement()
        .satisfies(c -> assertThat(c.getId()).isEqualTo("registry-none"));
  }
}
