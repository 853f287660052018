package org.trialfhir.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.response.Response;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import org.trialfhir.IntegrationTestBase;

/**
 * {@code trialfhir.validation.mode: warn}, for legacy feeds: an invalid write is stored (2xx) and
 * the problems come back in an OperationOutcome naming the element and the rule, for a single write
 * ({@code Prefer: return=OperationOutcome}) and for each entry of a transaction. A context of its
 * own (this one property differs), run in a JVM of its own (tag {@code own-context}, failsafe
 * execution {@code it-h2-own-context}): started beside the shared context in one JVM, its validator
 * found no R4 StructureDefinitions ("unknown resource name 'Observation'").
 */
@Tag("own-context")
@TestPropertySource(properties = "trialfhir.validation.mode=warn")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ValidationWarnModeIT extends IntegrationTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Invalid in base R4: Observation.status is required (1..1). */
  private static String observationWithoutStatus(String text) {
    return """
        {"resourceType":"Observation","code":{"text":"%s"},"valueString":"7.1 %%"}"""
        .formatted(text);
  }

  @Test
  void anInvalidWriteIsStoredAndItsProblemsAreReturned() throws Exception {
    String text = unique("legacy-hba1c");
    Response created =
        fhir()
            .header("Prefer", "return=OperationOutcome")
            .body(observationWithoutStatus(text))
            .post("/Observation");

    assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
    JsonNode outcome = JSON.readTree(created.asString());
    assertThat(outcome.path("resourceType").asText()).isEqualTo("OperationOutcome");
    assertThat(outcome.toString()).contains("Observation.status").contains("minimum required = 1");
    assertThat(outcome.path("issue").findValuesAsText("severity")).contains("error");

    String location = created.header("Location");
    String id = location.substring(location.indexOf("/Observation/") + 13).split("/")[0];
    JsonNode stored =
        JSON.readTree(fhir().get("/Observation/" + id).then().statusCode(200).extract().asString());
    assertThat(stored.path("code").path("text").asText()).isEqualTo(text);
    assertThat(stored.has("status")).isFalse();
  }

  @Test
  void eachTransactionEntryCarriesItsOwnWarnings() throws Exception {
    String text = unique("legacy-feed");
    String bundle =
        """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"resource":%s,"request":{"method":"POST","url":"Observation"}},
          {"resource":{"resourceType":"Patient","name":[{"family":"%s"}]},
           "request":{"method":"POST","url":"Patient"}}]}"""
            .formatted(observationWithoutStatus(text), text);

    Response response = fhir().body(bundle).post("/");

    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    JsonNode entries = JSON.readTree(response.asString()).path("entry");
    assertThat(entries.get(0).path("response").path("status").asText()).startsWith("201");
    assertThat(entries.get(0).path("response").path("outcome").toString())
        .contains("OperationOutcome")
        .contains("Observation.status");
    assertThat(entries.get(1).path("response").path("status").asText()).startsWith("201");
    assertThat(entries.get(1).path("response").path("outcome").toString())
        .doesNotContain("Observation.status");
    String location = entries.get(0).path("response").path("location").asText();
    JsonNode stored =
        JSON.readTree(
            fhir()
                .get("/" + location.substring(0, location.indexOf("/_history")))
                .then()
                .statusCode(200)
                .extract()
                .asString());
    assertThat(stored.path("code").path("text").asText()).isEqualTo(text);
  }
}
