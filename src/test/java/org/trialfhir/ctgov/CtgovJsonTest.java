package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class CtgovJsonTest {

  @Test
  void textIsUnescapedStrippedAndFallsBackWhenAbsentOrBlank() {
    JsonNode node = Json.of("{'a':' BMI \\\\<18 ','b':'  ','n':5}");
    assertThat(CtgovJson.text(node, "a", null)).isEqualTo("BMI <18");
    assertThat(CtgovJson.text(node, "b", "fallback")).isEqualTo("fallback");
    assertThat(CtgovJson.text(node, "missing", "fallback")).isEqualTo("fallback");
    assertThat(CtgovJson.text(node, "n", null)).isEqualTo("5");
  }

  @Test
  void aFieldOfTheWrongShapeIsNamed() {
    JsonNode node = Json.of("{'a':{'x':1},'list':'not a list','m':[1]}");
    assertThatThrownBy(() -> CtgovJson.text(node, "a", null)).hasMessageContaining("'a'");
    assertThatThrownBy(() -> CtgovJson.array(node, "list")).hasMessageContaining("'list'");
    assertThatThrownBy(() -> CtgovJson.module(node, "m"))
        .hasMessageContaining("protocolSection.m must be an object");
    assertThat(CtgovJson.array(node, "absent")).isEmpty();
  }

  @Test
  void registryDatesAreYearMonthOrDayAndNothingElse() {
    assertThat(CtgovJson.date("2024-03", "startDateStruct.date").orElseThrow().getValueAsString())
        .isEqualTo("2024-03");
    assertThat(CtgovJson.date(null, "x")).isEmpty();
    assertThatThrownBy(() -> CtgovJson.date("March 2024", "startDateStruct.date"))
        .hasMessageContaining("startDateStruct.date 'March 2024' is not a valid date");
  }
}
