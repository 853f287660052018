package org.trialfhir.cds;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.eligibility.PatientFixture;

/**
 * The CDS Hooks 2.0 service as an EHR calls it: discovery, a {@code patient-view} call with
 * prefetch, a call without it (the record read from this server as the EHR's identity), client
 * authentication, bad requests, and feedback recorded in the audit trail.
 */
class CdsHooksIT extends IntegrationTestBase {

  private static final String SERVICE = "/cds-services/" + TrialMatchService.ID;
  private static final String TODAY = LocalDate.now().toString();

  /** A call as the trusted EHR makes it: its JWT names the configured address of the path. */
  private RequestSpecification ehr(String path) {
    return given()
        .contentType("application/json")
        .header(
            "Authorization", "Bearer " + TestEhr.jwtFor(path.substring("/cds-services".length())));
  }

  private static String call(String patientId, String prefetch) {
    return """
        {"hook":"patient-view","hookInstance":"%s",
         "context":{"userId":"Practitioner/dr-1","patientId":"%s"}%s}
        """
        .formatted(
            UUID.randomUUID(), patientId, prefetch == null ? "" : ",\"prefetch\":" + prefetch);
  }

  /** A child of 12 diagnosed with type 1 diabetes two months ago; no C-peptide yet. */
  private static String childPrefetch(String patientId, String born) {
    String onset = LocalDate.now().minusMonths(2).toString();
    return """
        {"patient":{"resourceType":"Patient","id":"%1$s","gender":"female","birthDate":"%2$s"},
         "conditions":{"resourceType":"Bundle","type":"searchset","entry":[{"fullUrl":"https://ehr.example.org/fhir/Condition/c1",
           "resource":{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/%1$s"},
             "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
             "verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"46635009"}]},
             "onsetDateTime":"%3$s"}}]},
         "observations":{"resourceType":"Bundle","type":"searchset","entry":[]},
         "consents":{"resourceType":"Bundle","type":"searchset","entry":[]},
         "allergies":{"resourceType":"Bundle","type":"searchset","entry":[]}}
        """
        .formatted(patientId, born, onset);
  }

  @Test
  void discoveryListsThePatientViewServiceWithItsPrefetch() {
    given()
        .get("/cds-services")
        .then()
        .statusCode(200)
        .body("services.id", hasItems(TrialMatchService.ID))
        .body(
            "services.find { it.id == '" + TrialMatchService.ID + "' }.hook",
            equalTo("patient-view"))
        .body(
            "services.find { it.id == '" + TrialMatchService.ID + "' }.prefetch.patient",
            equalTo("Patient/{{context.patientId}}"))
        .body(
            "services.find { it.id == '" + TrialMatchService.ID + "' }.prefetch.observations",
            equalTo("Observation?patient={{context.patientId}}"));
  }

  @Test
  void aChildWithNewType1DiabetesGetsACardThatSaysWhatWouldDecide() {
    String born = LocalDate.now().minusYears(12).minusMonths(1).toString();
    JsonPath cards =
        ehr(SERVICE)
            .body(call("ehr-child-1", childPrefetch("ehr-child-1", born)))
            .post(SERVICE)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    List<Map<String, Object>> all = cards.getList("cards");
    assertThat(all).isNotEmpty();
    for (Map<String, Object> card : all) {
      assertThat((String) card.get("summary")).hasSizeLessThanOrEqualTo(140);
      assertThat(card.get("indicator")).isEqualTo("info");
      assertThat(card.get("uuid")).isNotNull();
    }
    Map<String, Object> nct = nctCard(cards);
    assertThat((String) nct.get("detail")).contains("C-peptide");
    assertThat(nct)
        .extracting("source")
        .extracting("url")
        .isEqualTo("https://clinicaltrials.gov/study/NCT06407297");
    // A CDS Hooks 2.0 SMART app link: the EHR launches the page with the patient in context; the
    // study travels in appContext.
    @SuppressWarnings("unchecked")
    Map<String, Object> link = ((List<Map<String, Object>>) nct.get("links")).get(0);
    assertThat(link.get("type")).isEqualTo("smart");
    assertThat((String) link.get("url")).matches("http://[^/#?]+/");
    assertThat(link.get("appContext")).isEqualTo("{\"study\":\"ResearchStudy/nct06407297\"}");
  }

  @Test
  void anAdultWithoutDiabetesGetsNoCardForTheDiabetesTrials() {
    String prefetch =
        """
        {"patient":{"resourceType":"Patient","id":"ehr-adult","gender":"male","birthDate":"1960-05-05"},
         "conditions":{"resourceType":"Bundle","type":"searchset"},
         "observations":{"resourceType":"Bundle","type":"searchset"},
         "consents":{"resourceType":"Bundle","type":"searchset"},
         "allergies":{"resourceType":"Bundle","type":"searchset"}}
        """;
    JsonPath cards =
        ehr(SERVICE)
            .body(call("ehr-adult", prefetch))
            .post(SERVICE)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    // Other tests' studies (any criteria) may be recruiting too: the seed trials give none.
    assertThat(cards.getList("cards.links.flatten().appContext", String.class))
        .noneMatch(
            context ->
                context.contains("ResearchStudy/nct06407297")
                    || context.contains("ResearchStudy/gxipc1"));
  }

  /** A patient of this organisation, stored here, with type 1 diabetes since a month. */
  private String storedChild(String organization) {
    fhir()
        .body("{\"resourceType\":\"Organization\",\"id\":\"" + organization + "\",\"name\":\"H\"}")
        .put("/Organization/" + organization)
        .then()
        .statusCode(anyOf(equalTo(200), equalTo(201)));
    String patient =
        fhir()
            .body(
                """
                {"resourceType":"Patient","gender":"female","birthDate":"%s",
                 "managingOrganization":{"reference":"Organization/%s"}}
                """
                    .formatted(LocalDate.now().minusYears(12), organization))
            .post("/Patient")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    fhir()
        .body(
            PatientFixture.type1Diabetes(LocalDate.now().minusMonths(1).toString())
                .jsonAbout("Patient/" + patient))
        .post("/Condition")
        .then()
        .statusCode(201);
    return patient;
  }

  @Test
  void withoutAnyPrefetchThisServersCopyOfTheEhrsPatientIsRead() {
    String patient = storedChild(TestEhr.ORGANIZATION);
    JsonPath cards =
        ehr(SERVICE)
            .body(call(patient, null))
            .post(SERVICE)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat((String) nctCard(cards).get("detail")).contains("C-peptide");

    // Another hospital's patient is answered as one this server does not hold: the same 404.
    String foreign = storedChild("cds-other-hospital");
    String unknown = "no-such-patient-" + UUID.randomUUID().toString().substring(0, 8);
    for (String id : List.of(foreign, unknown)) {
      ehr(SERVICE)
          .body(call(id, null))
          .post(SERVICE)
          .then()
          .statusCode(404)
          .body("resourceType", equalTo("OperationOutcome"))
          .body("issue[0].diagnostics", containsString("of the calling EHR's organisation"));
    }
    // Part of the prefetch and no fhirServer: nothing is mixed in from the store; 412 names the
    // key.
    String onlyPatient =
        "{\"patient\":{\"resourceType\":\"Patient\",\"id\":\""
            + patient
            + "\",\"birthDate\":\"2014-01-01\"}}";
    ehr(SERVICE)
        .body(call(patient, onlyPatient))
        .post(SERVICE)
        .then()
        .statusCode(412)
        .body("issue[0].diagnostics", containsString("conditions"));
  }

  @Test
  void aFhirServerNotConfiguredForTheEhrIsNeverFetchedFrom() {
    String body =
        """
        {"hook":"patient-view","hookInstance":"%s","fhirServer":"https://169.254.169.254/fhir",
         "fhirAuthorization":{"access_token":"x","token_type":"Bearer","expires_in":300,
           "scope":"patient/*.read","subject":"trialfhir"},
         "context":{"userId":"Practitioner/1","patientId":"p1"}}
        """
            .formatted(UUID.randomUUID());
    ehr(SERVICE)
        .body(body)
        .post(SERVICE)
        .then()
        .statusCode(403)
        .body("issue[0].diagnostics", containsString("fhirServer"));
  }

  @Test
  void aCallNeedsTheEhrsSignedJwtForThisUrl() {
    String body = call("ehr-x", null);
    given()
        .contentType("application/json")
        .body(body)
        .post(SERVICE)
        .then()
        .statusCode(401)
        .body("resourceType", equalTo("OperationOutcome"))
        .body("issue[0].diagnostics", containsString("signed JWT"));
    given()
        .contentType("application/json")
        // a JWT for the address the request arrived at (what a Host header makes it) is not one
        // for this server's configured address
        .header("Authorization", "Bearer " + TestEhr.jwt("http://localhost:" + port + SERVICE))
        .body(body)
        .post(SERVICE)
        .then()
        .statusCode(401);
    // A test token of the server's own identity provider is no CDS client JWT.
    given()
        .contentType("application/json")
        .header("Authorization", "Bearer " + org.trialfhir.TestTokens.admin())
        .body(body)
        .post(SERVICE)
        .then()
        .statusCode(401);
  }

  @Test
  void badRequestsAreRefusedWithAnOperationOutcome() {
    ehr("/cds-services/no-such-service")
        .body(call("p", null))
        .post("/cds-services/no-such-service")
        .then()
        .statusCode(404)
        .body("resourceType", equalTo("OperationOutcome"));
    ehr(SERVICE)
        .body("not json")
        .post(SERVICE)
        .then()
        .statusCode(400)
        .body("resourceType", equalTo("OperationOutcome"));
    ehr(SERVICE)
        .body(
            "{\"hook\":\"patient-view\",\"hookInstance\":\""
                + UUID.randomUUID()
                + "\",\"context\":{}}")
        .post(SERVICE)
        .then()
        .statusCode(400)
        .body("issue[0].diagnostics", containsString("patientId"));
    ehr(SERVICE).body(call("../Patient/x", null)).post(SERVICE).then().statusCode(400);
    String otherPatient =
        "{\"patient\":{\"resourceType\":\"Patient\",\"id\":\"someone-else\",\"birthDate\":\"2014-01-01\"}}";
    ehr(SERVICE).body(call("ehr-y", otherPatient)).post(SERVICE).then().statusCode(400);
  }

  @Test
  void feedbackIsRecordedInTheAuditTrail() {
    String born = LocalDate.now().minusYears(12).minusMonths(1).toString();
    JsonPath cards =
        ehr(SERVICE)
            .body(call("ehr-child-2", childPrefetch("ehr-child-2", born)))
            .post(SERVICE)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    String uuid = (String) nctCard(cards).get("uuid");
    String feedback =
        """
        {"feedback":[{"card":"%s","outcome":"overridden",
          "overrideReason":{"reason":{"system":"http://example.org/reasons","code":"declined","display":"Family declined"},
                            "userComment":"not now"},
          "outcomeTimestamp":"%sT10:00:00Z"}]}
        """
            .formatted(uuid, TODAY);
    ehr(SERVICE + "/feedback").body(feedback).post(SERVICE + "/feedback").then().statusCode(200);
    ehr(SERVICE + "/feedback")
        .body("{\"feedback\":[{\"card\":\"x\",\"outcome\":\"maybe\",\"outcomeTimestamp\":\"t\"}]}")
        .post(SERVICE + "/feedback")
        .then()
        .statusCode(400)
        .body("resourceType", equalTo("OperationOutcome"));

    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (true) {
      Response found =
          fhir()
              .queryParam("subtype", CdsFeedback.OUTCOME_SYSTEM + "|overridden")
              .queryParam("_count", 200)
              .get("/AuditEvent");
      assertThat(found.statusCode()).as(found.asString()).isEqualTo(200);
      if (found.asString().contains("urn:uuid:" + uuid)) {
        assertThat(found.asString())
            .contains("ResearchStudy/nct06407297", "not now", TestEhr.ISSUER);
        return;
      }
      assertThat(Instant.now()).as("feedback AuditEvent stored in time").isBefore(deadline);
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static Map<String, Object> nctCard(JsonPath cards) {
    Map<String, Object> card =
        cards.getMap(
            "cards.find { it.links[0].appContext == '{\"study\":\"ResearchStudy/nct06407297\"}' }");
    assertThat(card).as("a card for NCT06407297 in %s", cards.prettify()).isNotNull();
    return card;
  }
}
