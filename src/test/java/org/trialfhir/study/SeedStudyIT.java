package org.trialfhir.study;

import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;

@Tag("persistence")
class SeedStudyIT extends IntegrationTestBase {

  @Autowired SeedStudyLoader loader;

  @Test
  void loadingTheSeedsAgainChangesNothing() {
    loader.run(null);
    loader.run(null);
    for (String study : new String[] {"nct06407297", "gxipc1-phase1"}) {
      fhir()
          .get("/ResearchStudy/" + study)
          .then()
          .statusCode(200)
          .body("meta.versionId", equalTo("1"));
    }
    fhir().get("/Group/nct06407297-eligibility").then().body("meta.versionId", equalTo("1"));
    fhir()
        .get("/ResearchStudy?identifier=http://clinicaltrials.gov|NCT06407297")
        .then()
        .body("total", equalTo(1));
  }
}
