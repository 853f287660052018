package org.trialfhir.projection;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;
import org.trialfhir.TrialFhirApplication;

/**
 * The projection's rows outlive a restart: the server is started on an H2 file database, given a
 * varied population, stopped (its database closed), and started again on the same files. The
 * projection is not rebuilt (a row only a rebuild would remove is still there) and {@code
 * $eligibility} from the stored rows equals {@code $eligibility} from the resources, and the
 * answers before the restart. A context of its own, started twice, in a JVM of its own (tag {@code
 * own-context}).
 */
@Tag("own-context")
class ProjectionRestartIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MARKER = "restart-marker";

  static {
    // FHIR bodies are UTF-8 (see IntegrationTestBase).
    io.restassured.RestAssured.config =
        io.restassured.RestAssured.config()
            .encoderConfig(
                io.restassured.config.EncoderConfig.encoderConfig()
                    .defaultContentCharset(java.nio.charset.StandardCharsets.UTF_8));
  }

  @TempDir Path dataDir;

  @Test
  void rowsStoredBeforeARestartAnswerAsTheResourcesAfterIt() throws Exception {
    List<String> patients = new ArrayList<>();
    List<String> studies = new ArrayList<>(EligibilityBothWays.SEEDED);
    Map<String, String> before;
    try (ConfigurableApplicationContext first = start()) {
      Random random = new Random(42);
      for (int i = 0; i < 16; i++) {
        JsonNode response =
            JSON.readTree(
                fhir(first)
                    .body(VariedRecords.transaction(random))
                    .post("/")
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString());
        patients.add(
            response.path("entry").get(0).path("response").path("location").asText().split("/")[1]);
      }
      studies.add(EligibilityBothWays.study(fhir(first)));
      before = both(first).assertAgree(patients, studies);
      Projection projection = first.getBean(Projection.class);
      assertThat(projection.tables().version(ProjectionRebuild.STATE))
          .isEqualTo(projection.views().version());
      // A row no resource has: a rebuild would remove it.
      projection
          .tables()
          .jdbc()
          .update(
              "INSERT INTO TRIALFHIR_PX_CONDITION (ID, ROW_NO, PATIENT_ID) VALUES (?, 0, ?)",
              MARKER,
              MARKER);
    }

    try (ConfigurableApplicationContext second = start()) {
      Projection projection = second.getBean(Projection.class);
      assertThat(second.getBean(ProjectionRebuild.class).ready()).isTrue();
      assertThat(
              projection
                  .tables()
                  .jdbc()
                  .queryForObject(
                      "SELECT COUNT(*) FROM TRIALFHIR_PX_CONDITION WHERE ID = ?",
                      Integer.class,
                      MARKER))
          .as("the rows stored before the restart, not rebuilt")
          .isEqualTo(1);
      Map<String, String> after = both(second).assertAgree(patients, studies);
      assertThat(after).isEqualTo(before);
    }
  }

  /** The server on the files of {@link #dataDir}, configured as the shared test context is. */
  private ConfigurableApplicationContext start() {
    Map<String, Object> properties =
        Map.of(
            "server.port",
            0,
            "spring.datasource.url",
            "jdbc:h2:file:"
                + dataDir.resolve("trialfhir")
                + ";DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000",
            "trialfhir.data-dir",
            dataDir.toString(),
            "trialfhir.security.public-key-location",
            TestTokens.publicKeyLocation(),
            "trialfhir.security.issuer-uri",
            TestTokens.ISSUER,
            "trialfhir.security.audience",
            TestTokens.AUDIENCE);
    // As arguments: they win over application.yaml, as the test context's properties do.
    String[] arguments =
        properties.entrySet().stream()
            .map(e -> "--" + e.getKey() + "=" + e.getValue())
            .toArray(String[]::new);
    return new SpringApplicationBuilder(TrialFhirApplication.class).run(arguments);
  }

  private static EligibilityBothWays both(ConfigurableApplicationContext context) {
    return new EligibilityBothWays(() -> fhir(context), context.getBean(ProjectionReads.class));
  }

  private static RequestSpecification fhir(ConfigurableApplicationContext context) {
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    return given()
        .port(port)
        .basePath("/fhir")
        .contentType(IntegrationTestBase.FHIR_JSON)
        .accept(IntegrationTestBase.FHIR_JSON)
        .header("Authorization", "Bearer " + TestTokens.admin());
  }
}
