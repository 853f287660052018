package org.trialfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StrictBodyCheckTest {

  @Test
  void wellFormedJsonPassesAndNamesItsRootType() {
    assertThat(
            StrictBodyCheck.checkJson(
                bytes(
                    "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Doe\",\"given\":[\"A\"]}],"
                        + "\"extension\":[{\"url\":\"u\",\"valueDecimal\":7.25}]}")))
        .isEqualTo("Patient");
    assertThat(StrictBodyCheck.checkJson(bytes("[{\"op\":\"remove\",\"path\":\"/a\"}]"))).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          single quotes       | {'resourceType':'Patient','gender':'male'}                   | double quotes
          duplicate key       | {"resourceType":"Patient","gender":"male","gender":"female"} | Patient.gender
          nested duplicate    | {"resourceType":"Patient","name":[{"family":"a","family":"b"}]} | Patient.name[0].family
          leading plus        | {"resourceType":"Observation","valueInteger":+5}             | Failed to parse
          huge number         | {"resourceType":"Observation","valueQuantity":{"value":1e400}} | Observation.valueQuantity.value
          tiny number         | {"resourceType":"Observation","valueQuantity":{"value":1e-400}} | 1e-400
          lone surrogate      | {"resourceType":"Patient","name":[{"family":"\\ud800"}]}      | Patient.name[0].family
          lone low surrogate  | {"resourceType":"Patient","name":[{"given":["ok","x\\udc00"]}]} | Patient.name[0].given[1]
          """)
  void lossyJsonIsRefusedNamingTheElement(String what, String body, String named) {
    assertThatThrownBy(() -> StrictBodyCheck.checkJson(bytes(body)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(named);
  }

  @Test
  void pairedSurrogatesAreCharacters() {
    assertThat(
            StrictBodyCheck.checkJson(
                bytes("{\"resourceType\":\"Patient\",\"id\":\"\\ud83d\\ude00\"}")))
        .isEqualTo("Patient");
  }

  @Test
  void fhirXmlPassesIncludingNarrative() {
    assertThat(
            StrictBodyCheck.checkFhirXml(
                bytes(
                    "<?xml version=\"1.0\"?><Patient xmlns=\"http://hl7.org/fhir\"><text><status"
                        + " value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Ann"
                        + " <b>Doe</b></p></div></text>\n  <gender value=\"male\"/></Patient>")))
        .isEqualTo("Patient");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          text content      | <Patient xmlns="http://hl7.org/fhir"><gender>male</gender></Patient> | Patient.gender
          no namespace      | <Patient><gender value="male"/></Patient>                              | no namespace
          wrong namespace   | <Patient xmlns="http://example.org"><gender value="male"/></Patient>   | http://example.org
          child namespace   | <Patient xmlns="http://hl7.org/fhir"><x:gender xmlns:x="urn:x" value="male"/></Patient> | urn:x
          text in root      | <Patient xmlns="http://hl7.org/fhir">hello<gender value="male"/></Patient> | hello
          cdata             | <Patient xmlns="http://hl7.org/fhir"><gender><![CDATA[male]]></gender></Patient> | Patient.gender
          """)
  void lossyXmlIsRefusedNamingTheElement(String what, String body, String named) {
    assertThatThrownBy(() -> StrictBodyCheck.checkFhirXml(bytes(body)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(named);
  }

  @Test
  void malformedXmlIsLeftToHapi() {
    assertThat(StrictBodyCheck.checkFhirXml(bytes("<Patient xmlns=\"http://hl7.org/fhir\"><name>")))
        .isNull();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
