package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

/** Where asking the registry is not enabled (the default), nothing asks it. */
class CtgovFetchDisabledIT extends IntegrationTestBase {

  @Test
  void anNctIdIsAnErrorAskingForTheRecordItself() {
    Response response =
        fhir()
            .body(
                """
                {"resourceType":"Parameters","parameter":[{"name":"nctId","valueString":"NCT05742243"}]}
                """)
            .post("/ResearchStudy/$import-ctgov");
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(400);
    assertThat(response.asString())
        .contains("not-supported")
        .contains("NCT05742243 from the registry is not enabled");
  }

  @Test
  void theSyncIsRefused() {
    Response response =
        fhir().body("{\"resourceType\":\"Parameters\"}").post("/ResearchStudy/$sync-ctgov");
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(400);
    assertThat(response.asString()).contains("trialfhir.ctgov.fetch-enabled");
  }
}
