package org.trialfhir.server;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;

import io.restassured.response.ValidatableResponse;
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
