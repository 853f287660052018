package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.restassured.path.json.JsonPath;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * Machine-derived criteria never exclude on their own; a coordinator confirms, edits or rejects
 * them with ResearchStudy/$curate-criterion, which writes the Group's new version and a Provenance
 * naming who and when; and no other write gives a machine reading the power to exclude.
 */
class CurationIT extends IntegrationTestBase {

  @Test
  void anUnconfirmedReadingIsForAPersonUntilAConfirmationMakesItExclude() {
    Study study = machineReadHbA1cStudy();
    String patient = patientWithHbA1c("9.5");

    JsonPath unconfirmed = eligibility(study.id(), patient, LocalDate.now().toString());
    assertThat(outcome(unconfirmed)).isEqualTo("manual-review");
    assertThat(reason(unconfirmed))
        .contains("computed as not met")
        .contains("not yet confirmed by a coordinator");
    assertThat(unconfirmed.getString("parameter.find { it.name == 'verdict' }.valueCode"))
        .isEqualTo("needs-review");

    JsonPath group = curate(study.id(), "inc-hba1c", "confirm", "read against the protocol", 200);
    assertThat(origin(group)).isEqualTo("confirmed");
    JsonPath confirmed = eligibility(study.id(), patient, LocalDate.now().toString());
    assertThat(outcome(confirmed)).isEqualTo("fail");
    assertThat(confirmed.getString("parameter.find { it.name == 'verdict' }.valueCode"))
        .isEqualTo("ineligible");

    // Who decided and when: a Provenance on the new version, with the one before as revision.
    JsonPath provenance =
        fhir()
            .queryParam("target", study.group())
            .get("/Provenance")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .setRootPath("entry[0].resource");
    assertThat(provenance.getString("activity.coding[0].code")).isEqualTo("criterion-confirm");
    assertThat(provenance.getString("target[0].reference"))
        .isEqualTo(study.group() + "/_history/2");
    assertThat(provenance.getString("entity[0].what.reference"))
        .isEqualTo(study.group() + "/_history/1");
    assertThat(provenance.getString("agent[0].who.identifier.value")).isNotBlank();
    assertThat(provenance.getString("reason[0].text")).isEqualTo("read against the protocol");
  }

  @Test
  void anEditChangesTheComputableFormAndARejectionLeavesItToAPerson() {
    Study study = machineReadHbA1cStudy();
    String patient = patientWithHbA1c("9.5");

    JsonPath edited =
        given(study.id())
            .body(
                parameters(
                    "inc-hba1c",
                    "edit",
                    """
                    ,{"name":"threshold","valueQuantity":{"value":10,"comparator":"<","code":"%"}}
                    """))
            .post()
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(origin(edited)).isEqualTo("authored");
    assertThat(edited.getDouble("characteristic[0].valueQuantity.value")).isEqualTo(10.0);
    assertThat(outcome(eligibility(study.id(), patient, LocalDate.now().toString())))
        .isEqualTo("pass");

    Study other = machineReadHbA1cStudy();
    JsonPath rejected = curate(other.id(), "inc-hba1c", "reject", null, 200);
    assertThat(rejected.getString("characteristic[0].code.coding[0].code"))
        .isEqualTo("manual-review");
    assertThat(rejected.getString("characteristic[0].code.text")).isEqualTo("HbA1c below 9%");
    JsonPath judged = eligibility(other.id(), patient, LocalDate.now().toString());
    assertThat(outcome(judged)).isEqualTo("manual-review");
    assertThat(reason(judged)).doesNotContain("computed as not met");
  }

  @Test
  void badDecisionsAreRefusedByNameAndOnlyCurationConfirms() {
    Study study = machineReadHbA1cStudy();
    given(study.id())
        .body(parameters("inc-nothing", "confirm", ""))
        .post()
        .then()
        .statusCode(422)
        .body(containsString("'inc-nothing' is not in"));
    given(study.id())
        .body(parameters("inc-hba1c", "approve", ""))
        .post()
        .then()
        .statusCode(400)
        .body(containsString("confirm, edit or reject"));
    given(study.id())
        .body(parameters("inc-hba1c", "edit", ",{\"name\":\"kind\",\"valueCode\":\"horoscope\"}"))
        .post()
        .then()
        .statusCode(422)
        .body(containsString("'horoscope' is not a criterion kind"));
    given(study.id())
        .body(
            parameters(
                "inc-hba1c",
                "edit",
                ",{\"name\":\"threshold\",\"valueQuantity\":{\"value\":9,\"code\":\"furlong\"}}"))
        .post()
        .then()
        .statusCode(422)
        .body(containsString("UCUM unit"));
    given(study.id())
        .body(
            parameters(
                "inc-hba1c",
                "edit",
                ",{\"name\":\"valueSet\",\"valueCanonical\":\"http://example.org/ValueSet/none\"}"))
        .post()
        .then()
        .statusCode(422)
        .body(containsString("is not a ValueSet this server holds"));

    // Writing the Group directly cannot confirm a machine reading: no Provenance would say who.
    String group = fhir().get("/" + study.group()).then().statusCode(200).extract().asString();
    fhir()
        .body(group.replace("\"valueCode\":\"machine-derived\"", "\"valueCode\":\"confirmed\""))
        .put("/" + study.group())
        .then()
        .statusCode(422)
        .body(containsString("$curate-criterion"));

    // Nor by giving the same reading another origin, or another id, or a new Group.
    String origin = "\"valueCode\":\"machine-derived\"";
    for (String bypass :
        List.of(
            group.replace(origin, "\"valueCode\":\"registry\""),
            group
                .replace(origin, "\"valueCode\":\"authored\"")
                .replace("\"id\":\"inc-hba1c\"", "\"id\":\"inc-hba1c-2\""))) {
      fhir()
          .body(bypass)
          .put("/" + study.group())
          .then()
          .statusCode(422)
          .body(containsString("$curate-criterion"));
    }
    fhir()
        .body(
            group
                .replace(origin, "\"valueCode\":\"confirmed\"")
                .replaceFirst("\"id\":\"[^\"]+\",", ""))
        .post("/Group")
        .then()
        .statusCode(422)
        .body(containsString("$curate-criterion"));
    // A Provenance of a curation comes from the operation only.
    fhir()
        .body(
            """
            {"resourceType":"Provenance","target":[{"reference":"%s"}],
             "recorded":"2026-12-01T10:00:00Z",
             "activity":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/provenance-activity",
                                    "code":"criterion-confirm"}]},
             "agent":[{"who":{"display":"someone"}}]}
            """
                .formatted(study.group()))
        .post("/Provenance")
        .then()
        .statusCode(422)
        .body(containsString("$curate-criterion"));
    // An edit whose value does not fit the new kind is refused, never stored to fail later.
    given(study.id())
        .body(parameters("inc-hba1c", "edit", ",{\"name\":\"kind\",\"valueCode\":\"sex\"}"))
        .post()
        .then()
        .statusCode(422)
        .body(containsString("does not take"));

    // Once confirmed there is nothing left to confirm.
    curate(study.id(), "inc-hba1c", "confirm", null, 200);
    curate(study.id(), "inc-hba1c", "confirm", null, 422);

    // Curation is the coordinator's: an investigator with the same scopes may not.
    io.restassured.RestAssured.given()
        .basePath("/fhir")
        .contentType("application/fhir+json")
        .header(
            "Authorization",
            "Bearer " + TestTokens.token("user/*.cruds", List.of("investigator"), null))
        .body(parameters("inc-hba1c", "reject", ""))
        .post("/ResearchStudy/" + study.id() + "/$curate-criterion")
        .then()
        .statusCode(403);
  }

  @Test
  void populationScreeningRulesNobodyOutOnAnUnconfirmedReading() throws InterruptedException {
    Study study =
        studyWith(
            """
            {"id":"inc-t1d",
             "extension":[
               {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-description",
                "valueString":"Type 1 diabetes"},
               {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-origin",
                "valueCode":"machine-derived"},
               {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-valueset",
                "valueCanonical":"http://trialfhir.org/fhir/ValueSet/type-1-diabetes"}],
             "code":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/criterion-kind",
                                "code":"condition"}],"text":"Type 1 diabetes"},
             "valueBoolean":true,"exclude":false}
            """);
    String patient = createPatient(unique("no-diagnosis"), "2012-05-01");
    String today = LocalDate.now().toString();
    String alone =
        eligibility(study.id(), patient, today)
            .getString("parameter.find { it.name == 'verdict' }.valueCode");
    assertThat(alone).isEqualTo("needs-review");

    String population =
        fhir()
            .body(
                """
                {"resourceType":"Group","type":"person","actual":true,
                 "member":[{"entity":{"reference":"Patient/%s"}}]}
                """
                    .formatted(patient))
            .post("/Group")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String poll =
        fhir()
            .header("Prefer", "respond-async")
            .queryParam("group", "Group/" + population)
            .queryParam("date", today)
            .get("/ResearchStudy/" + study.id() + "/$screen")
            .then()
            .statusCode(202)
            .extract()
            .header("Content-Location");
    String status = poll.substring(poll.indexOf("/$screen-status"));
    JsonPath report = null;
    for (int i = 0; i < 600 && report == null; i++) {
      var answer = fhir().get(status);
      if (answer.statusCode() == 200) {
        report = answer.jsonPath();
      } else {
        assertThat(answer.statusCode()).isEqualTo(202);
        Thread.sleep(500);
      }
    }
    assertThat(report).as("screening finished").isNotNull();
    assertThat(
            report.getString(
                "parameter.find { it.name == 'result' }.part.find { it.name == 'verdict'"
                    + " }.valueCode"))
        .as("$screen agrees with $eligibility")
        .isEqualTo(alone);
  }

  private record Study(String id, String group) {}

  private io.restassured.specification.RequestSpecification given(String study) {
    return fhir().basePath("/fhir/ResearchStudy/" + study + "/$curate-criterion");
  }

  private JsonPath curate(
      String study, String criterion, String action, String reason, int status) {
    String more = reason == null ? "" : ",{\"name\":\"reason\",\"valueString\":\"" + reason + "\"}";
    return given(study)
        .body(parameters(criterion, action, more))
        .post()
        .then()
        .statusCode(status)
        .extract()
        .jsonPath();
  }

  private static String parameters(String criterion, String action, String more) {
    return """
        {"resourceType":"Parameters","parameter":[
          {"name":"criterion","valueString":"%s"},{"name":"action","valueCode":"%s"}%s]}
        """
        .formatted(criterion, action, more);
  }

  private static String outcome(JsonPath result) {
    return result.getString(
        "parameter.find { it.name == 'criterion' }.part.find { it.name == 'outcome' }.valueCode");
  }

  private static String reason(JsonPath result) {
    return result.getString(
        "parameter.find { it.name == 'criterion' }.part.find { it.name == 'reason' }.valueString");
  }

  private static String origin(JsonPath group) {
    return group.getString(
        "characteristic[0].extension.find { it.url =="
            + " 'http://trialfhir.org/fhir/StructureDefinition/criterion-origin' }.valueCode");
  }

  private String patientWithHbA1c(String percent) {
    String patient = createPatient(unique("curation"), "2010-05-01");
    fhir()
        .body(
            """
            {"resourceType":"Observation","status":"final",
             "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
             "subject":{"reference":"Patient/%s"},"effectiveDateTime":"%s",
             "valueQuantity":{"value":%s,"unit":"%%","system":"http://unitsofmeasure.org","code":"%%"}}
            """
                .formatted(patient, LocalDate.now().minusDays(10), percent))
        .post("/Observation")
        .then()
        .statusCode(201);
    return patient;
  }

  /** A study whose one criterion (HbA1c below 9 %) a machine read from registry text. */
  private Study machineReadHbA1cStudy() {
    return studyWith(
        """
        {"id":"inc-hba1c",
         "extension":[
           {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-description",
            "valueString":"HbA1c below 9%"},
           {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-origin",
            "valueCode":"machine-derived"},
           {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-valueset",
            "valueCanonical":"http://trialfhir.org/fhir/ValueSet/hba1c"},
           {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-lookback",
            "valueDuration":{"value":60,"unit":"days",
                             "system":"http://unitsofmeasure.org","code":"d"}}],
         "code":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/criterion-kind",
                            "code":"observation-value"}],"text":"HbA1c below 9%"},
         "valueQuantity":{"value":9,"comparator":"<","unit":"%",
                          "system":"http://unitsofmeasure.org","code":"%"},
         "exclude":false}
        """);
  }

  /** A study whose eligibility Group holds this one characteristic (JSON). */
  private Study studyWith(String characteristic) {
    String group = "urn:uuid:" + UUID.randomUUID();
    String body =
        """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"fullUrl":"%1$s",
           "resource":{"resourceType":"Group","type":"person","actual":false,
             "name":"curation test eligibility","characteristic":[%3$s]},
           "request":{"method":"POST","url":"Group"}},
          {"resource":{"resourceType":"ResearchStudy",
             "identifier":[{"system":"urn:trialfhir:test:study","value":"%2$s"}],
             "title":"Curation test (%2$s)","status":"active",
             "enrollment":[{"reference":"%1$s"}]},
           "request":{"method":"POST","url":"ResearchStudy"}}
        ]}
        """
            .formatted(group, unique("curation-study"), characteristic);
    JsonPath answer = fhir().body(body).post("/").then().statusCode(200).extract().jsonPath();
    return new Study(
        typeAndId(answer.getString("entry[1].response.location")).substring(14),
        typeAndId(answer.getString("entry[0].response.location")));
  }

  private static String typeAndId(String location) {
    String[] parts = location.split("/");
    return parts[0] + "/" + parts[1];
  }
}
