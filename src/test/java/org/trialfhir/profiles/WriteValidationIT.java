package org.trialfhir.profiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

/**
 * Every write is validated against the base R4 specification, in the default {@code enforce} mode,
 * and limited in size; conformance resources of the specification and of our package cannot be
 * replaced through the API; {@code $validate} answers every resource without a 5xx.
 */
class WriteValidationIT extends IntegrationTestBase {

  private Response postJson(String type, String json) {
    return fhir().body(json).post("/" + type);
  }

  private static void refused(Response response, int status, String... mentions) {
    response.then().statusCode(status).body("resourceType", equalTo("OperationOutcome"));
    String body = response.asString();
    for (String mention : mentions) {
      assertThat(body).as("OperationOutcome mentions " + mention).contains(mention);
    }
  }

  @Test
  void anObservationWithoutStatusIsRefusedNamingTheElement() {
    refused(
        postJson(
            "Observation",
            """
            {"resourceType":"Observation","code":{"text":"HbA1c"},"valueString":"7.1 %"}
            """),
        422,
        "Observation.status",
        "minimum required = 1");
  }

  @Test
  void anExtensionWithoutValueIsRefused() {
    refused(
        postJson(
            "Patient",
            """
            {"resourceType":"Patient","extension":[{"url":"http://example.org/fhir/ext/nothing"}]}
            """),
        422,
        "Patient.extension[0]",
        "ext-1");
  }

  @Test
  void scriptInNarrativeIsRefused() {
    refused(
        postJson(
            "Patient",
            """
            {"resourceType":"Patient","text":{"status":"generated",
             "div":"<div xmlns=\\"http://www.w3.org/1999/xhtml\\"><script>alert(1)</script>Ann</div>"}}
            """),
        422,
        "Patient.text.div");
  }

  @Test
  void aDateTimeWithTimeButNoZoneIsRefused() {
    refused(
        postJson(
            "Observation",
            """
            {"resourceType":"Observation","status":"final","code":{"text":"HbA1c"},
             "effectiveDateTime":"2026-03-01T10:00:00"}
            """),
        422,
        "Observation.effective");
  }

  @Test
  void aWrongCodeInARequiredCoreBindingIsRefusedButUnknownExternalCodesAreNot() {
    refused(
        postJson(
            "AllergyIntolerance",
            """
            {"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/nobody"},
             "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"gone"}]}}
            """),
        422,
        "AllergyIntolerance.clinicalStatus");
    // LOINC and SNOMED CT are not loaded: codes the server cannot check do not fail a write.
    postJson(
            "Observation",
            """
            {"resourceType":"Observation","status":"final",
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
             "code":{"coding":[{"system":"http://loinc.org","code":"99999-9","display":"made up"}]},
             "bodySite":{"coding":[{"system":"http://snomed.info/sct","code":"123456789"}]},
             "valueQuantity":{"value":7.1,"unit":"%","system":"http://unitsofmeasure.org","code":"%"}}
            """)
        .then()
        .statusCode(201);
  }

  @Test
  void invalidUtf8IsRefused() {
    byte[] prefix =
        "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] suffix = "\"}]}".getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[prefix.length + 2 + suffix.length];
    System.arraycopy(prefix, 0, body, 0, prefix.length);
    body[prefix.length] = (byte) 0xC3;
    body[prefix.length + 1] = (byte) 0x28; // not a continuation byte
    System.arraycopy(suffix, 0, body, prefix.length + 2, suffix.length);
    Response response =
        fhir().contentType("application/fhir+json; charset=UTF-8").body(body).post("/Patient");
    assertThat(response.statusCode()).isBetween(400, 499);
    response.then().body("resourceType", equalTo("OperationOutcome"));
  }

  @Test
  void aTransactionWithOneInvalidEntryStoresNothing() {
    String mrn = unique("invalid-tx");
    refused(
        fhir()
            .body(
                """
                {"resourceType":"Bundle","type":"transaction","entry":[
                  {"fullUrl":"urn:uuid:1e3c2a52-0000-4000-8000-000000000001",
                   "resource":{"resourceType":"Patient","identifier":[{"system":"urn:test:mrn","value":"%s"}]},
                   "request":{"method":"POST","url":"Patient"}},
                  {"resource":{"resourceType":"Observation","code":{"text":"no status"},
                     "subject":{"reference":"urn:uuid:1e3c2a52-0000-4000-8000-000000000001"}},
                   "request":{"method":"POST","url":"Observation"}}]}
                """
                    .formatted(mrn))
            .post("/"),
        422,
        "Observation.status");
    fhir().get("/Patient?identifier=urn:test:mrn|" + mrn).then().body("total", equalTo(0));
  }

  @Test
  void aPatchThatMakesTheResourceInvalidIsRefused() {
    String id =
        postJson(
                "Observation",
                """
                {"resourceType":"Observation","status":"final","code":{"text":"HbA1c"}}
                """)
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    refused(
        fhir()
            .contentType("application/json-patch+json")
            .body("[{\"op\":\"remove\",\"path\":\"/status\"}]")
            .patch("/Observation/" + id),
        422,
        "Observation.status");
    fhir().get("/Observation/" + id).then().statusCode(200).body("status", equalTo("final"));
  }

  @Test
  void tooManyContainedResourcesAreRefusedQuickly() {
    StringBuilder contained = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      contained
          .append(i == 0 ? "" : ",")
          .append("{\"resourceType\":\"Organization\",\"id\":\"o")
          .append(i)
          .append("\"}");
    }
    long start = System.nanoTime();
    refused(
        postJson("Patient", "{\"resourceType\":\"Patient\",\"contained\":[" + contained + "]}"),
        413,
        "20000 contained resources",
        "trialfhir.limits.max-contained");
    assertThat((System.nanoTime() - start) / 1_000_000).as("ms").isLessThan(10_000);
  }

  @Test
  void aFiveMegabyteStringIsRefused() {
    refused(
        postJson(
            "Patient",
            "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\""
                + "x".repeat(5_000_000)
                + "\"}]}"),
        413,
        "Patient.name.family is 5000000 characters long");
  }

  @Test
  void aBundleWithTooManyEntriesIsRefused() {
    StringBuilder entries = new StringBuilder();
    for (int i = 0; i <= 10_000; i++) {
      entries
          .append(i == 0 ? "" : ",")
          .append("{\"request\":{\"method\":\"GET\",\"url\":\"Patient/x")
          .append(i)
          .append("\"}}");
    }
    refused(
        fhir()
            .body("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[" + entries + "]}")
            .post("/"),
        413,
        "10001 entries");
  }

  @Test
  void aSearchParameterThatDoesNotFitItsBaseOrReplacesABuiltInOneIsRefused() {
    String code = unique("sp").toLowerCase();
    refused(
        postJson(
            "SearchParameter",
            """
            {"resourceType":"SearchParameter","url":"http://example.org/fhir/SearchParameter/%s",
             "name":"bad","status":"active","description":"x","code":"%s","base":["Patient"],
             "type":"string","expression":"Organization.name"}
            """
                .formatted(code, code)),
        422,
        "Organization",
        "not among its bases");
    refused(
        postJson(
            "SearchParameter",
            """
            {"resourceType":"SearchParameter","url":"http://example.org/fhir/SearchParameter/%s",
             "name":"name","status":"active","description":"x","code":"name","base":["Patient"],
             "type":"string","expression":"Patient.name.family"}
            """
                .formatted(code)),
        422,
        "would replace a search parameter of the FHIR specification");
    // A new parameter that fits its base is an administrator's right, and is stored (on Basic:
    // a new parameter marks every resource of its base for reindexing, in a database all tests
    // share).
    postJson(
            "SearchParameter",
            """
            {"resourceType":"SearchParameter","url":"http://example.org/fhir/SearchParameter/%s",
             "name":"basiccode","status":"active","description":"x","code":"%s","base":["Basic"],
             "type":"token","expression":"Basic.code"}
            """
                .formatted(code, code))
        .then()
        .statusCode(201);
    // Patient?name still finds patients by name.
    String family = unique("Searchable");
    createPatient(family, "2015-03-01");
    fhir().get("/Patient?name=" + family).then().statusCode(200).body("total", equalTo(1));
  }

  @Test
  void conformanceResourcesOfTheSpecificationAndOfOurPackageCannotBeReplaced() {
    refused(
        postJson(
            "StructureDefinition",
            """
            {"resourceType":"StructureDefinition","url":"http://hl7.org/fhir/StructureDefinition/Patient",
             "name":"Patient","status":"active","kind":"resource","abstract":false,"type":"Patient",
             "baseDefinition":"http://hl7.org/fhir/StructureDefinition/DomainResource","derivation":"constraint"}
            """),
        403,
        "FHIR specification");
    refused(
        postJson(
            "CodeSystem",
            """
            {"resourceType":"CodeSystem","url":"http://terminology.hl7.org/CodeSystem/v3-ActCode",
             "status":"active","content":"not-present"}
            """),
        403,
        "FHIR specification");
    refused(
        postJson(
            "CodeSystem",
            """
            {"resourceType":"CodeSystem","url":"http://trialfhir.org/fhir/CodeSystem/trial-lab",
             "status":"active","content":"not-present"}
            """),
        403,
        "this server's FHIR package");
    // Our package's own CodeSystem keeps answering as before.
    fhir()
        .get("/CodeSystem?url=http://trialfhir.org/fhir/CodeSystem/trial-lab")
        .then()
        .body("total", equalTo(1))
        .body("entry[0].resource.content", equalTo("complete"));
  }

  @Test
  void validateAnswersTheResourcesThatOnceGave500() {
    for (String body :
        new String[] {
          // A MeasureReport whose codings have no system.
          """
          {"resourceType":"MeasureReport","status":"complete","type":"summary",
           "measure":"http://example.org/fhir/Measure/m","period":{"start":"2026-01-01"},
           "group":[{"code":{"coding":[{"code":"g"}]},
             "population":[{"code":{"coding":[{"code":"initial-population"}]},"count":3}]}]}
          """,
          // A VSAC-style ValueSet that includes value sets the server cannot reach.
          """
          {"resourceType":"ValueSet","url":"http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.464.1003.103.12.1001",
           "status":"active","compose":{"include":[
             {"valueSet":["http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.464.1003.103.12.1002"]},
             {"system":"http://snomed.info/sct","filter":[{"property":"concept","op":"is-a","value":"73211009"}]}]}}
          """,
          // A Bundle with a signature.
          """
          {"resourceType":"Bundle","type":"document","identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"},
           "timestamp":"2026-01-01T10:00:00Z","entry":[],
           "signature":{"type":[{"system":"urn:iso-astm:E1762-95:2013","code":"1.2.840.10065.1.12.1.1"}],
             "when":"2026-01-01T10:00:00Z","who":{"display":"someone"},"sigFormat":"application/jose",
             "data":"ZXlKaGJHY2lPaUpTVXpJMU5pSjkuLmZha2U="}}
          """
        }) {
      String type = body.replaceAll("(?s).*?\"resourceType\":\"(\\w+)\".*", "$1");
      Response response = fhir().body(body).post("/" + type + "/$validate");
      assertThat(response.statusCode()).as(type + " $validate").isLessThan(500);
      response.then().body("resourceType", equalTo("OperationOutcome"));
    }
  }

  @Test
  void defaultModeIsEnforceAndTheConfigurationTableSaysSo() {
    fhir()
        .body("{\"resourceType\":\"Observation\",\"code\":{\"text\":\"x\"}}")
        .post("/Observation")
        .then()
        .statusCode(422)
        .body("issue.diagnostics", hasItem(startsWith("Observation")))
        .body("issue.diagnostics", hasItem(containsString("Observation.status")));
  }
}
