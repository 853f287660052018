package org.trialfhir.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;

class ConditionWordsTest {

  private static ValueSet valueSet(String display, String... names) {
    ValueSet vs = new ValueSet();
    var concept = vs.getCompose().addInclude().setSystem("http://snomed.info/sct").addConcept();
    concept.setCode("46635009").setDisplay(display);
    for (String name : names) {
      concept
          .addDesignation()
          .setUse(new Coding(ConditionWords.KIND_SYSTEM, "condition", null))
          .setValue(name);
    }
    // A designation of another use is no name of the condition.
    concept
        .addDesignation()
        .setUse(new Coding(ConditionWords.KIND_SYSTEM, "observation-value", null))
        .setValue("glucose");
    return vs;
  }

  private final ConditionWords words =
      new ConditionWords(
          List.of(valueSet(null, "type 1 diabetes", "T1D", "T1DM", "diabetes mellitus type 1")));

  @Test
  void eachWordMustMatchInAnyOrder() {
    assertThat(words.query("  diabetes   type 1 "))
        .containsExactly(List.of("diabetes"), List.of("type"), List.of("1"));
    assertThat(words.query("   ")).isEmpty();
    assertThat(words.query(null)).isEmpty();
  }

  @Test
  void aNameOfAConditionAlsoMatchesItsOtherNames() {
    assertThat(words.query("t1d"))
        .containsExactly(List.of("t1d", "type 1 diabetes", "T1DM", "diabetes mellitus type 1"));
    assertThat(words.query("Type 1  Diabetes"))
        .as("the whole text as a name")
        .containsExactly(List.of("Type 1 Diabetes", "T1D", "T1DM", "diabetes mellitus type 1"));
    assertThat(words.query("T1D children"))
        .as("a word as a name")
        .containsExactly(
            List.of("T1D", "type 1 diabetes", "T1DM", "diabetes mellitus type 1"),
            List.of("children"));
    assertThat(words.query("glucose")).containsExactly(List.of("glucose"));
    assertThat(words.phrase("T1DM")).contains("T1D", "type 1 diabetes");
  }

  @Test
  void thePackageNamesT1dAsType1Diabetes() {
    assertThat(ConditionWords.ofPackage().query("T1D").get(0)).contains("type 1 diabetes");
  }

  @Test
  void aWordSaidTwiceIsSearchedOnceAndMoreThanTenWordsAreRefused() {
    ConditionWords words = ConditionWords.ofPackage();
    assertThat(words.query("diabetes DIABETES diabetes")).hasSize(1);
    assertThat(words.query("a b c d e f g h i j a b")).hasSize(10);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> words.query("a b c d e f g h i j k"))
        .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.InvalidRequestException.class)
        .hasMessageContaining("at most 10");
  }
}
