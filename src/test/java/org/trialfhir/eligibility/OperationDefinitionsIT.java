package org.trialfhir.eligibility;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;

import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

/** The operations are described by the package's OperationDefinitions, and advertised. */
class OperationDefinitionsIT extends IntegrationTestBase {

  private static final String OD = "http://trialfhir.org/fhir/OperationDefinition/";

  @Test
  void capabilityStatementPointsAtOurOperationDefinitions() {
    fhir()
        .get("/metadata")
        .then()
        .body(
            "rest[0].resource.find { it.type == 'ResearchStudy' }.operation.definition",
            hasItem(OD + "ResearchStudy-eligibility"))
        .body(
            "rest[0].resource.find { it.type == 'Patient' }.operation.definition",
            hasItem(OD + "Patient-match-studies"))
        .body(
            "rest[0].resource.find { it.type == 'ResearchStudy' }.operation.definition",
            hasItem(OD + "ResearchStudy-match"));
    for (String id : new String[] {"ResearchStudy-eligibility", "Patient-match-studies"}) {
      fhir()
          .get("/OperationDefinition?url=" + OD + id)
          .then()
          .statusCode(200)
          .body("total", equalTo(1))
          .body("entry[0].resource.instance", equalTo(true));
    }
    fhir()
        .get("/OperationDefinition?url=" + OD + "ResearchStudy-match")
        .then()
        .statusCode(200)
        .body("total", equalTo(1))
        .body("entry[0].resource.type", equalTo(true))
        .body(
            "entry[0].resource.parameter.name",
            hasItems(
                "trialMatchClinicalData", "zipCode", "travelRadius", "phase", "recruitmentStatus"));
    fhir()
        .get("/OperationDefinition?url=" + OD + "ResearchStudy-eligibility")
        .then()
        .body("entry[0].resource.parameter.name", hasItem("record"));
    fhir()
        .get("/OperationDefinition?url=" + OD + "Patient-match-studies")
        .then()
        .body("entry[0].resource.type", equalTo(true))
        .body("entry[0].resource.parameter.name", hasItem("record"));
  }
}
