package org.trialfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.RestAssured;
import io.restassured.config.DecoderConfig;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

/**
 * {@code /metadata} comes from a serialised copy (CapabilityStatementCache): the same statement
 * again until a SearchParameter changes, and still what each request's base URL and format ask for.
 */
class CapabilityStatementCacheIT extends IntegrationTestBase {

  /** The default {@code max-age}: a change seen sooner than this came from the invalidation. */
  private static final Duration MAX_AGE = Duration.ofSeconds(60);

  private static final String PATIENT_PARAMS =
      "rest[0].resource.find { it.type == 'Patient' }.searchParam.name";

  @Test
  void aRepeatedRequestIsServedFromTheCopyUntilAClientAsksForAFreshOne() {
    Response first = metadata();
    Response second = metadata();
    // Each build gets a new id (HAPI's): the same id twice is the same copy.
    assertThat(second.header("Content-Location")).isEqualTo(first.header("Content-Location"));
    assertThat(second.header("ETag")).isNotBlank().isEqualTo(first.header("ETag"));

    Response fresh = fhir().header("Cache-Control", "no-cache").get("/metadata");
    assertThat(fresh.statusCode()).isEqualTo(200);
    assertThat(fresh.header("Content-Location"))
        .isNotEqualTo(first.header("Content-Location"))
        .endsWith("/fhir/CapabilityStatement/" + fresh.jsonPath().getString("id"));
    // The fresh build replaced the copy.
    assertThat(metadata().header("Content-Location")).isEqualTo(fresh.header("Content-Location"));

    assertThat(fresh.header("ETag")).matches("W/\"[0-9]+\"");
    Response unchanged = fhir().header("If-None-Match", fresh.header("ETag")).get("/metadata");
    assertThat(unchanged.statusCode()).isEqualTo(304);
    assertThat(unchanged.asByteArray()).isEmpty();
    Response changed = fhir().header("If-None-Match", "W/\"1\"").get("/metadata");
    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(changed.jsonPath().getString("resourceType")).isEqualTo("CapabilityStatement");
  }

  @Test
  void whatDependsOnTheRequestStillFollowsIt() {
    for (int round = 0; round < 2; round++) { // the second round is answered from the copies
      Response viaName = metadata();
      Response viaAddress = fhir().baseUri("http://127.0.0.1").get("/metadata");
      assertThat(viaName.jsonPath().getString("implementation.url"))
          .isEqualTo("http://localhost:" + port + "/fhir");
      assertThat(viaAddress.jsonPath().getString("implementation.url"))
          .isEqualTo("http://127.0.0.1:" + port + "/fhir");
      assertThat(viaAddress.jsonPath().getString("rest[0].security.description"))
          .contains("http://127.0.0.1:" + port + "/fhir/.well-known/smart-configuration");
      assertThat(viaName.jsonPath().getString("rest[0].security.description"))
          .contains("http://localhost:" + port + "/fhir/.well-known/smart-configuration");

      Response xml = anonymous().accept(FHIR_XML).get("/metadata");
      assertThat(xml.contentType()).startsWith(FHIR_XML);
      assertThat(xml.xmlPath().getString("CapabilityStatement.fhirVersion.@value"))
          .isEqualTo("4.0.1");

      Response plain =
          fhir()
              .config(
                  RestAssured.config()
                      .decoderConfig(DecoderConfig.decoderConfig().noContentDecoders()))
              .header("Accept-Encoding", "identity")
              .get("/metadata");
      assertThat(plain.header("Content-Encoding")).isNull();
      assertThat(plain.header("Content-Length"))
          .isEqualTo(String.valueOf(plain.asByteArray().length));
      Response gzip = fhir().header("Accept-Encoding", "gzip").get("/metadata");
      assertThat(gzip.header("Content-Encoding")).isEqualTo("gzip");
      assertThat(gzip.jsonPath().getString("resourceType")).isEqualTo("CapabilityStatement");

      Response elements = fhir().get("/metadata?_elements=software");
      assertThat(elements.jsonPath().getString("software.name")).isEqualTo("trialfhir");
      assertThat(elements.jsonPath().getList("rest")).isNull();

      // A browser still gets the response highlighter's HTML page.
      Response browser = anonymous().accept("text/html,application/xhtml+xml").get("/metadata");
      assertThat(browser.statusCode()).isEqualTo(200);
      assertThat(browser.contentType()).startsWith("text/html");
    }
  }

  @Test
  void aSearchParameterCreatedOrDeletedReachesTheStatement() {
    String code = unique("sp").replace("-", "");
    String body =
        """
        {"resourceType":"SearchParameter","url":"https://example.org/SearchParameter/%1$s",
         "name":"%1$s","status":"active","description":"test","code":"%1$s",
         "base":["Patient"],"type":"token","expression":"Patient.gender"}
        """
            .formatted(code);

    long copiedAt = freshCopy();
    assertThat(patientParams(metadata())).doesNotContain(code);
    Response created = fhir().body(body).post("/SearchParameter");
    assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
    awaitCopy(() -> patientParams(metadata()), names -> names.contains(code), copiedAt);

    copiedAt = freshCopy();
    String id = created.jsonPath().getString("id");
    assertThat(fhir().delete("/SearchParameter/" + id).statusCode()).isIn(200, 204);
    awaitCopy(() -> patientParams(metadata()), names -> !names.contains(code), copiedAt);
  }

  private Response metadata() {
    Response response = fhir().get("/metadata");
    assertThat(response.statusCode()).isEqualTo(200);
    return response;
  }

  /** A copy built now, so that it cannot expire (and be rebuilt) while a test waits. */
  private long freshCopy() {
    long at = System.nanoTime();
    assertThat(fhir().header("Cache-Control", "no-cache").get("/metadata").statusCode())
        .isEqualTo(200);
    return at;
  }

  private static List<String> patientParams(Response metadata) {
    return metadata.jsonPath().getList(PATIENT_PARAMS, String.class);
  }

  /**
   * Polls plain (cacheable) requests until the statement shows the change; HAPI's registries hear
   * of a write within seconds. It must be sooner than the copy's max-age, or expiry and not the
   * change could have replaced it.
   */
  private static void awaitCopy(
      Supplier<List<String>> names, Predicate<List<String>> changed, long copiedAt) {
    Duration limit = MAX_AGE.minusSeconds(10);
    while (!changed.test(names.get())) {
      assertThat(Duration.ofNanos(System.nanoTime() - copiedAt))
          .as("the statement did not change within %s", limit)
          .isLessThan(limit);
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
