package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;

import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * $eligibility and $match-studies read the patient's record as their caller: a study-team member
 * whose token may read studies but not patient data learns nothing of the record through them.
 */
class EligibilityAsCallerIT extends IntegrationTestBase {

  private static final String NCT = "nct06407297";

  @Test
  void aCoordinatorWhoMayReadOnlyStudiesGetsNoLabValuesThroughEligibility() {
    String patient = loadEligibleChild();
    String studiesOnly =
        TestTokens.token("user/ResearchStudy.rs user/Group.rs", List.of("coordinator"), null);

    Response refused =
        fhirAs(studiesOnly)
            .queryParam("patient", patient)
            .get("/ResearchStudy/" + NCT + "/$eligibility");

    assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(403);
    assertThat(refused.asString())
        .contains("OperationOutcome")
        .doesNotContain("nmol")
        .doesNotContain("C-peptide");

    Response matched = fhirAs(studiesOnly).get("/" + patient + "/$match-studies");
    assertThat(matched.statusCode()).as(matched.asString()).isEqualTo(403);
  }

  @Test
  void theSameCoordinatorWithReadAccessToPatientDataGetsTheVerdict() {
    String patient = loadEligibleChild();
    String reader = TestTokens.token("user/*.rs", List.of("coordinator"), null);

    Response answered =
        fhirAs(reader)
            .queryParam("patient", patient)
            .get("/ResearchStudy/" + NCT + "/$eligibility");

    assertThat(answered.statusCode()).as(answered.asString()).isEqualTo(200);
    assertThat(answered.asString()).contains("verdict");
  }

  private String loadEligibleChild() {
    List<String> locations =
        fhir()
            .body(eligibleChild().transaction(unique("caller")))
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("entry.response.location", String.class);
    String[] parts = locations.get(0).split("/");
    return parts[0] + "/" + parts[1];
  }
}
