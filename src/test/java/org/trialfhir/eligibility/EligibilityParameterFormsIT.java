package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;

import io.restassured.path.json.JsonPath;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

/**
 * {@code $eligibility}'s {@code patient} is a Reference: by GET as a query parameter, by POST as
 * {@code valueReference}, and in the string form earlier clients send ({@code valueString}, in JSON
 * or XML) with the same answer.
 */
class EligibilityParameterFormsIT extends IntegrationTestBase {

  private static final String PATH = "/ResearchStudy/nct06407297/$eligibility";

  @Test
  void everyFormOfThePatientGivesTheSameAnswer() {
    String patient = load();
    String byGet =
        fhir()
            .queryParam("patient", "Patient/" + patient)
            .queryParam("date", "2026-06-15")
            .get(PATH)
            .then()
            .statusCode(200)
            .extract()
            .asString();
    String byReference =
        post(
            """
            {"resourceType":"Parameters","parameter":[
              {"name":"patient","valueReference":{"reference":"Patient/%s"}},
              {"name":"date","valueDate":"2026-06-15"}]}"""
                .formatted(patient));
    String byString =
        post(
            """
            {"resourceType":"Parameters","parameter":[
              {"name":"patient","valueString":"Patient/%s"},
              {"name":"date","valueDate":"2026-06-15"}]}"""
                .formatted(patient));
    String byXmlString =
        fhir()
            .contentType("application/fhir+xml")
            .accept("application/fhir+json")
            .body(
                """
                <Parameters xmlns="http://hl7.org/fhir">
                  <parameter><name value="patient"/><valueString value="Patient/%s"/></parameter>
                  <parameter><name value="date"/><valueDate value="2026-06-15"/></parameter>
                </Parameters>"""
                    .formatted(patient))
            .post(PATH)
            .then()
            .statusCode(200)
            .extract()
            .asString();
    for (String answer : new String[] {byReference, byString, byXmlString}) {
      assertThat(verdictAndOutcomes(answer)).isEqualTo(verdictAndOutcomes(byGet));
    }
    assertThat(JsonPath.from(byGet).getString("parameter.find { it.name == 'verdict' }.valueCode"))
        .isEqualTo("needs-review");
  }

  @Test
  void aReferenceToAnotherTypeIsRefusedNamingTheParameter() {
    String answer =
        fhir()
            .body(
                """
                {"resourceType":"Parameters","parameter":[
                  {"name":"patient","valueReference":{"reference":"Group/g1"}}]}""")
            .post(PATH)
            .then()
            .statusCode(400)
            .extract()
            .asString();
    assertThat(answer).contains("OperationOutcome").contains("patient");
  }

  private String post(String body) {
    return fhir().body(body).post(PATH).then().statusCode(200).extract().asString();
  }

  private static String verdictAndOutcomes(String parameters) {
    JsonPath json = JsonPath.from(parameters);
    return json.getString("parameter.find { it.name == 'verdict' }.valueCode")
        + json.getList("parameter.findAll { it.name == 'criterion' }.part.valueCode").toString();
  }

  private String load() {
    String location =
        fhir()
            .body(eligibleChild().transaction("forms-" + UUID.randomUUID()))
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .path("entry[0].response.location");
    return location.split("/")[1];
  }
}
