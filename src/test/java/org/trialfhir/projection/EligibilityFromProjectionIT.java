package org.trialfhir.projection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;

/**
 * {@code $eligibility} from the projection equals {@code $eligibility} from the resources, the
 * whole answer, for every patient of a varied population ({@link VariedRecords}) and the seeded
 * studies and one more: after creates, updates, deletes, a transaction, a transaction that rolls
 * back, and a {@code $import}. A column the record is rebuilt from that is emptied changes some
 * answer, so the population tells a dropped field; rows that carry a security label or a date the
 * projection does not hold are never used. On H2 and, tagged persistence, on PostgreSQL.
 */
@Tag("persistence")
class EligibilityFromProjectionIT extends IntegrationTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The population both comparisons start from: the same patients, the same records. */
  private static final long SEED = 20260615;

  private static final int SIZE = 36;

  @Autowired ProjectionReads projection;
  @Autowired Projection stored;

  @AfterEach
  void projectionBackOn() {
    projection.setEnabled(true);
  }

  @Test
  void afterEveryKindOfWriteTheProjectionAnswersAsTheResources() throws Exception {
    EligibilityBothWays both = new EligibilityBothWays(this::fhir, projection);
    List<String> studies = studies();
    Random random = new Random(SEED);
    List<String> patients = population(random, SIZE);
    patients.addAll(showcase());
    both.assertAgree(patients, studies);

    // Creates, one at a time, as an EHR sends them.
    for (String patient : patients.subList(0, 12)) {
      created("Condition", VariedRecords.condition(random, "Patient/" + patient));
      created("Observation", VariedRecords.observation(random, "Patient/" + patient));
    }
    both.assertAgree(patients, studies);

    // Updates: a diagnosis refuted, a result amended to another value, another made untimed.
    for (String patient : patients.subList(6, 18)) {
      for (String id : ids("Condition", patient)) {
        JsonNode condition = read("Condition/" + id);
        ((com.fasterxml.jackson.databind.node.ObjectNode) condition)
            .set(
                "verificationStatus",
                JSON.readTree(
                    "{\"coding\":[{\"system\":\"%s\",\"code\":\"refuted\"}]}"
                        .formatted(VariedRecords.VERIFICATION)));
        updated("Condition/" + id, condition.toString());
      }
      for (String id : ids("Observation", patient)) {
        String replacement =
            VariedRecords.observation(random, "Patient/" + patient)
                .replaceFirst("\\{", "{\"id\":\"" + id + "\",");
        updated("Observation/" + id, replacement);
      }
    }
    both.assertAgree(patients, studies);

    // Deletes.
    for (String patient : patients.subList(12, 24)) {
      List<String> observations = ids("Observation", patient);
      if (!observations.isEmpty()) {
        fhir().delete("/Observation/" + observations.get(0)).then().statusCode(200);
      }
      List<String> conditions = ids("Condition", patient);
      if (!conditions.isEmpty()) {
        fhir().delete("/Condition/" + conditions.get(0)).then().statusCode(200);
      }
    }
    both.assertAgree(patients, studies);

    // A transaction: new resources for some patients, an update and a delete.
    List<String> entries = new ArrayList<>();
    for (String patient : patients.subList(20, 30)) {
      entries.add(entry(VariedRecords.observation(random, "Patient/" + patient), "Observation"));
      entries.add(entry(VariedRecords.condition(random, "Patient/" + patient), "Condition"));
    }
    List<String> observations = ids("Observation", patients.get(30));
    if (!observations.isEmpty()) {
      entries.add(
          "{\"request\":{\"method\":\"DELETE\",\"url\":\"Observation/%s\"}}"
              .formatted(observations.get(0)));
    }
    fhir().body(bundle(entries)).post("/").then().statusCode(200);
    both.assertAgree(patients, studies);

    // A transaction that fails at its last entry: nothing of it stays, rows included.
    List<String> failing = new ArrayList<>();
    for (String patient : patients.subList(0, 8)) {
      failing.add(entry(VariedRecords.observation(random, "Patient/" + patient), "Observation"));
    }
    failing.add(
        entry(
            VariedRecords.observation(random, "Patient/does-not-exist-" + unique("x")),
            "Observation"));
    Response refused = fhir().body(bundle(failing)).post("/");
    assertThat(refused.statusCode()).as(refused.asString()).isGreaterThanOrEqualTo(400);
    both.assertAgree(patients, studies);

    // $import: a new patient with a record, and more for patients held.
    patients.addAll(imported(random, patients.subList(30, 36)));
    both.assertAgree(patients, studies);
  }

  @Test
  void everyColumnTheRecordIsRebuiltFromDecidesSomeAnswer() throws Exception {
    EligibilityBothWays both = new EligibilityBothWays(this::fhir, projection);
    List<String> studies = studies();
    // The population the comparison above starts from: were a column dropped from the views, its
    // first comparison would fail.
    List<String> patients = population(new Random(SEED), SIZE);
    patients.addAll(showcase());
    Map<String, String> fromResources = both.assertAgree(patients, studies);
    Map<String, List<String>> read =
        Map.of(
            "TRIALFHIR_PX_CONDITION",
            columns(RowResources.CONDITION_COLUMNS, "RESOURCE_PID"),
            "TRIALFHIR_PX_OBSERVATION",
            columns(
                RowResources.OBSERVATION_COLUMNS,
                "RESOURCE_PID",
                "EFFECTIVE_LOW",
                "EFFECTIVE_HIGH"));
    List<String> undecisive = new ArrayList<>();
    for (Map.Entry<String, List<String>> table : read.entrySet()) {
      for (String column : table.getValue()) {
        if (!changesAnAnswer(both, table.getKey(), column, patients, studies, fromResources)) {
          undecisive.add(table.getKey() + "." + column);
        }
      }
    }
    assertThat(undecisive).as("columns whose loss changes no answer").isEmpty();
  }

  @Test
  void rowsWithASecurityLabelOrATimingAreNeverUsed() throws Exception {
    EligibilityBothWays both = new EligibilityBothWays(this::fhir, projection);
    String labelled = createPatient(unique("px-label"), "2014-01-10");
    created(
        "Observation",
        """
        {"resourceType":"Observation","status":"final","subject":{"reference":"Patient/%s"},
         "meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
           "code":"R"}]},
         "code":{"coding":[{"system":"%s","code":"c-peptide-fasting"}]},
         "effectiveDateTime":"2026-06-01",
         "valueQuantity":{"value":0.35,"unit":"nmol/L","system":"%s","code":"nmol/L"}}"""
            .formatted(labelled, VariedRecords.TRIAL_LAB, VariedRecords.UCUM));
    String timed = createPatient(unique("px-timing"), "2014-01-10");
    created(
        "Observation",
        """
        {"resourceType":"Observation","status":"final","subject":{"reference":"Patient/%s"},
         "code":{"coding":[{"system":"%s","code":"c-peptide-fasting"}]},
         "effectiveTiming":{"event":["2026-06-01"]},
         "valueQuantity":{"value":0.35,"unit":"nmol/L","system":"%s","code":"nmol/L"}}"""
            .formatted(timed, VariedRecords.TRIAL_LAB, VariedRecords.UCUM));
    List<String> patients = List.of(labelled, timed);
    both.assertAgree(patients, List.of("nct06407297"));
    // Rows that lie: were they read, the answers would change.
    stored
        .tables()
        .jdbc()
        .update(
            "UPDATE TRIALFHIR_PX_OBSERVATION SET VALUE_DECIMAL = '99', STATUS = 'final',"
                + " CODE = 'c-peptide-fasting', CODE_SYSTEM = ?,"
                + " EFFECTIVE_LOW = 20260601, EFFECTIVE_HIGH = 20260601"
                + " WHERE PATIENT_ID IN (?, ?)",
            VariedRecords.TRIAL_LAB,
            labelled,
            timed);
    both.assertAgree(patients, List.of("nct06407297"));
  }

  // ---- each column read matters

  private static List<String> columns(List<String> viewColumns, String... derived) {
    List<String> columns = new ArrayList<>();
    viewColumns.stream()
        .filter(c -> !"id".equals(c))
        .forEach(c -> columns.add(c.toUpperCase(Locale.ROOT)));
    Collections.addAll(columns, derived);
    return columns;
  }

  /**
   * Empties the column in the rows of these patients that have a value in it, and asks those
   * patients' eligibility from the projection until an answer differs from the resources'. The rows
   * are put back either way.
   */
  private boolean changesAnAnswer(
      EligibilityBothWays both,
      String table,
      String column,
      List<String> patients,
      List<String> studies,
      Map<String, String> fromResources) {
    var jdbc = stored.tables().jdbc();
    String in = String.join(", ", Collections.nCopies(patients.size(), "?"));
    List<Map<String, Object>> saved =
        jdbc.queryForList(
            "SELECT ID, ROW_NO, PATIENT_ID, "
                + column
                + " AS SAVED FROM "
                + table
                + " WHERE "
                + column
                + " IS NOT NULL AND PATIENT_ID IN ("
                + in
                + ")",
            patients.toArray());
    List<String> concerned =
        saved.stream().map(r -> (String) value(r, "PATIENT_ID")).distinct().toList();
    jdbc.update(
        "UPDATE " + table + " SET " + column + " = NULL WHERE PATIENT_ID IN (" + in + ")",
        patients.toArray());
    try {
      for (String patient : concerned) {
        for (String study : studies) {
          Response answer = both.ask(patient, study);
          if (answer.statusCode() != 200
              || !answer.asString().equals(fromResources.get(patient + " " + study))) {
            return true;
          }
        }
      }
      return false;
    } finally {
      for (Map<String, Object> row : saved) {
        jdbc.update(
            "UPDATE " + table + " SET " + column + " = ? WHERE ID = ? AND ROW_NO = ?",
            value(row, "SAVED"),
            value(row, "ID"),
            value(row, "ROW_NO"));
      }
    }
  }

  private static Object value(Map<String, Object> row, String column) {
    for (Map.Entry<String, Object> entry : row.entrySet()) {
      if (entry.getKey().equalsIgnoreCase(column)) {
        return entry.getValue(); // the database's case for column names is its own
      }
    }
    return null;
  }

  // ---- the population

  private List<String> studies() {
    List<String> studies = new ArrayList<>(EligibilityBothWays.SEEDED);
    studies.add(EligibilityBothWays.study(fhir()));
    return studies;
  }

  /** {@code size} varied patients, loaded a transaction each; their ids. */
  private List<String> population(Random random, int size) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String bundle = VariedRecords.transaction(random);
      Response loaded = fhir().body(bundle).post("/");
      assertThat(loaded.statusCode()).as(loaded.asString() + "\n" + bundle).isEqualTo(200);
      JsonNode response = JSON.readTree(loaded.asString());
      ids.add(
          response.path("entry").get(0).path("response").path("location").asText().split("/")[1]);
    }
    return ids;
  }

  /**
   * Patients whose records make each column the record is rebuilt from matter on its own: a status
   * with several codings that a later one discounts, an onset age in months, a unit written
   * otherwise than its code, a dataAbsentReason next to an interpretation, reference ranges in
   * their own unit or as text, an interpretation without codings, diagnoses and results stored in
   * an order their ids do not have.
   */
  private List<String> showcase() {
    String child = createPatient(unique("px-showcase"), "2014-01-10");
    String p = "Patient/" + child;
    String ucum = VariedRecords.UCUM;
    String later = "aa-" + unique("px");
    String earlier = "zz-" + unique("px");
    put(
        "Condition/" + earlier,
        """
        {"resourceType":"Condition","id":"%s","subject":{"reference":"%s"},
         "clinicalStatus":{"coding":[{"system":"%s","code":"inactive"},{"system":"%s","code":"relapse"}]},
         "code":{"text":"Type one diabetes","coding":[{"system":"%s","code":"46635009"}]},
         "onsetAge":{"value":148,"unit":"months","system":"%s","code":"mo"}}"""
            .formatted(
                earlier,
                p,
                VariedRecords.CLINICAL,
                VariedRecords.CLINICAL,
                VariedRecords.SNOMED,
                ucum));
    put(
        "Condition/" + later,
        """
        {"resourceType":"Condition","id":"%s","subject":{"reference":"%s"},
         "verificationStatus":{"coding":[{"system":"%s","code":"confirmed"}]},
         "code":{"coding":[{"system":"%s","code":"E10.9","display":"Type 1 diabetes mellitus without complications"}]},
         "recordedDate":"2026-06-01"}"""
            .formatted(later, p, VariedRecords.VERIFICATION, VariedRecords.ICD10));
    created(
        "Condition",
        """
        {"resourceType":"Condition","subject":{"reference":"%s"},
         "clinicalStatus":{"coding":[{"system":"%s","code":"active"}]},
         "verificationStatus":{"coding":[{"system":"%s","code":"confirmed"},{"system":"%s","code":"refuted"}]},
         "code":{"coding":[{"system":"%s","code":"420422005"}]},"onsetPeriod":{"start":"2026-05-01"}}"""
            .formatted(
                p,
                VariedRecords.CLINICAL,
                VariedRecords.VERIFICATION,
                VariedRecords.VERIFICATION,
                VariedRecords.SNOMED));
    String lab = VariedRecords.TRIAL_LAB;
    String loinc = VariedRecords.LOINC;
    String v3 = VariedRecords.V3;
    List<String> observations =
        List.of(
            // fasting C-peptide in pmol/L, its unit written out, dated by an instant
            """
            {"resourceType":"Observation","status":"amended","subject":{"reference":"%1$s"},
             "code":{"coding":[{"system":"%2$s","code":"c-peptide-fasting"}]},
             "effectiveInstant":"2026-05-20T08:15:00.000+02:00",
             "valueQuantity":{"value":350,"unit":"picomoles per litre","system":"%3$s","code":"pmol/L"}}""",
            // 2-hour C-peptide below a detection limit
            """
            {"resourceType":"Observation","status":"final","subject":{"reference":"%1$s"},
             "code":{"coding":[{"system":"%2$s","code":"c-peptide-2h"}]},"effectiveDateTime":"2026-06-01",
             "valueQuantity":{"comparator":"<","value":0.1,"unit":"nmol/L","system":"%3$s","code":"nmol/L"}}""",
            // GAD65: no value (dataAbsentReason), yet interpreted positive
            """
            {"resourceType":"Observation","status":"final","subject":{"reference":"%1$s"},
             "code":{"text":"GAD65 antibodies","coding":[{"system":"%4$s","code":"13926-1","display":"GAD65 Ab"}]},
             "effectiveDateTime":"2026-06-01","dataAbsentReason":{"coding":[{"code":"error"}]},
             "interpretation":[{"coding":[{"system":"%5$s","code":"POS"}]}]}""",
            // IA-2: 10000 [IU]/L against an upper limit of 15 [IU]/mL (by code) and by unit text
            """
            {"resourceType":"Observation","status":"final","subject":{"reference":"%1$s"},
             "code":{"coding":[{"system":"%2$s","code":"ia2-antibody","display":"IA-2 antibodies"}]},
             "effectiveDateTime":"2026-06-02",
             "valueQuantity":{"value":10000,"unit":"[IU]/L","system":"%3$s","code":"[IU]/L"},
             "referenceRange":[{"high":{"value":15,"system":"%3$s","code":"[IU]/mL"}}]}""",
            """
            {"resourceType":"Observation","status":"final","subject":{"reference":"%1$s"},
             "code":{"coding":[{"system":"%4$s","code":"8072-1"}]},"effectiveDateTime":"2026-06-03",
             "valueQuantity":{"value":10000,"unit":"[IU]/L","system":"%3$s","code":"[IU]/L"},
             "referenceRange":[{"high":{"value":15,"unit":"[IU]/mL"}}]}""",
            // ZnT8 with its range as text
            """
            {"resourceType":"Observation","status":"final","subject":{"reference":"%1$s"},
             "code":{"coding":[{"system":"%2$s","code":"znt8-antibody"}]},"effectiveDateTime":"2026-06-04",
             "valueQuantity":{"value":20,"unit":"U/mL","system":"%3$s","code":"U/mL"},
             "referenceRange":[{"text":"≤ 25"}]}""",
            // BMI dated by a period's start; pregnancy status in the 270-day window
            """
            {"resourceType":"Observation","status":"final","subject":{"reference":"%1$s"},
             "code":{"coding":[{"system":"%4$s","code":"39156-5"}]},
             "effectivePeriod":{"start":"2026-06-10"},
             "valueQuantity":{"value":13.5,"unit":"kg/m2","system":"%3$s","code":"kg/m2"}}""",
            """
            {"resourceType":"Observation","status":"final","subject":{"reference":"%1$s"},
             "code":{"coding":[{"system":"%4$s","code":"82810-3"}]},"effectiveDateTime":"2025-10-01",
             "valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"77386006"}]}}""",
            """
            {"resourceType":"Observation","status":"final","subject":{"reference":"%1$s"},
             "code":{"coding":[{"system":"%4$s","code":"4548-4"}]},"effectiveDateTime":"2026-05-05",
             "valueQuantity":{"value":48,"unit":"mmol/mol","system":"%3$s","code":"mmol/mol"}}""");
    for (String observation : observations) {
      created("Observation", observation.formatted(p, lab, ucum, loinc, v3));
    }
    // Another child with two positive results of one day, stored in an order their ids do not
    // have (the first child's results are all negative, so that each reading is named).
    String second = createPatient(unique("px-showcase"), "2012-07-01");
    for (String id : List.of("zz-" + unique("px"), "aa-" + unique("px"))) {
      put(
          "Observation/" + id,
          """
          {"resourceType":"Observation","id":"%s","status":"final","subject":{"reference":"%s"},
           "code":{"coding":[{"system":"%s","code":"13926-1"}]},"effectiveDateTime":"2026-06-05",
           "valueQuantity":{"value":%s,"unit":"U/mL","system":"%s","code":"U/mL"},
           "interpretation":[{"coding":[{"system":"%s","code":"POS"}]}]}"""
              .formatted(
                  id, "Patient/" + second, loinc, id.startsWith("zz") ? "31" : "32", ucum, v3));
    }
    // Another child whose only autoantibody result is interpreted without a coding.
    String other = createPatient(unique("px-showcase"), "2013-02");
    created(
        "Observation",
        """
        {"resourceType":"Observation","status":"final","subject":{"reference":"Patient/%s"},
         "code":{"coding":[{"system":"%s","code":"13926-1"}]},"effectiveDateTime":"2026-06-01",
         "interpretation":[{"text":"weakly reactive"}]}"""
            .formatted(other, loinc));
    // … and whose diagnosis has no onset, only the date it was recorded.
    created(
        "Condition",
        """
        {"resourceType":"Condition","subject":{"reference":"Patient/%s"},
         "code":{"coding":[{"system":"%s","code":"46635009"}]},"recordedDate":"2026-05-02"}"""
            .formatted(other, VariedRecords.SNOMED));
    return new ArrayList<>(List.of(child, second, other));
  }

  /** Imports, as NDJSON Binaries: a new patient with a record, and an Observation for each held. */
  private List<String> imported(Random random, List<String> held) throws Exception {
    String patient = "px-imported-" + unique("p");
    List<String> conditions = new ArrayList<>();
    List<String> observations = new ArrayList<>();
    for (String resource : VariedRecords.record(random, "Patient/" + patient)) {
      String withId = resource.replaceFirst("\\{", "{\"id\":\"" + unique("px-imp") + "\",");
      if (resource.contains("\"Condition\"")) {
        conditions.add(withId);
      } else if (resource.contains("\"Observation\"")) {
        observations.add(withId);
      }
    }
    conditions.add(
        VariedRecords.condition(random, "Patient/" + patient)
            .replaceFirst("\\{", "{\"id\":\"" + unique("px-imp") + "\","));
    for (String id : held) {
      observations.add(
          VariedRecords.observation(random, "Patient/" + id)
              .replaceFirst("\\{", "{\"id\":\"" + unique("px-imp") + "\","));
    }
    String patientJson =
        VariedRecords.patient(random).replaceFirst("\\{", "{\"id\":\"" + patient + "\",");
    String manifest =
        """
        {"resourceType":"Parameters","parameter":[
          {"name":"inputFormat","valueString":"application/fhir+ndjson"},
          {"name":"input","part":[{"name":"type","valueString":"Patient"},{"name":"url","valueUri":"%s"}]},
          {"name":"input","part":[{"name":"type","valueString":"Condition"},{"name":"url","valueUri":"%s"}]},
          {"name":"input","part":[{"name":"type","valueString":"Observation"},{"name":"url","valueUri":"%s"}]}]}"""
            .formatted(binary(List.of(patientJson)), binary(conditions), binary(observations));
    Response started = fhir().header("Prefer", "respond-async").body(manifest).post("/$import");
    assertThat(started.statusCode()).as(started.asString()).isEqualTo(202);
    String status = started.header("Content-Location");
    status = status.substring(status.indexOf("/$import-poll-status"));
    long deadline = System.currentTimeMillis() + 120_000;
    Response done = fhir().get(status);
    while (done.statusCode() == 202 && System.currentTimeMillis() < deadline) {
      Thread.sleep(300);
      done = fhir().get(status);
    }
    assertThat(done.statusCode()).as(done.asString()).isEqualTo(200);
    for (JsonNode parameter : JSON.readTree(done.asString()).path("parameter")) {
      if ("refused".equals(parameter.path("name").asText())) {
        assertThat(parameter.path("valueInteger").asInt()).as(done.asString()).isZero();
      }
    }
    assertThat(ids("Observation", patient)).isNotEmpty();
    return List.of(patient);
  }

  private String binary(List<String> lines) {
    String ndjson = String.join("\n", lines.stream().map(l -> l.replace("\n", " ")).toList());
    String body =
        """
        {"resourceType":"Binary","contentType":"application/fhir+ndjson","data":"%s"}"""
            .formatted(Base64.getEncoder().encodeToString(ndjson.getBytes(StandardCharsets.UTF_8)));
    return "Binary/"
        + fhir().body(body).post("/Binary").then().statusCode(201).extract().path("id");
  }

  // ---- REST helpers

  private String created(String type, String body) {
    Response response = fhir().body(body).post("/" + type);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
    return response.path("id");
  }

  private void put(String reference, String body) {
    Response response = fhir().body(body).put("/" + reference);
    assertThat(response.statusCode()).as(response.asString()).isIn(200, 201);
  }

  private void updated(String reference, String body) {
    Response response = fhir().body(body).put("/" + reference);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
  }

  private JsonNode read(String reference) throws Exception {
    return JSON.readTree(fhir().get("/" + reference).then().statusCode(200).extract().asString());
  }

  private List<String> ids(String type, String patient) {
    String param = "Condition".equals(type) ? "patient" : "subject";
    List<String> ids =
        fhir()
            .queryParam(param, "Patient/" + patient)
            .queryParam("_count", 200)
            .get("/" + type)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("entry.resource.id", String.class);
    return ids == null ? List.of() : ids;
  }

  private static String entry(String resource, String type) {
    return "{\"resource\":%s,\"request\":{\"method\":\"POST\",\"url\":\"%s\"}}"
        .formatted(resource, type);
  }

  private static String bundle(List<String> entries) {
    return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        + String.join(",", entries)
        + "]}";
  }
}
