package org.trialfhir.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.PatientFixture.BMI;
import static org.trialfhir.eligibility.PatientFixture.CONSENT;
import static org.trialfhir.eligibility.PatientFixture.CPEP_2H;
import static org.trialfhir.eligibility.PatientFixture.CPEP_FASTING;
import static org.trialfhir.eligibility.PatientFixture.GAD65;
import static org.trialfhir.eligibility.PatientFixture.T1D;
import static org.trialfhir.eligibility.PatientFixture.bmi;
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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;
import org.trialfhir.eligibility.PatientFixture;

/**
 * {@code $screen} over HTTP with the asynchronous pattern: its verdicts equal what {@code
 * $eligibility} says of each patient, on a mixed synthetic population (children and adults, with
 * and without type 1 diabetes, with labs in and out of range, some data missing).
 */
class ScreenIT extends IntegrationTestBase {

  private static final String STUDY = "nct06407297";
  private static final String DATE = "2026-06-15";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aThousandPatientsScreenedAsEligibilityJudgesEachOne() throws Exception {
    screenAndCompare(1000, 7);
  }

  @Test
  @Tag("persistence")
  void aSmallPopulationScreenedAsEligibilityJudgesEachOne() throws Exception {
    screenAndCompare(60, 11);
  }

  @Test
  void screeningIsAsynchronousOnlyAndForTheStudyTeam() {
    fhir()
        .get("/ResearchStudy/" + STUDY + "/$screen")
        .then()
        .statusCode(400)
        .body(org.hamcrest.Matchers.containsString("Prefer: respond-async"));
    fhirAs(TestTokens.token("user/*.rs", List.of("registry"), null))
        .header("Prefer", "respond-async")
        .get("/ResearchStudy/" + STUDY + "/$screen")
        .then()
        .statusCode(403);
    fhir()
        .header("Prefer", "respond-async")
        .get("/ResearchStudy/no-such-study/$screen")
        .then()
        .statusCode(404);
    fhir().get("/$screen-status?job=no-such-job").then().statusCode(404);
  }

  @Test
  void aScreeningCanBeCancelled() throws Exception {
    String group = population(300, 3).group();
    Response started = start(group);
    String poll = started.header("Content-Location");
    fhir().delete(relative(poll)).then().statusCode(202);
    long deadline = System.currentTimeMillis() + 120_000;
    int status = 202;
    while (status == 202 && System.currentTimeMillis() < deadline) {
      Thread.sleep(500);
      status = fhir().get(relative(poll)).statusCode();
    }
    assertThat(status).isEqualTo(404);
  }

  @Test
  void aScreeningIsVisibleOnlyToWhoeverStartedIt() throws Exception {
    String group = population(50, 5).group();
    Response started = start(group);
    assertThat(started.statusCode()).as(started.asString()).isEqualTo(202);
    String poll = relative(started.header("Content-Location"));
    String colleague = TestTokens.token("user/*.rs", List.of("coordinator"), null);
    fhirAs(colleague).get(poll).then().statusCode(404);
    fhirAs(colleague).delete(poll).then().statusCode(404);
    assertThat(fhir().get(poll).statusCode()).isIn(200, 202);
    fhir().delete(poll).then().statusCode(202);
  }

  private void screenAndCompare(int size, long seed) throws Exception {
    Population population = population(size, seed);
    Response started = start(population.group());
    assertThat(started.statusCode()).as(started.asString()).isEqualTo(202);
    String poll = started.header("Content-Location");
    assertThat(poll).contains("$screen-status?job=");

    JsonNode report = awaitReport(poll);
    assertThat(parameter(report, "patients").path("valueInteger").asInt()).isEqualTo(size);
    Map<String, String> screened = new HashMap<>();
    List<String> order = new ArrayList<>();
    for (JsonNode parameter : report.path("parameter")) {
      if ("result".equals(parameter.path("name").asText())) {
        String patient =
            part(parameter, "patient").path("valueReference").path("reference").asText();
        String verdict = part(parameter, "verdict").path("valueCode").asText();
        screened.put(patient, verdict);
        order.add(verdict);
      }
    }
    assertThat(screened).hasSize(size);
    // Eligible and needs-review first, then insufficient data, then ineligible.
    assertThat(order)
        .isSortedAccordingTo(java.util.Comparator.comparingInt(ScreenReducer.ORDER::indexOf));
    Map<String, Integer> verdicts = new HashMap<>();
    for (String patient : population.patients()) {
      String expected =
          eligibility(STUDY, patient, DATE)
              .getString("parameter.find { it.name == 'verdict' }.valueCode");
      assertThat(screened.get("Patient/" + patient))
          .as("verdict of Patient/%s", patient)
          .isEqualTo(expected);
      verdicts.merge(expected, 1, Integer::sum);
    }
    // The population is mixed enough for the comparison to mean something.
    assertThat(verdicts.keySet()).contains("ineligible", "insufficient-data");
    if (size >= 500) {
      assertThat(verdicts.keySet()).contains("needs-review");
    }
    assertThat(funnelFails(report, "inc-age")).isPositive();
  }

  private Response start(String group) {
    return fhir()
        .header("Prefer", "respond-async")
        .queryParam("group", group)
        .queryParam("date", DATE)
        .get("/ResearchStudy/" + STUDY + "/$screen");
  }

  private JsonNode awaitReport(String poll) throws Exception {
    long deadline = System.currentTimeMillis() + 300_000;
    while (System.currentTimeMillis() < deadline) {
      Response status = fhir().get(relative(poll));
      if (status.statusCode() == 200) {
        return JSON.readTree(status.asString());
      }
      assertThat(status.statusCode()).as(status.asString()).isEqualTo(202);
      assertThat(status.header("X-Progress")).isNotBlank();
      Thread.sleep(500);
    }
    throw new AssertionError("screening not finished after 300 s: " + poll);
  }

  private static String relative(String poll) {
    return poll.substring(poll.indexOf("/$screen-status"));
  }

  private static JsonNode parameter(JsonNode parameters, String name) {
    for (JsonNode parameter : parameters.path("parameter")) {
      if (name.equals(parameter.path("name").asText())) {
        return parameter;
      }
    }
    return JSON.missingNode();
  }

  private static JsonNode part(JsonNode parameter, String name) {
    for (JsonNode part : parameter.path("part")) {
      if (name.equals(part.path("name").asText())) {
        return part;
      }
    }
    return JSON.missingNode();
  }

  private static int funnelFails(JsonNode report, String criterion) {
    for (JsonNode parameter : report.path("parameter")) {
      if ("funnel".equals(parameter.path("name").asText())
          && criterion.equals(part(parameter, "criterion").path("valueString").asText())) {
        return part(parameter, "fail").path("valueInteger").asInt();
      }
    }
    return 0;
  }

  record Population(String group, List<String> patients) {}

  /** {@code size} patients loaded 50 to a transaction, and a Group of them. */
  private Population population(int size, long seed) throws Exception {
    Random random = new Random(seed);
    String run = unique("screen");
    List<String> ids = new ArrayList<>();
    for (int from = 0; from < size; from += 50) {
      ObjectNode bundle =
          JSON.createObjectNode().put("resourceType", "Bundle").put("type", "transaction");
      ArrayNode entries = bundle.putArray("entry");
      for (int i = from; i < Math.min(size, from + 50); i++) {
        JsonNode one = JSON.readTree(patient(random).transaction(run + "-" + i));
        one.path("entry").forEach(entries::add);
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
    assertThat(ids).hasSize(size);
    ObjectNode group =
        JSON.createObjectNode()
            .put("resourceType", "Group")
            .put("type", "person")
            .put("actual", true);
    ArrayNode members = group.putArray("member");
    ids.forEach(id -> members.addObject().putObject("entity").put("reference", "Patient/" + id));
    String groupId =
        fhir().body(group.toString()).post("/Group").then().statusCode(201).extract().path("id");
    return new Population("Group/" + groupId, ids);
  }

  /**
   * A random patient: about a third with new or older type 1 diabetes, labs in and out of range.
   */
  private static PatientFixture patient(Random random) {
    LocalDate born = LocalDate.of(1990, 1, 1).plusDays(random.nextInt(365 * 34));
    PatientFixture patient = PatientFixture.patient().born(born.toString());
    if (random.nextInt(20) == 0) {
      patient.withoutBirthDate();
    }
    patient.gender(random.nextBoolean() ? "female" : "male");
    if (random.nextInt(3) == 0) {
      LocalDate onset = LocalDate.parse(DATE).minusDays(random.nextInt(720));
      patient.set(T1D, type1Diabetes(onset.toString()));
      if (random.nextInt(4) != 0) {
        patient.set(GAD65, random.nextInt(5) == 0 ? gad65() : gad65().positive());
      }
      if (random.nextInt(5) != 0) {
        patient.set(CPEP_FASTING, fastingCPeptide(decimal(random, 0.02, 0.8), "nmol/L"));
      }
      if (random.nextInt(5) != 0) {
        patient.set(CPEP_2H, twoHourCPeptide(decimal(random, 0.05, 1.2), "nmol/L"));
      }
      if (random.nextInt(4) != 0) {
        patient.set(BMI, bmi(decimal(random, 12, 38)));
      }
      if (random.nextBoolean()) {
        patient.set(CONSENT, researchConsent("ResearchStudy/" + STUDY));
      }
    }
    return patient;
  }

  private static String decimal(Random random, double low, double high) {
    return String.format(Locale.ROOT, "%.2f", low + random.nextDouble() * (high - low));
  }
}
