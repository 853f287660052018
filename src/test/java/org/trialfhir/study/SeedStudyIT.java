package org.trialfhir.study;

import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;

@Tag("persistence")
class SeedStudyIT extends IntegrationTestBase {

  private static final String[] SEEDS = {
    "/ResearchStudy/nct06407297", "/ResearchStudy/gxipc1-phase1", "/Group/nct06407297-eligibility"
  };

  @Autowired SeedStudyLoader loader;

  /** Other tests may update a seed study (a registry import does); the loader must not undo it. */
  @Test
  void loadingTheSeedsAgainChangesNothing() {
    String[] before = new String[SEEDS.length];
    for (int i = 0; i < SEEDS.length; i++) {
      before[i] = fhir().get(SEEDS[i]).then().statusCode(200).extract().path("meta.versionId");
    }
    loader.run(null);
    loader.run(null);
    for (int i = 0; i < SEEDS.length; i++) {
      fhir().get(SEEDS[i]).then().body("meta.versionId", equalTo(before[i]));
    }
    fhir()
        .get("/ResearchStudy?identifier=http://clinicaltrials.gov|NCT06407297")
        .then()
        .body("total", equalTo(1));
  }
}
