package org.trialfhir.server;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

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

  /** Java's HTTP clients refuse to send a raw '|', so speak HTTP on a socket as curl would. */
  @Test
  void tokenSearchWithAnUnencodedPipeIsAccepted() throws IOException {
    try (Socket socket = new Socket("localhost", port)) {
      socket
          .getOutputStream()
          .write(
              ("GET /fhir/Patient?identifier=urn:test:mrn|unencoded-pipe HTTP/1.1\r\n"
                      + "Host: localhost\r\nAccept: application/fhir+json\r\n"
                      + "Authorization: Bearer "
                      + TestTokens.admin()
                      + "\r\n"
                      + "Connection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 200").contains("\"resourceType\":\"Bundle\"");
    }
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
