package org.trialfhir.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.PatientFixture.BMI;
import static org.trialfhir.eligibility.PatientFixture.CONSENT;
import static org.trialfhir.eligibility.PatientFixture.CPEP_2H;
import static org.trialfhir.eligibility.PatientFixture.CPEP_FASTING;
import static org.trialfhir.eligibility.PatientFixture.GAD65;
import static org.trialfhir.eligibility.PatientFixture.T1D;
import static org.trialfhir.eligibility.PatientFixture.bmi;
import static org.trialfhir.eligibility.PatientFixture.condition;
import static org.trialfhir.eligibility.PatientFixture.fastingCPeptide;
import static org.trialfhir.eligibility.PatientFixture.gad65;
import static org.trialfhir.eligibility.PatientFixture.researchConsent;
import static org.trialfhir.eligibility.PatientFixture.twoHourCPeptide;
import static org.trialfhir.eligibility.PatientFixture.type1Diabetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.eligibility.PatientFixture;

/**
 * {@code $screen} narrowed over the projection gives the same report as over the resources: the
 * same verdict for every patient and the same fails of the set-based criteria (age, and the type 1
 * diabetes diagnosis, whose ValueSet is an ICD-10-CM filter that only the projection narrows by),
 * for a population with partial birth dates, results beyond a detection limit, units UCUM cannot
 * relate and refuted or mistaken diagnoses.
 */
@Tag("persistence")
class ScreenFromProjectionIT extends IntegrationTestBase {

  private static final String STUDY = "nct06407297";
  private static final String DATE = "2026-06-15";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired ProjectionReads projection;

  @AfterEach
  void projectionBackOn() {
    projection.setEnabled(true);
  }

  @Test
  void aScreeningFromTheProjectionEqualsOneFromTheResources() throws Exception {
    String group = population(120, 19);
    projection.setEnabled(false);
    long before = projection.answered();
    Map<String, String> fromResources = report(fhir(), group);
    assertThat(projection.answered()).isEqualTo(before);

    projection.setEnabled(true);
    Map<String, String> fromProjection = report(fhir(), group);
    assertThat(projection.answered()).isGreaterThan(before);

    assertThat(fromProjection).isEqualTo(fromResources);
    assertThat(fromResources.values()).contains("verdict=ineligible", "verdict=insufficient-data");
    // Both set-based steps decided someone: the comparison covers them.
    assertThat(fromResources.get("funnel inc-age")).isNotEqualTo("fail=0");
    assertThat(fromResources.get("funnel inc-diabetes-dx")).isNotEqualTo("fail=0");
  }

  // ---- the screening and its report

  /** Each patient's verdict and each criterion's funnel, as text, keyed by patient or criterion. */
  private Map<String, String> report(
      io.restassured.specification.RequestSpecification caller, String group) throws Exception {
    JsonNode finished = finished(caller, group);
    assertThat(finished.path("status").asInt()).as(finished.toString()).isEqualTo(200);
    JsonNode report = finished.path("body");
    Map<String, String> lines = new TreeMap<>();
    for (JsonNode parameter : report.path("parameter")) {
      String name = parameter.path("name").asText();
      if ("result".equals(name)) {
        lines.put(
            part(parameter, "patient").path("valueReference").path("reference").asText(),
            "verdict=" + part(parameter, "verdict").path("valueCode").asText());
      } else if ("funnel".equals(name)) {
        // A patient ruled out set-based counts only under the criterion that ruled them out; one
        // evaluated in full counts under every criterion. The two set-based criteria's fails are
        // the same either way.
        String criterion = part(parameter, "criterion").path("valueString").asText();
        if (List.of("inc-age", "inc-diabetes-dx").contains(criterion)) {
          lines.put(
              "funnel " + criterion,
              "fail=" + part(parameter, "fail").path("valueInteger").asInt());
        }
      } else if ("patients".equals(name)) {
        lines.put("patients", parameter.path("valueInteger").asText());
      }
    }
    return lines;
  }

  /** Starts a screening of the Group and waits for its end: status and body of its last poll. */
  private JsonNode finished(io.restassured.specification.RequestSpecification caller, String group)
      throws Exception {
    Response started =
        caller
            .header("Prefer", "respond-async")
            .queryParam("group", group)
            .queryParam("date", DATE)
            .get("/ResearchStudy/" + STUDY + "/$screen");
    assertThat(started.statusCode()).as(started.asString()).isEqualTo(202);
    String poll = started.header("Content-Location");
    poll = poll.substring(poll.indexOf("/$screen-status"));
    long deadline = System.currentTimeMillis() + 300_000;
    while (System.currentTimeMillis() < deadline) {
      Response status = fhir().get(poll);
      if (status.statusCode() != 202) {
        ObjectNode result = JSON.createObjectNode().put("status", status.statusCode());
        result.set("body", JSON.readTree(status.asString()));
        return result;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("screening not finished after 300 s: " + poll);
  }

  private static JsonNode part(JsonNode parameter, String name) {
    for (JsonNode part : parameter.path("part")) {
      if (name.equals(part.path("name").asText())) {
        return part;
      }
    }
    return JSON.missingNode();
  }

  // ---- the population

  /** {@code size} varied patients loaded by transaction, and a Group of them; its reference. */
  private String population(int size, long seed) throws Exception {
    Random random = new Random(seed);
    String run = unique("px-screen");
    List<String> ids = new ArrayList<>();
    for (int from = 0; from < size; from += 40) {
      ObjectNode bundle =
          JSON.createObjectNode().put("resourceType", "Bundle").put("type", "transaction");
      ArrayNode entries = bundle.putArray("entry");
      for (int i = from; i < Math.min(size, from + 40); i++) {
        JSON.readTree(patient(random).transaction(run + "-" + i))
            .path("entry")
            .forEach(entries::add);
      }
      JsonNode response =
          JSON.readTree(
              fhir().body(bundle.toString()).post("").then().statusCode(200).extract().asString());
      for (JsonNode entry : response.path("entry")) {
        String location = entry.path("response").path("location").asText();
        if (location.startsWith("Patient/")) {
          ids.add(location.split("/")[1]);
        }
      }
    }
    ObjectNode group =
        JSON.createObjectNode()
            .put("resourceType", "Group")
            .put("type", "person")
            .put("actual", true);
    ArrayNode members = group.putArray("member");
    ids.forEach(id -> members.addObject().putObject("entity").put("reference", "Patient/" + id));
    return "Group/"
        + fhir().body(group.toString()).post("/Group").then().statusCode(201).extract().path("id");
  }

  /**
   * Ages around the study's bounds (8 to 18 years), birth dates known to the day, month or year or
   * not at all; type 1 diabetes confirmed, refuted, entered in error or coded otherwise; labs in
   * range, beyond a detection limit ({@code <0.1}) or in a unit UCUM cannot relate.
   */
  private static PatientFixture patient(Random random) {
    int year = 2005 + random.nextInt(16);
    String born =
        switch (random.nextInt(4)) {
          case 0 -> String.valueOf(year);
          case 1 -> year + "-06";
          default -> year + "-0" + (1 + random.nextInt(9)) + "-1" + random.nextInt(10);
        };
    PatientFixture patient = PatientFixture.patient().born(born);
    if (random.nextInt(15) == 0) {
      patient.withoutBirthDate();
    }
    patient.gender(random.nextBoolean() ? "female" : "male");
    switch (random.nextInt(6)) {
      case 0, 1 -> patient.set(T1D, type1Diabetes("2026-0" + (1 + random.nextInt(5))));
      case 2 -> patient.set(T1D, type1Diabetes("2026-03-01").verificationStatus("refuted"));
      case 3 ->
          patient.set(T1D, type1Diabetes("2025-12-01").verificationStatus("entered-in-error"));
      case 4 -> patient.set(T1D, condition("http://snomed.info/sct", "44054006"));
      default -> {
        // no diagnosis at all
      }
    }
    if (random.nextInt(3) != 0) {
      patient.set(GAD65, random.nextBoolean() ? gad65().positive() : gad65());
      patient.set(
          CPEP_FASTING,
          switch (random.nextInt(3)) {
            case 0 -> fastingCPeptide("0.1", "nmol/L").limit("<", "0.1", "nmol/L");
            case 1 -> fastingCPeptide("0.4", "U/L");
            default -> fastingCPeptide("0.3" + random.nextInt(10), "nmol/L");
          });
      patient.set(CPEP_2H, twoHourCPeptide("0.6", "nmol/L"));
      patient.set(BMI, bmi(String.valueOf(14 + random.nextInt(24))));
      if (random.nextBoolean()) {
        patient.set(CONSENT, researchConsent("ResearchStudy/" + STUDY));
      }
    }
    return patient;
  }
}
