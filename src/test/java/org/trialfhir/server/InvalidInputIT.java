package org.trialfhir.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;

import io.restassured.response.ValidatableResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.trialfhir.IntegrationTestBase;

/** Bad input gets a 4xx OperationOutcome that names the problem, and nothing is stored. */
class InvalidInputIT extends IntegrationTestBase {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          malformed JSON         | {"resourceType":"Patient", "name": [           | Failed to parse
          wrong JSON type        | {"resourceType":"Patient","active":"yes"}       | active
          number for a date      | {"resourceType":"Patient","birthDate":123}     | birthDate
          impossible date        | {"resourceType":"Patient","birthDate":"2015-02-30"} | 2015-02-30
          unknown element        | {"resourceType":"Patient","favouriteColour":"red"} | favouriteColour
          wrong resource type    | {"resourceType":"Observation","status":"final","code":{"text":"x"}} | Observation
          not FHIR at all        | {"hello":"world"}                              | resourceType
          """)
  void badPatientBodiesAreRefusedWith400(String what, String body, String named) {
    assertOutcome(fhir().body(body).post("/Patient").then(), 400, named);
  }

  @Test
  void malformedXmlIsRefusedWith400() {
    assertOutcome(
        fhir()
            .contentType(FHIR_XML)
            .body("<Patient xmlns=\"http://hl7.org/fhir\"><name>")
            .post("/Patient")
            .then(),
        400,
        "Failed to parse");
  }

  @Test
  void referenceToNothingIsRefused() {
    String missing = unique("missing");
    ValidatableResponse response =
        fhir()
            .body(
                """
                {"resourceType":"Observation","status":"final","code":{"text":"x"},
                 "subject":{"reference":"Patient/%s"}}
                """
                    .formatted(missing))
            .post("/Observation")
            .then();
    response.statusCode(greaterThanOrEqualTo(400)).statusCode(lessThan(500));
    response.body("issue[0].diagnostics", containsString(missing));
  }

  @Test
  void unknownResourceTypeAndIdGive404() {
    assertOutcome(fhir().get("/Nonsense/1"), 404, "Nonsense");
    assertOutcome(fhir().get("/Patient/" + unique("nobody")), 404, "nobody");
  }

  @Test
  void idInBodyMustMatchTheUrl() {
    assertOutcome(
        fhir().body("{\"resourceType\":\"Patient\",\"id\":\"a1\"}").put("/Patient/b2").then(),
        400,
        "b2");
  }

  /**
   * What HAPI's parsers would read with the data gone (201, an empty Patient) is a 400 naming the
   * element, in JSON and XML alike, and nothing is stored.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          JSON single quotes    | {'resourceType':'Patient','gender':'male',%s}                   | double quotes
          JSON duplicate key    | {"resourceType":"Patient","gender":"male","gender":"female",%s} | Patient.gender
          JSON duplicate nested | {"resourceType":"Patient","name":[{"family":"A","family":"B"}],%s} | Patient.name[0].family
          JSON lone surrogate   | {"resourceType":"Patient","name":[{"family":"\\ud800"}],%s}     | Patient.name[0].family
          JSON number 1e400     | {"resourceType":"Patient","multipleBirthInteger":1,"extension":[{"url":"urn:x","valueDecimal":1e400}],%s} | valueDecimal
          """)
  void lossyJsonIsRefusedNamingTheElement(String what, String body, String named) {
    String mark = unique("lossy");
    String identifier = identifier(mark, what.contains("single") ? '\'' : '"');
    assertOutcome(fhir().body(body.formatted(identifier)).post("/Patient").then(), 400, named);
    assertNothingStored(mark);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          text content       | <Patient xmlns="http://hl7.org/fhir">%s<gender>male</gender></Patient>     | Patient.gender
          no namespace       | <Patient>%s<gender value="male"/></Patient>                                | no namespace
          wrong namespace    | <Patient xmlns="http://example.org/fhir">%s<gender value="male"/></Patient> | http://example.org/fhir
          foreign child      | <Patient xmlns="http://hl7.org/fhir">%s<x:gender xmlns:x="urn:x" value="male"/></Patient> | urn:x
          number 1e400       | <Patient xmlns="http://hl7.org/fhir"><extension url="urn:x"><valueDecimal value="1e400"/></extension>%s</Patient> | valueDecimal
          """)
  void lossyXmlIsRefusedNamingTheElementInXml(String what, String body, String named) {
    String mark = unique("lossy");
    String identifier =
        "<identifier><system value=\"urn:trialfhir:lossy\"/><value value=\""
            + mark
            + "\"/></identifier>";
    fhir()
        .contentType(FHIR_XML)
        .accept(FHIR_XML)
        .body(body.formatted(identifier))
        .post("/Patient")
        .then()
        .statusCode(400)
        .contentType(startsWith(FHIR_XML))
        .body("OperationOutcome.issue.severity.@value", equalTo("error"))
        .body("OperationOutcome.issue.diagnostics.@value", containsString(named));
    assertNothingStored(mark);
  }

  @Test
  void wellFormedXmlWithANarrativeIsStored() {
    String mark = unique("xml-ok");
    fhir()
        .contentType(FHIR_XML)
        .body(
            """
            <Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/>
            <div xmlns="http://www.w3.org/1999/xhtml"><p>Ann <b>Doe</b></p></div></text>
            <identifier><system value="urn:trialfhir:lossy"/><value value="%s"/></identifier>
            <gender value="female"/></Patient>
            """
                .formatted(mark))
        .post("/Patient")
        .then()
        .statusCode(201)
        .body("gender", equalTo("female"));
  }

  /**
   * Parameters that HAPI would accept though wrong (a negative page, an unknown modifier or value,
   * a parameter repeated beyond the limit, an operation parameter declared once but given twice): a
   * 400 naming the parameter.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          _count=-1            | /Patient?_count=-1            | _count
          _offset=-1           | /Patient?_offset=-1           | _offset
          unknown modifier     | /Patient?name:bogus=x         | :bogus
          garbage _summary     | /Patient?_summary=garbage     | _summary
          garbage _total       | /Patient?_total=garbage       | _total
          garbage _format      | /Patient?_format=garbage      | _format
          repeated parameter   | /Patient?_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a&_id=a | _id
          $eligibility patient twice | /ResearchStudy/any/$eligibility?patient=Patient/a&patient=Patient/b | patient
          """)
  void wrongParametersAreRefused(String what, String path, String named) {
    assertOutcome(fhir().get(path), 400, named);
  }

  @Test
  void emptyIfMatchIsRefusedAndTheResourceKeepsItsVersion() {
    String id = createPatient(unique("ifmatch"), "2015-03-01");
    for (String etag : new String[] {"\"\"", "garbage", "W/\"abc\""}) {
      assertOutcome(
          fhir()
              .header("If-Match", etag)
              .body("{\"resourceType\":\"Patient\",\"id\":\"" + id + "\"}")
              .put("/Patient/" + id)
              .then(),
          400,
          "If-Match");
    }
    fhir().get("/Patient/" + id).then().statusCode(200).body("meta.versionId", equalTo("1"));
  }

  @Test
  void turtleIsUnsupportedMediaTypeAnsweredInJson() {
    fhir()
        .contentType("application/fhir+turtle")
        .accept("*/*")
        .body("@prefix fhir: <http://hl7.org/fhir/> .".getBytes(StandardCharsets.UTF_8))
        .post("/Patient")
        .then()
        .statusCode(415)
        .contentType(startsWith(FHIR_JSON))
        .body("issue[0].diagnostics", containsString("turtle"));
  }

  @Test
  void errorsOutsideTheFhirServerAreOperationOutcomes() {
    given()
        .accept(FHIR_XML)
        .get("/no-such-page")
        .then()
        .statusCode(404)
        .contentType(startsWith(FHIR_XML))
        .body("OperationOutcome.issue.code.@value", equalTo("not-found"));
    given()
        .urlEncodingEnabled(false)
        .accept(FHIR_JSON)
        .get("/fhir/Patient/a%2Fb")
        .then()
        .statusCode(400)
        .contentType(startsWith(FHIR_JSON))
        .body("resourceType", equalTo("OperationOutcome"));
  }

  private static String identifier(String mark, char quote) {
    return ("\"identifier\":[{\"system\":\"urn:trialfhir:lossy\",\"value\":\"" + mark + "\"}]")
        .replace('"', quote);
  }

  private void assertNothingStored(String mark) {
    fhir()
        .get("/Patient?identifier=urn:trialfhir:lossy|" + mark)
        .then()
        .statusCode(200)
        .body("total", equalTo(0));
  }

  private static void assertOutcome(ValidatableResponse response, int status, String named) {
    response
        .statusCode(status)
        .body("resourceType", equalTo("OperationOutcome"))
        .body("issue[0].severity", equalTo("error"))
        .body("issue[0].diagnostics", containsString(named));
  }

  private static void assertOutcome(
      io.restassured.response.Response response, int status, String named) {
    assertOutcome(response.then(), status, named);
  }
}
