package org.trialfhir.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

/**
 * Once the context is up, readiness is UP and says what the node serves: the project's package
 * (with its content hash), its SearchParameters active here (the issue was a node answering
 * "Unknown search parameter" for eligible-age while taking traffic), and the seed studies. Also on
 * PostgreSQL, where nodes share the database.
 */
@Tag("persistence")
class ReadinessIT extends IntegrationTestBase {

  @Test
  void readinessNamesThePackageItsSearchParametersAndTheSeedStudies() {
    given()
        .get("/actuator/health/readiness")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"))
        .body("components.readinessState.status", equalTo("UP"))
        .body("components.serving.status", equalTo("UP"))
        .body(
            "components.serving.details.package",
            matchesPattern("trialfhir\\.profiles#0\\.1\\.0-h[0-9a-f]{12}"))
        .body(
            "components.serving.details.searchParameters",
            hasItems("eligible-age", "eligible-age-low", "eligible-age-high", "phase"))
        .body(
            "components.serving.details.seed",
            hasItems("ResearchStudy/nct06407297", "ResearchStudy/gxipc1-phase1"));
  }
}
