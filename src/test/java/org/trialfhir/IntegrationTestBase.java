package org.trialfhir;

import static io.restassured.RestAssured.given;

import io.restassured.RestAssured;
import io.restassured.parsing.Parser;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of every {@code *IT}: the whole server on a random port, one Spring context shared by all
 * integration tests of a run. Tests share one database, so each makes its own data unique (see
 * {@link #unique(String)}) instead of relying on an empty database.
 */
@AutoConfigureObservability
@SpringBootTest(
    classes = TrialFhirApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class IntegrationTestBase {

  public static final String FHIR_JSON = "application/fhir+json";
  public static final String FHIR_XML = "application/fhir+xml";

  @LocalServerPort protected int port;

  static {
    RestAssured.registerParser(FHIR_JSON, Parser.JSON);
    RestAssured.registerParser(FHIR_XML, Parser.XML);
    // FHIR bodies are UTF-8; RestAssured would otherwise encode a body whose content type names no
    // charset as ISO-8859-1, which the server rightly refuses as invalid UTF-8.
    RestAssured.config =
        RestAssured.config()
            .encoderConfig(
                io.restassured.config.EncoderConfig.encoderConfig()
                    .defaultContentCharset(java.nio.charset.StandardCharsets.UTF_8));
  }

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    TestDatabase.springProperties().forEach((key, value) -> registry.add(key, () -> value));
    registry.add("trialfhir.security.public-key-location", TestTokens::publicKeyLocation);
    // Test tokens carry this iss and aud; the server checks both on every token.
    registry.add("trialfhir.security.issuer-uri", () -> TestTokens.ISSUER);
    registry.add("trialfhir.security.audience", () -> TestTokens.AUDIENCE);
    // The EHR that CDS Hooks calls come from (cds/TestEhr signs its JWTs).
    org.trialfhir.cds.TestEhr.properties().forEach((key, value) -> registry.add(key, () -> value));
    // Subscriptions may call the tests' own loopback inbox (subscription/TestInbox), nothing else.
    registry.add(
        "trialfhir.subscriptions.rest-hook-endpoints",
        org.trialfhir.subscription.TestInbox::allowedEndpoint);
    // $import may fetch from the tests' own loopback file server (bulkimport/NdjsonTestServer).
    registry.add(
        "trialfhir.bulk-import.allowed-sources",
        org.trialfhir.bulkimport.NdjsonTestServer::allowedSource);
  }

  @BeforeEach
  void pointRestAssuredAtServer() {
    RestAssured.port = port;
    RestAssured.basePath = "";
  }

  /**
   * A request to the FHIR base, sending and accepting FHIR JSON, with a token that may do
   * everything (all scopes, all roles): features other than security are tested as such a caller.
   */
  protected RequestSpecification fhir() {
    return fhirAs(TestTokens.admin());
  }

  /** A request to the FHIR base with this bearer token. */
  protected RequestSpecification fhirAs(String token) {
    return anonymous().header("Authorization", "Bearer " + token);
  }

  /** A request to the FHIR base without a token. */
  protected RequestSpecification anonymous() {
    return given().basePath("/fhir").contentType(FHIR_JSON).accept(FHIR_JSON);
  }

  /** A value no other test uses, e.g. for an identifier or a family name to search by. */
  protected static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
  }

  /**
   * {@code ResearchStudy/[studyId]/$eligibility} for a patient at a reference date (200 expected).
   */
  protected JsonPath eligibility(String studyId, String patientId, String date) {
    return fhir()
        .queryParam("patient", "Patient/" + patientId)
        .queryParam("date", date)
        .get("/ResearchStudy/" + studyId + "/$eligibility")
        .then()
        .statusCode(200)
        .body("resourceType", org.hamcrest.Matchers.equalTo("Parameters"))
        .extract()
        .jsonPath();
  }

  /** Creates a Patient and returns its server-assigned id. */
  protected String createPatient(String family, String birthDate) {
    return fhir()
        .body(
            """
            {"resourceType":"Patient","name":[{"family":"%s"}],"birthDate":"%s"}
            """
                .formatted(family, birthDate))
        .post("/Patient")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }
}
