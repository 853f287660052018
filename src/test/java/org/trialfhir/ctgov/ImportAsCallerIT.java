package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * $import-ctgov writes as its caller: the write rules that guard a PUT (scopes, blinding) guard an
 * import too.
 */
class ImportAsCallerIT extends IntegrationTestBase {

  private static final String REGISTRY_SCOPES =
      "system/ResearchStudy.cruds system/Group.cruds system/Organization.cruds"
          + " system/Location.cruds";
  private static final String REGISTRY =
      TestTokens.token(REGISTRY_SCOPES, List.of("registry"), null);

  @Test
  void aBlindedRegistryCannotUnmaskAStudyByImportingItsRecordAgain() {
    String nct = "NCT0998" + String.format("%04d", (int) (Math.random() * 10_000));
    ObjectNode masked = CtgovImportIT.fixture("NCT09900001", nct);
    Response first = importAs(TestTokens.admin(), masked.toString());
    assertThat(first.statusCode()).as(first.asString()).isEqualTo(200);
    String studyId = nct.toLowerCase();
    assertThat(fhir().get("/ResearchStudy/" + studyId).asString()).contains("DOUBLE");

    ObjectNode open = masked.deepCopy();
    ((ObjectNode) CtgovImportIT.module(open, "designModule").get("designInfo").get("maskingInfo"))
        .put("masking", "NONE")
        .remove("whoMasked");
    Response unmasking = importAs(REGISTRY, open.toString());

    assertThat(unmasking.statusCode()).as(unmasking.asString()).isEqualTo(403);
    assertThat(unmasking.asString()).contains("OperationOutcome").contains("masked");
    String study = fhir().get("/ResearchStudy/" + studyId).asString();
    assertThat(study).contains("DOUBLE").doesNotContain("\"NONE\"");
  }

  @Test
  void theUnblindedRegistryMayChangeTheMaskingByImport() {
    String nct = "NCT0997" + String.format("%04d", (int) (Math.random() * 10_000));
    ObjectNode masked = CtgovImportIT.fixture("NCT09900001", nct);
    assertThat(importAs(TestTokens.admin(), masked.toString()).statusCode()).isEqualTo(200);
    ObjectNode open = masked.deepCopy();
    ((ObjectNode) CtgovImportIT.module(open, "designModule").get("designInfo").get("maskingInfo"))
        .put("masking", "NONE")
        .remove("whoMasked");
    String unblinded = TestTokens.token(REGISTRY_SCOPES, List.of("registry", "unblinded"), null);
    Response response = importAs(unblinded, open.toString());
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    assertThat(response.asString()).contains("updated");
  }

  @Test
  void aRegistryTokenWithoutScopesCannotImport() {
    String nct = "NCT0996" + String.format("%04d", (int) (Math.random() * 10_000));
    String record = CtgovImportIT.fixture("NCT09900001", nct).toString();
    Response response = importAs(TestTokens.token("", List.of("registry"), null), record);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(403);
    assertThat(response.asString()).contains("OperationOutcome");
    assertThat(fhir().get("/ResearchStudy/" + nct.toLowerCase()).statusCode()).isEqualTo(404);
  }

  @Test
  void aRegistryTokenThatMayWriteOnlyStudiesCannotWriteTheGroupsAndSitesAnImportMakes() {
    String nct = "NCT0995" + String.format("%04d", (int) (Math.random() * 10_000));
    String record = CtgovImportIT.fixture("NCT09900001", nct).toString();
    String studiesOnly = TestTokens.token("system/ResearchStudy.cruds", List.of("registry"), null);
    Response response = importAs(studiesOnly, record);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(403);
    assertThat(fhir().get("/ResearchStudy/" + nct.toLowerCase()).statusCode()).isEqualTo(404);
  }

  private Response importAs(String token, String record) {
    String parameters =
        """
        {"resourceType":"Parameters","parameter":[{"name":"record","valueString":%s}]}
        """
            .formatted(com.fasterxml.jackson.databind.node.TextNode.valueOf(record).toString());
    return fhirAs(token).body(parameters).post("/ResearchStudy/$import-ctgov");
  }
}
