package org.trialfhir.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.PatientFixture.BMI;
import static org.trialfhir.eligibility.PatientFixture.CONSENT;
import static org.trialfhir.eligibility.PatientFixture.CPEP_2H;
import static org.trialfhir.eligibility.PatientFixture.CPEP_FASTING;
import static org.trialfhir.eligibility.PatientFixture.GAD65;
import static org.trialfhir.eligibility.PatientFixture.ICD10CM;
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
import java.time.LocalDate;
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
  private static final String SNOMED_CT = PatientFixture.SNOMED;
  private static final String DATE = "2026-06-15";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired ProjectionReads projection;
  @Autowired CodedRecords records;

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

  /**
   * Every criterion the set-based step decides from coded Conditions and Observations, on a
   * population built around their edges: each patient's verdict equals {@code $eligibility}'s and a
   * screening's over the resources, each criterion the report names for a patient has the outcome
   * {@code $eligibility} gives it, and the funnel counts, per criterion, exactly the patients whose
   * first failing criterion (in the order the steps take them) it is.
   */
  @Test
  void everyCriterionDecidedSetBasedAgreesWithEligibility() throws Exception {
    Random random = new Random(23);
    List<String> ids = new ArrayList<>();
    String group = population(160, random, ScreenFromProjectionIT::edgePatient, ids);
    projection.setEnabled(false);
    Report fromResources = fullReport(group);
    projection.setEnabled(true);
    Report fromProjection = fullReport(group);

    Map<String, Integer> expectedSetBased = new TreeMap<>();
    Map<String, Integer> verdicts = new TreeMap<>();
    for (String id : ids) {
      JsonNode eligibility = JSON.readTree(eligibility(STUDY, id, DATE).prettify());
      Map<String, String> outcomes = new TreeMap<>();
      String verdict = null;
      for (JsonNode parameter : eligibility.path("parameter")) {
        if ("verdict".equals(parameter.path("name").asText())) {
          verdict = parameter.path("valueCode").asText();
        } else if ("criterion".equals(parameter.path("name").asText())) {
          outcomes.put(
              part(parameter, "id").path("valueString").asText(),
              part(parameter, "outcome").path("valueCode").asText());
        }
      }
      String patient = "Patient/" + id;
      verdicts.merge(verdict, 1, Integer::sum);
      assertThat(fromProjection.verdicts().get(patient))
          .as("verdict of %s", patient)
          .isEqualTo(verdict);
      assertThat(fromResources.verdicts().get(patient))
          .as("verdict of %s", patient)
          .isEqualTo(verdict);
      fromProjection
          .criteria()
          .getOrDefault(patient, Map.of())
          .forEach(
              (criterion, outcome) ->
                  assertThat(outcomes.get(criterion))
                      .as("%s of %s", criterion, patient)
                      .isEqualTo(outcome));
      SET_BASED_ORDER.stream()
          .filter(c -> "fail".equals(outcomes.get(c)))
          .findFirst()
          .ifPresent(c -> expectedSetBased.merge(c, 1, Integer::sum));
    }
    assertThat(verdicts.keySet()).contains("ineligible", "insufficient-data", "needs-review");

    Map<String, Integer> setBased = new TreeMap<>();
    fromProjection
        .funnel()
        .forEach(
            (criterion, counts) -> {
              if (counts.getOrDefault("set-based-fail", 0) > 0) {
                setBased.put(criterion, counts.get("set-based-fail"));
              }
              assertThat(counts.get("set-based-fail")).isLessThanOrEqualTo(counts.get("fail"));
            });
    assertThat(setBased).isEqualTo(expectedSetBased);
    assertThat(setBased)
        .containsKeys(
            "inc-age",
            "inc-diabetes-dx",
            "inc-new-onset",
            "inc-cpeptide-fasting",
            "inc-cpeptide-2h",
            "exc-dka",
            "exc-autoimmune",
            "exc-thrombosis");
    int ruledOut = setBased.values().stream().mapToInt(Integer::intValue).sum();
    assertThat(fromProjection.counts()).containsEntry("set-based", ruledOut);
    assertThat(fromProjection.counts()).containsEntry("evaluated", ids.size() - ruledOut);
    // Over the resources only age and the enumerated diagnoses are decided set-based.
    assertThat(fromResources.funnel().get("exc-dka").get("set-based-fail")).isZero();
    assertThat(fromResources.funnel().get("inc-cpeptide-fasting").get("set-based-fail")).isZero();
  }

  /**
   * Over a page of patients (a whole population) the query for a criterion's coded resources
   * selects by code alone, whoever the rows are about: the same records as page by page.
   */
  @Test
  void codedResourcesReadForManyPatientsAreThoseReadForFew() throws Exception {
    List<String> ids = new ArrayList<>();
    population(30, new Random(29), ScreenFromProjectionIT::edgePatient, ids);
    List<String> many = new ArrayList<>(ids);
    for (int i = 0; many.size() <= 1000; i++) {
      many.add(unique("no-such-patient-" + i));
    }
    List<String> codes = List.of("c-peptide-fasting", "1986-9", "420422005", "396331005");
    var request = new ca.uhn.fhir.rest.api.server.SystemRequestDetails();
    LocalDate date = LocalDate.parse(DATE);
    var fewObservations =
        records.codedObservations(ids, codes, date.minusDays(90), date, 20_000, request);
    var manyObservations =
        records.codedObservations(many, codes, date.minusDays(90), date, 20_000, request);
    var fewConditions = records.codedConditions(ids, codes, 20_000, request);
    var manyConditions = records.codedConditions(many, codes, 20_000, request);
    assertThat(fewObservations.values().stream().mapToInt(List::size).sum()).isPositive();
    assertThat(fewConditions.values().stream().mapToInt(List::size).sum()).isPositive();
    for (String id : ids) {
      assertThat(encoded(manyObservations.get(id))).isEqualTo(encoded(fewObservations.get(id)));
      assertThat(encoded(manyConditions.get(id))).isEqualTo(encoded(fewConditions.get(id)));
    }
    assertThat(manyObservations.get(many.get(many.size() - 1))).isEmpty();
  }

  private static List<String> encoded(List<? extends org.hl7.fhir.r4.model.Resource> resources) {
    var parser = ca.uhn.fhir.context.FhirContext.forR4Cached().newJsonParser();
    return resources.stream().map(parser::encodeResourceToString).toList();
  }

  /**
   * The criteria the set-based steps decide, in the order they take them: age from the patient,
   * then each criterion read from its coded Conditions or Observations, in the study's order.
   */
  private static final List<String> SET_BASED_ORDER =
      List.of(
          "inc-age",
          "inc-diabetes-dx",
          "inc-new-onset",
          "inc-cpeptide-fasting",
          "inc-cpeptide-2h",
          "exc-dka",
          "exc-autoimmune",
          "exc-thrombosis",
          "exc-other-diabetes",
          "exc-psych",
          "exc-tumor");

  /** A report as parsed here: verdicts and non-passing criteria by patient, funnel, counts. */
  private record Report(
      Map<String, String> verdicts,
      Map<String, Map<String, String>> criteria,
      Map<String, Map<String, Integer>> funnel,
      Map<String, Integer> counts) {}

  private Report fullReport(String group) throws Exception {
    JsonNode finished = finished(fhir(), group);
    assertThat(finished.path("status").asInt()).as(finished.toString()).isEqualTo(200);
    Report report = new Report(new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
    for (JsonNode parameter : finished.path("body").path("parameter")) {
      String name = parameter.path("name").asText();
      if ("result".equals(name)) {
        String patient =
            part(parameter, "patient").path("valueReference").path("reference").asText();
        report.verdicts().put(patient, part(parameter, "verdict").path("valueCode").asText());
        Map<String, String> criteria = new TreeMap<>();
        for (JsonNode p : parameter.path("part")) {
          if ("criterion".equals(p.path("name").asText())) {
            String[] idAndOutcome = p.path("valueString").asText().split(":", 2);
            criteria.put(idAndOutcome[0], idAndOutcome[1]);
          }
        }
        report.criteria().put(patient, criteria);
      } else if ("funnel".equals(name)) {
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode p : parameter.path("part")) {
          if (p.has("valueInteger")) {
            counts.put(p.path("name").asText(), p.path("valueInteger").asInt());
          }
        }
        report.funnel().put(part(parameter, "criterion").path("valueString").asText(), counts);
      } else if (parameter.has("valueInteger")) {
        report.counts().put(name, parameter.path("valueInteger").asInt());
      }
    }
    return report;
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
    return population(size, new Random(seed), ScreenFromProjectionIT::patient, new ArrayList<>());
  }

  /** {@code size} patients made by {@code make}, a Group of them; their ids into {@code ids}. */
  private String population(
      int size,
      Random random,
      java.util.function.Function<Random, PatientFixture> make,
      List<String> ids)
      throws Exception {
    String run = unique("px-screen");
    for (int from = 0; from < size; from += 40) {
      ObjectNode bundle =
          JSON.createObjectNode().put("resourceType", "Bundle").put("type", "transaction");
      ArrayNode entries = bundle.putArray("entry");
      for (int i = from; i < Math.min(size, from + 40); i++) {
        JSON.readTree(make.apply(random).transaction(run + "-" + i))
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

  /**
   * Mostly children with type 1 diabetes, around the edges of the criteria the set-based step
   * decides: a recent, old or month-only onset; ketoacidosis active, resolved, refuted or coded in
   * ICD-10-CM, other excluding diagnoses active, resolved or entered in error; fasting C-peptide
   * just below, at or above 0.1 nmol/L, in pmol/L or ng/mL (converted by molar mass), beyond a
   * detection limit below or straddling the threshold, in a unit UCUM cannot relate, outside the
   * 90-day window, dated to the month only, cancelled or entered in error, superseded by a newer
   * result either way or tied with another on the same day; 2-hour C-peptide at or above 0.2.
   */
  private static PatientFixture edgePatient(Random random) {
    PatientFixture patient =
        PatientFixture.patient()
            .born(random.nextInt(8) == 0 ? "1980-02-02" : (2010 + random.nextInt(7)) + "-05-20");
    patient.set(
        T1D,
        switch (random.nextInt(10)) {
          case 0 -> type1Diabetes("2025-06-01");
          case 1 -> type1Diabetes("2025-12");
          case 2 -> type1Diabetes("2026-03-01").verificationStatus("refuted");
          default -> type1Diabetes("2026-0" + (1 + random.nextInt(5)) + "-10");
        });
    if (random.nextInt(12) == 0) {
      patient.remove(T1D);
    }
    switch (random.nextInt(16)) {
      case 0 -> patient.add(condition(SNOMED_CT, "420422005"));
      case 1 -> patient.add(condition(SNOMED_CT, "420422005").clinicalStatus("resolved"));
      case 2 -> patient.add(condition(SNOMED_CT, "420422005").verificationStatus("refuted"));
      case 3 -> patient.add(condition(ICD10CM, "E10.10"));
      case 4 -> patient.add(condition(SNOMED_CT, "396331005"));
      case 5 -> patient.add(condition(SNOMED_CT, "396331005").clinicalStatus("resolved"));
      case 6 ->
          patient.add(condition(SNOMED_CT, "396331005").verificationStatus("entered-in-error"));
      case 7 -> patient.add(condition(SNOMED_CT, "197456007").clinicalStatus("resolved"));
      default -> {
        // nothing excluding
      }
    }
    patient.set(GAD65, gad65().positive());
    patient.set(BMI, bmi("18"));
    patient.set(CPEP_2H, twoHourCPeptide(random.nextInt(6) == 0 ? "0.2" : "0.21", "nmol/L"));
    if (random.nextBoolean()) {
      patient.set(CONSENT, researchConsent("ResearchStudy/" + STUDY));
    }
    switch (random.nextInt(18)) {
      case 0 -> patient.set(CPEP_FASTING, fastingCPeptide("0.1", "nmol/L"));
      case 1 -> patient.set(CPEP_FASTING, fastingCPeptide("0.099", "nmol/L"));
      case 2 ->
          patient.set(CPEP_FASTING, fastingCPeptide("0.1", "nmol/L").limit("<", "0.1", "nmol/L"));
      case 3 ->
          patient.set(CPEP_FASTING, fastingCPeptide("0.2", "nmol/L").limit("<", "0.2", "nmol/L"));
      case 4 -> patient.set(CPEP_FASTING, fastingCPeptide("100", "pmol/L"));
      case 5 -> patient.set(CPEP_FASTING, fastingCPeptide("90", "pmol/L"));
      case 6 -> patient.set(CPEP_FASTING, fastingCPeptide("0.28", "ng/mL"));
      case 7 -> patient.set(CPEP_FASTING, fastingCPeptide("0.4", "U/L"));
      case 8 -> patient.set(CPEP_FASTING, fastingCPeptide("0.05", "nmol/L").on("2026-01-10"));
      case 9 -> patient.set(CPEP_FASTING, fastingCPeptide("0.05", "nmol/L").on("2026-05"));
      case 10 -> patient.set(CPEP_FASTING, fastingCPeptide("0.05", "nmol/L").status("cancelled"));
      case 11 ->
          patient.set(CPEP_FASTING, fastingCPeptide("0.05", "nmol/L").status("entered-in-error"));
      case 12 ->
          patient
              .set(CPEP_FASTING, fastingCPeptide("0.05", "nmol/L").on("2026-04-01"))
              .add(fastingCPeptide("0.3", "nmol/L"));
      case 13 ->
          patient
              .set(CPEP_FASTING, fastingCPeptide("0.3", "nmol/L").on("2026-04-01"))
              .add(fastingCPeptide("0.05", "nmol/L"));
      case 14 ->
          patient
              .set(CPEP_FASTING, fastingCPeptide("0.05", "nmol/L"))
              .add(fastingCPeptide("0.3", "nmol/L"));
      case 15 -> patient.set(CPEP_FASTING, fastingCPeptide("0.05", "nmol/L").status("amended"));
      case 16 -> {
        // no fasting C-peptide
      }
      default -> patient.set(CPEP_FASTING, fastingCPeptide("0.35", "nmol/L"));
    }
    return patient;
  }
}
