package org.trialfhir.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

class ServerBasicsIT extends IntegrationTestBase {

  @Test
  void capabilityStatementNamesThisSoftware() {
    fhir()
        .get("/metadata")
        .then()
        .statusCode(200)
        .body("resourceType", equalTo("CapabilityStatement"))
        .body("fhirVersion", equalTo("4.0.1"))
        .body("software.name", equalTo("trialfhir"))
        .body("software.version", not(emptyOrNullString()))
        .body("rest[0].resource.type", hasItem("ResearchStudy"))
        .body("rest[0].resource.type", hasItem("ResearchSubject"))
        .body("rest[0].interaction.code", hasItem("transaction"));
    given()
        .get("/fhir/metadata?_format=xml")
        .then()
        .statusCode(200)
        .body("CapabilityStatement.fhirVersion.@value", equalTo("4.0.1"));
  }

  @Test
  void healthProbesAndMetrics() {
    given().get("/actuator/health/liveness").then().statusCode(200).body("status", equalTo("UP"));
    given().get("/actuator/health/readiness").then().statusCode(200).body("status", equalTo("UP"));
    fhir().get("/metadata").then().statusCode(200);
    given()
        .get("/actuator/prometheus")
        .then()
        .statusCode(200)
        .body(containsString("jvm_memory_used_bytes"))
        .body(containsString("hikaricp_connections"))
        .body(containsString("http_server_requests_seconds_count"));
  }

  @Test
  void tokenSearchWithAnUnencodedPipeIsAccepted() {
    given()
        .urlEncodingEnabled(false)
        .accept(FHIR_JSON)
        .get("/fhir/Patient?identifier=urn:test:mrn|unencoded-pipe")
        .then()
        .statusCode(200)
        .body("resourceType", equalTo("Bundle"));
  }

  @Test
  void errorsOutsideFhirCarryNoStackTrace() {
    given()
        .get("/no-such-page")
        .then()
        .statusCode(404)
        .body(not(containsString("Exception")))
        .body(not(containsString("\tat ")));
  }
}
