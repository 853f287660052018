package org.trialfhir.profiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;

import ca.uhn.fhir.context.support.ConceptValidationOptions;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;

/** The project's FHIR package as the running server holds it. */
class ProfilesIT extends IntegrationTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BASE = "http://trialfhir.org/fhir";

  @BeforeEach
  void examplePatientExists() {
    // The lab examples refer to it; references must resolve on write.
    fhir()
        .body(example("Patient", "example-t1d-child").toString())
        .put("/Patient/example-t1d-child")
        .then()
        .statusCode(org.hamcrest.Matchers.oneOf(200, 201));
  }

  @TestFactory
  Stream<DynamicTest> everyExampleValidatesWithoutErrors() {
    return examples()
        .map(
            example ->
                DynamicTest.dynamicTest(
                    example.path("resourceType").asText() + "/" + example.path("id").asText(),
                    () -> {
                      JsonPath outcome =
                          fhir()
                              .body(example.toString())
                              .post("/" + example.path("resourceType").asText() + "/$validate")
                              .then()
                              .extract()
                              .jsonPath();
                      List<String> errors =
                          outcome.getList(
                              "issue.findAll { it.severity == 'error' || it.severity == 'fatal' }"
                                  + ".collect { it.expression + ': ' + it.diagnostics }");
                      assertThat(errors).as("validation errors").isEmpty();
                    }));
  }

  @TestFactory
  Stream<DynamicTest> labProfilesAcceptTheirExampleAndRejectBadOnes() {
    return examples()
        .filter(e -> e.path("resourceType").asText().equals("Observation"))
        .flatMap(
            example -> {
              String name = example.path("id").asText();
              return Stream.of(
                  DynamicTest.dynamicTest(
                      name + " as given is stored", () -> post(example, 201, null)),
                  DynamicTest.dynamicTest(
                      name + " with a wrong unit", () -> post(wrongUnit(example), 422, "value")),
                  DynamicTest.dynamicTest(
                      name + " without a value", () -> post(withoutValue(example), 422, "value")),
                  DynamicTest.dynamicTest(
                      name + " with a wrong code", () -> post(wrongCode(example), 422, "code")));
            });
  }

  @Test
  void plainR4ResourcesAreNotHeldToOurProfiles() {
    ObjectNode observation = example("Observation", "example-hba1c");
    observation.remove("meta");
    ((ObjectNode) observation.path("valueQuantity")).put("code", "mol/s").put("unit", "mol/s");
    observation.remove("id");
    post(observation, 201, null);
  }

  @Test
  void aTransactionWithOneNonConformingResourceStoresNothing() {
    String mrn = unique("profiled-tx");
    ObjectNode bad = withoutValue(example("Observation", "example-hba1c"));
    bad.remove("id");
    String bundle =
        """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"resource":{"resourceType":"Patient","identifier":[{"system":"urn:test:mrn","value":"%s"}]},
           "request":{"method":"POST","url":"Patient"}},
          {"resource":%s,"request":{"method":"POST","url":"Observation"}}]}
        """
            .formatted(mrn, bad);
    fhir()
        .body(bundle)
        .post("/")
        .then()
        .statusCode(422)
        .body("issue[0].diagnostics", containsString("trial-hba1c"));
    fhir().get("/Patient?identifier=urn:test:mrn|" + mrn).then().body("total", equalTo(0));
  }

  @Test
  void studyWithItsCriteriaAndTheCompletedGxipc1StudyAreFound() {
    JsonPath bundle =
        fhir()
            .get("/ResearchStudy?identifier=NCT06407297&_include=ResearchStudy:enrollment")
            .then()
            .statusCode(200)
            .body("entry", hasSize(2))
            .extract()
            .jsonPath();
    assertThat(bundle.getString("entry.find { it.search.mode == 'match' }.resource.id"))
        .isEqualTo("nct06407297");
    List<String> criteria =
        bundle.getList(
            "entry.find { it.resource.resourceType == 'Group' }.resource.characteristic.id");
    assertThat(criteria).hasSize(21).startsWith("inc-diabetes-dx").endsWith("exc-investigator");

    fhir()
        .get("/ResearchStudy?title:contains=GXIPC1")
        .then()
        .statusCode(200)
        .body("total", equalTo(1))
        .body("entry[0].resource.status", equalTo("completed"));
  }

  @Test
  void profilesAreListedAndValueSetsExpand() {
    fhir()
        .get("/StructureDefinition?url:below=" + BASE + "&_count=100&_elements=url")
        .then()
        .statusCode(200)
        .body(
            "entry.resource.url",
            hasItems(
                BASE + "/StructureDefinition/trial-research-study",
                BASE + "/StructureDefinition/trial-eligibility-group",
                BASE + "/StructureDefinition/trial-research-subject",
                BASE + "/StructureDefinition/trial-c-peptide-fasting",
                BASE + "/StructureDefinition/criterion-valueset"));
    fhir()
        .get("/ValueSet/$expand?url=" + BASE + "/ValueSet/hba1c")
        .then()
        .statusCode(200)
        .body("expansion.contains.code", hasItems("4548-4", "59261-8"));
    fhir()
        .get("/ValueSet/$expand?url=" + BASE + "/ValueSet/islet-autoantibody")
        .then()
        .statusCode(200)
        .body("expansion.contains.code", hasItem("znt8-antibody"));
  }

  @Autowired IValidationSupport validationSupport;

  /** Through HAPI's validation support chain, which the eligibility engine and validator use. */
  @Test
  void icd10CmChildCodesAreInTheirParentsValueSet() {
    assertThat(inValueSet("type-1-diabetes", "E10.10")).isTrue();
    assertThat(inValueSet("type-1-diabetes", "E10")).isTrue();
    assertThat(inValueSet("type-1-diabetes", "E11.9")).isFalse();
    assertThat(inValueSet("hematologic-disorder", "D68.51")).isTrue();
    assertThat(inValueSet("hiv-hepatitis-infection", "B18.2")).isTrue();
    assertThat(inValueSet("neoplasm", "D3A.01")).isTrue();
  }

  private boolean inValueSet(String valueSet, String icd10cm) {
    var context = new ValidationSupportContext(validationSupport);
    var result =
        validationSupport.validateCodeInValueSet(
            context,
            new ConceptValidationOptions(),
            ComposeMembership.ICD_10_CM,
            icd10cm,
            null,
            validationSupport.fetchValueSet(BASE + "/ValueSet/" + valueSet));
    return result != null && result.isOk();
  }

  private void post(JsonNode observation, int status, String named) {
    var response = fhir().body(observation.toString()).post("/Observation").then();
    response.statusCode(status);
    if (named != null) {
      response
          .body("resourceType", equalTo("OperationOutcome"))
          .body("issue[0].diagnostics", containsString(named));
    }
  }

  private static ObjectNode wrongUnit(JsonNode example) {
    ObjectNode copy = withoutValue(example);
    copy.putObject("valueQuantity")
        .put("value", 1.0)
        .put("unit", "mol/s")
        .put("system", "http://unitsofmeasure.org")
        .put("code", "mol/s");
    return copy;
  }

  private static ObjectNode withoutValue(JsonNode example) {
    ObjectNode copy = example.deepCopy();
    copy.remove(List.of("valueQuantity", "valueCodeableConcept", "id"));
    return copy;
  }

  private static ObjectNode wrongCode(JsonNode example) {
    ObjectNode copy = example.deepCopy();
    copy.remove("id");
    copy.putObject("code")
        .putArray("coding")
        .addObject()
        .put("system", "http://loinc.org")
        .put("code", "718-7");
    return copy;
  }

  private static Stream<JsonNode> examples() {
    return new ProjectPackage().examples().stream().map(ProfilesIT::parse);
  }

  private static ObjectNode example(String type, String id) {
    return (ObjectNode)
        examples()
            .filter(
                e ->
                    e.path("resourceType").asText().equals(type)
                        && e.path("id").asText().equals(id))
            .findFirst()
            .orElseThrow();
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
