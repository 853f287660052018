package org.trialfhir.server;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

@Tag("persistence")
class BundleIT extends IntegrationTestBase {

  private static final String SYSTEM = "urn:test:mrn";

  @Test
  void transactionResolvesPlaceholdersAndStoresEverything() {
    String mrn = unique("tx");
    fhir()
        .body(transaction(mrn, "\"reference\":\"urn:uuid:11111111-1111-1111-1111-111111111111\""))
        .post("/")
        .then()
        .statusCode(200)
        .body("type", equalTo("transaction-response"))
        .body("entry[0].response.status", startsWith("201"))
        .body("entry[1].response.status", startsWith("201"));
    fhir()
        .get("/Observation?subject:Patient.identifier=" + SYSTEM + "|" + mrn)
        .then()
        .body("total", equalTo(1));
  }

  @Test
  void transactionWithAReferenceToNothingStoresNothing() {
    String mrn = unique("tx-bad-ref");
    fhir()
        .body(transaction(mrn, "\"reference\":\"Patient/does-not-exist-" + mrn + "\""))
        .post("/")
        .then()
        .statusCode(greaterThanOrEqualTo(400))
        .statusCode(lessThan(500))
        .body("resourceType", equalTo("OperationOutcome"))
        .body("issue[0].diagnostics", org.hamcrest.Matchers.containsString("does-not-exist"));
    assertNoPatient(mrn);
  }

  @Test
  void transactionWithAnUnresolvedPlaceholderStoresNothing() {
    String mrn = unique("tx-bad-uuid");
    fhir()
        .body(transaction(mrn, "\"reference\":\"urn:uuid:99999999-9999-9999-9999-999999999999\""))
        .post("/")
        .then()
        .statusCode(400)
        .body("resourceType", equalTo("OperationOutcome"));
    assertNoPatient(mrn);
  }

  @Test
  void transactionWithAnInvalidEntryStoresNothing() {
    String mrn = unique("tx-bad-date");
    String body =
        transaction(mrn, "\"reference\":\"urn:uuid:11111111-1111-1111-1111-111111111111\"")
            .replace(
                "\"effectiveDateTime\":\"2026-10-02\"", "\"effectiveDateTime\":\"2026-13-45\"");
    fhir()
        .body(body)
        .post("/")
        .then()
        .statusCode(400)
        .body("issue[0].diagnostics", org.hamcrest.Matchers.containsString("2026-13-45"));
    assertNoPatient(mrn);
  }

  @Test
  void batchProcessesEntriesIndependently() {
    String mrn = unique("batch");
    String body =
        """
        {"resourceType":"Bundle","type":"batch","entry":[
          {"resource":{"resourceType":"Patient","identifier":[{"system":"%s","value":"%s"}]},
           "request":{"method":"POST","url":"Patient"}},
          {"resource":{"resourceType":"Observation","status":"final",
             "code":{"text":"x"},"subject":{"reference":"Patient/nobody-%s"}},
           "request":{"method":"POST","url":"Observation"}}
        ]}
        """
            .formatted(SYSTEM, mrn, mrn);
    fhir()
        .body(body)
        .post("/")
        .then()
        .statusCode(200)
        .body("type", equalTo("batch-response"))
        .body("entry[0].response.status", startsWith("201"))
        .body("entry[1].response.status", not(startsWith("2")))
        .body("entry[1].response.outcome.resourceType", equalTo("OperationOutcome"));
    fhir().get("/Patient?identifier=" + SYSTEM + "|" + mrn).then().body("total", equalTo(1));
  }

  @Test
  void transactionCannotDeleteAPatientThatAnotherOfItsEntriesRefersTo() {
    String mrn = unique("txdel");
    String patient = createPatient(mrn, "2012-03-04");
    String bundle =
        """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"request":{"method":"DELETE","url":"Patient/%1$s"}},
          {"resource":{"resourceType":"Observation","status":"final",
             "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
             "subject":{"reference":"Patient/%1$s"},"effectiveDateTime":"2026-10-02",
             "valueQuantity":{"value":7.1,"unit":"%%","system":"http://unitsofmeasure.org",
                              "code":"%%"}},
           "request":{"method":"POST","url":"Observation"}}
        ]}
        """
            .formatted(patient);
    fhir()
        .body(bundle)
        .post("/")
        .then()
        .statusCode(409)
        .body("resourceType", equalTo("OperationOutcome"))
        .body("issue[0].diagnostics", org.hamcrest.Matchers.containsString("Patient/" + patient));
    // Nothing happened: the patient is still there and has no Observation.
    fhir().get("/Patient/" + patient).then().statusCode(200);
    fhir().get("/Observation?subject=Patient/" + patient).then().body("total", equalTo(0));
  }

  private void assertNoPatient(String mrn) {
    fhir().get("/Patient?identifier=" + SYSTEM + "|" + mrn).then().body("total", equalTo(0));
  }

  /** A Patient and an Observation whose subject is given by {@code subjectReference}. */
  private static String transaction(String mrn, String subjectReference) {
    return """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111",
           "resource":{"resourceType":"Patient","identifier":[{"system":"%s","value":"%s"}]},
           "request":{"method":"POST","url":"Patient"}},
          {"resource":{"resourceType":"Observation","status":"final",
             "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
             "subject":{%s},"effectiveDateTime":"2026-10-02",
             "valueQuantity":{"value":7.1,"unit":"%%","system":"http://unitsofmeasure.org",
                              "code":"%%"}},
           "request":{"method":"POST","url":"Observation"}}
        ]}
        """
        .formatted(SYSTEM, mrn, subjectReference);
  }
}
