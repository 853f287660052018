package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * An EHR system (ehr-system role, organisation in its token) writes data of its own hospital's
 * patients only, by single writes and by transaction bundles alike, and a refused bundle leaves
 * nothing behind.
 */
class EhrPatientGuardIT extends IntegrationTestBase {

  private static final String SCOPES =
      "system/Patient.cruds system/Observation.cruds system/Condition.cruds";
  private static final String LOINC_HBA1C = "4548-4";

  private RequestSpecification ehr(String organization) {
    Map<String, Object> claims =
        organization == null ? Map.of() : Map.of("organization", organization);
    return fhirAs(TestTokens.token(SCOPES, List.of("ehr-system"), null, claims));
  }

  private String organization(String name) {
    return fhir()
        .body("{\"resourceType\":\"Organization\",\"name\":\"" + name + "\"}")
        .post("/Organization")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }

  private static String patient(String family, String organization) {
    return """
        {"resourceType":"Patient","name":[{"family":"%s"}],"birthDate":"2014-01-10",
         "managingOrganization":{"reference":"Organization/%s"}}"""
        .formatted(family, organization);
  }

  private static String hba1c(String patientReference) {
    return """
        {"resourceType":"Observation","status":"final",
         "code":{"coding":[{"system":"http://loinc.org","code":"%s"}]},
         "subject":{"reference":"%s"},"effectiveDateTime":"2026-05-01",
         "valueQuantity":{"value":58,"unit":"mmol/mol","system":"http://unitsofmeasure.org",
          "code":"mmol/mol"}}"""
        .formatted(LOINC_HBA1C, patientReference);
  }

  private int observationsOf(String patient) {
    return fhir()
        .queryParam("subject", "Patient/" + patient)
        .queryParam("_summary", "count")
        .get("/Observation")
        .then()
        .statusCode(200)
        .extract()
        .path("total");
  }

  @Test
  void anEhrWritesLabsForItsOwnPatientsOnly() {
    String ours = organization(unique("St Mary"));
    String theirs = organization(unique("St John"));
    String own =
        ehr(ours)
            .body(patient(unique("Own"), ours))
            .post("/Patient")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String other =
        fhir()
            .body(patient(unique("Other"), theirs))
            .post("/Patient")
            .then()
            .statusCode(201)
            .extract()
            .path("id");

    ehr(ours).body(hba1c("Patient/" + own)).post("/Observation").then().statusCode(201);
    ehr(ours)
        .body(hba1c("Patient/" + other))
        .post("/Observation")
        .then()
        .statusCode(403)
        .body(containsString("not managed by Organization/" + ours));
    assertThat(observationsOf(other)).isZero();

    // Nor may it register a patient for another hospital, or move one of theirs to itself.
    ehr(ours).body(patient(unique("Foreign"), theirs)).post("/Patient").then().statusCode(403);
    ehr(ours)
        .body(
            patient("Taken", ours)
                .replace(
                    "{\"resourceType\":\"Patient\",",
                    "{\"resourceType\":\"Patient\",\"id\":\"" + other + "\","))
        .put("/Patient/" + other)
        .then()
        .statusCode(403);
  }

  @Test
  void aTransactionWithAnotherHospitalsPatientIsRefusedWhole() {
    String ours = organization(unique("St Mary"));
    String theirs = organization(unique("St John"));
    String other =
        fhir()
            .body(patient(unique("Other"), theirs))
            .post("/Patient")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String family = unique("Bundled");
    String placeholder = "urn:uuid:7d6c1a52-0d0c-4a53-9a3f-2f1f1f0a0001";
    String newPatient =
        """
        {"fullUrl":"%s","resource":%s,"request":{"method":"POST","url":"Patient"}}"""
            .formatted(placeholder, patient(family, ours));
    String ownLab =
        """
        {"resource":%s,"request":{"method":"POST","url":"Observation"}}"""
            .formatted(hba1c(placeholder));
    String foreignLab =
        """
        {"resource":%s,"request":{"method":"POST","url":"Observation"}}"""
            .formatted(hba1c("Patient/" + other));

    ehr(ours).body(transaction(newPatient, ownLab, foreignLab)).post("").then().statusCode(403);
    assertThat(observationsOf(other)).isZero();
    fhir()
        .queryParam("family", family)
        .get("/Patient")
        .then()
        .statusCode(200)
        .body("total", org.hamcrest.Matchers.equalTo(0));

    // Without the foreign entry the same bundle goes through, placeholder and all.
    ehr(ours).body(transaction(newPatient, ownLab)).post("").then().statusCode(200);
  }

  private static String transaction(String... entries) {
    return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        + String.join(",", entries)
        + "]}";
  }

  @Test
  void anEhrTokenWithoutItsOrganisationWritesNoPatientData() {
    String ours = organization(unique("St Mary"));
    ehr(null)
        .body(patient(unique("Nameless"), ours))
        .post("/Patient")
        .then()
        .statusCode(403)
        .body(containsString("'organization' claim"));
  }

  @Test
  void aTransactionNamingAnotherHospitalsPatientByIdentifierOrFocusIsRefusedWhole() {
    String ours = organization(unique("St Mary"));
    String theirs = organization(unique("St John"));
    String mrn = unique("MRN");
    String other =
        fhir()
            .body(
                patient(unique("Other"), theirs)
                    .replace(
                        "\"birthDate\"",
                        "\"identifier\":[{\"system\":\"urn:example:mrn\",\"value\":\""
                            + mrn
                            + "\"}],\"birthDate\""))
            .post("/Patient")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String family = unique("Bundled");
    String placeholder = "urn:uuid:7d6c1a52-0d0c-4a53-9a3f-2f1f1f0a0002";
    String newPatient =
        """
        {"fullUrl":"%s","resource":%s,"request":{"method":"POST","url":"Patient"}}"""
            .formatted(placeholder, patient(family, ours));
    String byIdentifier =
        """
        {"resource":%s,"request":{"method":"POST","url":"Observation"}}"""
            .formatted(
                hba1c("x")
                    .replace(
                        "{\"reference\":\"x\"}",
                        "{\"identifier\":{\"system\":\"urn:example:mrn\",\"value\":\""
                            + mrn
                            + "\"}}"));
    String byFocus =
        """
        {"resource":%s,"request":{"method":"POST","url":"Observation"}}"""
            .formatted(
                hba1c(placeholder)
                    .replace(
                        "\"effectiveDateTime\"",
                        "\"focus\":[{\"reference\":\"Patient/"
                            + other
                            + "\"}],\"effectiveDateTime\""));

    for (String foreign : List.of(byIdentifier, byFocus)) {
      ehr(ours)
          .body(transaction(newPatient, foreign))
          .post("")
          .then()
          .statusCode(403)
          .body(containsString("Organization/" + ours))
          // Which hospital does manage the patient is not said.
          .body(org.hamcrest.Matchers.not(containsString("managingOrganization")));
    }
    assertThat(observationsOf(other)).isZero();
    fhir()
        .queryParam("family", family)
        .get("/Patient")
        .then()
        .statusCode(200)
        .body("total", org.hamcrest.Matchers.equalTo(0));
  }

  @Test
  void aConditionalUpdateOrDeleteOfAnotherHospitalsDataIsRefused() {
    String ours = organization(unique("St Mary"));
    String theirs = organization(unique("St John"));
    String other =
        fhir()
            .body(patient(unique("Other"), theirs))
            .post("/Patient")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String tag = unique("lab");
    String theirLab =
        hba1c("Patient/" + other)
            .replace(
                "\"status\"",
                "\"identifier\":[{\"system\":\"urn:example:lab\",\"value\":\""
                    + tag
                    + "\"}],\"status\"");
    fhir().body(theirLab).post("/Observation").then().statusCode(201);

    // Changed, or not changed at all (which would say what their resource holds).
    for (String body : List.of(theirLab.replace("\"value\":58", "\"value\":48"), theirLab)) {
      ehr(ours)
          .body(body)
          .put("/Observation?identifier=urn:example:lab|" + tag)
          .then()
          .statusCode(403);
    }
    ehr(ours).delete("/Observation?identifier=urn:example:lab|" + tag).then().statusCode(403);
    assertThat(observationsOf(other)).isEqualTo(1);
  }
}
