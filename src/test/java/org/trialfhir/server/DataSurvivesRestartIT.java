package org.trialfhir.server;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.trialfhir.TrialFhirApplication;

/**
 * The default start-up path: an H2 file database under {@code trialfhir.data-dir}. Starts the
 * server twice on the same folder (its own contexts, not the shared test one) and reads back what
 * the first run stored.
 */
class DataSurvivesRestartIT {

  @TempDir Path dataDir;

  @Test
  void patientWrittenBeforeARestartIsReadAfterIt() {
    String id;
    try (ConfigurableApplicationContext first = start()) {
      id =
          given()
              .port(port(first))
              .header("Authorization", "Bearer " + devToken(port(first)))
              .contentType("application/fhir+json")
              .body("{\"resourceType\":\"Patient\",\"id\":\"restart-1\",\"gender\":\"female\"}")
              .put("/fhir/Patient/restart-1")
              .then()
              .statusCode(201)
              .extract()
              .path("id");
    }
    assertThat(Files.exists(dataDir.resolve("trialfhir.mv.db"))).isTrue();
    try (ConfigurableApplicationContext second = start()) {
      given()
          .port(port(second))
          .header("Authorization", "Bearer " + devToken(port(second)))
          .accept("application/fhir+json")
          .get("/fhir/Patient/" + id)
          .then()
          .statusCode(200)
          .body("gender", equalTo("female"));
    }
  }

  /**
   * A token from the development issuer, as README tells a developer to get one: this server runs
   * with the default configuration, which has no identity provider.
   */
  private static String devToken(int port) {
    return given()
        .port(port)
        .auth()
        .preemptive()
        .basic("developer", "developer-secret")
        .formParam("grant_type", "client_credentials")
        .formParam("scope", "system/*.cruds")
        .post("/oauth2/token")
        .then()
        .statusCode(200)
        .extract()
        .path("access_token");
  }

  private ConfigurableApplicationContext start() {
    return new SpringApplicationBuilder(TrialFhirApplication.class)
        .run("--server.port=0", "--trialfhir.data-dir=" + dataDir);
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }
}
