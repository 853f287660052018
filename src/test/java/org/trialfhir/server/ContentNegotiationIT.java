package org.trialfhir.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.restassured.config.DecoderConfig;
import io.restassured.config.RestAssuredConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

class ContentNegotiationIT extends IntegrationTestBase {

  @Test
  void xmlInAndOut() {
    String id =
        given()
            .header("Authorization", "Bearer " + TestTokens.admin())
            .basePath("/fhir")
            .contentType(FHIR_XML)
            .accept(FHIR_XML)
            .body(
                """
                <Patient xmlns="http://hl7.org/fhir">
                  <name><family value="Xml"/></name><birthDate value="2010-10-10"/>
                </Patient>
                """)
            .post("/Patient")
            .then()
            .statusCode(201)
            .contentType(startsWith(FHIR_XML))
            .extract()
            .xmlPath()
            .getString("Patient.id.@value");
    fhir().get("/Patient/" + id).then().contentType(startsWith(FHIR_JSON));
    given()
        .header("Authorization", "Bearer " + TestTokens.admin())
        .basePath("/fhir")
        .get("/Patient/" + id + "?_format=xml")
        .then()
        .contentType(startsWith(FHIR_XML))
        .body("Patient.birthDate.@value", equalTo("2010-10-10"));
  }

  @Test
  void preferReturnIsHonoured() {
    String body = "{\"resourceType\":\"Patient\",\"gender\":\"female\"}";
    fhir()
        .header("Prefer", "return=minimal")
        .body(body)
        .post("/Patient")
        .then()
        .statusCode(201)
        .body(emptyString());
    fhir()
        .header("Prefer", "return=representation")
        .body(body)
        .post("/Patient")
        .then()
        .statusCode(201)
        .body("gender", equalTo("female"));
    fhir()
        .header("Prefer", "return=OperationOutcome")
        .body(body)
        .post("/Patient")
        .then()
        .statusCode(201)
        .body("resourceType", equalTo("OperationOutcome"));
  }

  @Test
  void gzipBothWays() throws IOException {
    given()
        .header("Authorization", "Bearer " + TestTokens.admin())
        .config(
            RestAssuredConfig.config()
                .decoderConfig(
                    DecoderConfig.decoderConfig()
                        .contentDecoders(DecoderConfig.ContentDecoder.GZIP)))
        .header("Accept-Encoding", "gzip")
        .get("/fhir/metadata")
        .then()
        .statusCode(200)
        .header("Content-Encoding", "gzip")
        .body("resourceType", equalTo("CapabilityStatement"));

    fhir()
        .header("Content-Encoding", "gzip")
        .body(gzip("{\"resourceType\":\"Patient\",\"gender\":\"unknown\"}"))
        .post("/Patient")
        .then()
        .statusCode(201)
        .body("gender", equalTo("unknown"));
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }
}
