package org.trialfhir.projection;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;

/**
 * The projection equals what its views compute from the stored resources, for every resource the
 * database holds, after each kind of write: creates, updates, deletes, transactions, a transaction
 * that fails and rolls back, and a rebuild. On H2 and, tagged persistence, on PostgreSQL.
 */
@Tag("persistence")
class ProjectionAgreementIT extends IntegrationTestBase {

  @Autowired Projection projection;
  @Autowired ProjectionRebuild rebuild;
  @Autowired DaoRegistry daos;

  @Test
  void createsUpdatesAndDeletesKeepTheProjectionEqualToTheViews() {
    String patient = createPatient(unique("px"), "2008-06");
    String condition =
        created(
            "Condition",
            """
            {"resourceType":"Condition","subject":{"reference":"Patient/%s"},
             "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
             "verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"refuted"}]},
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"46635009"},
                               {"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E10.9"}]},
             "onsetDateTime":"2026-03"}
            """
                .formatted(patient));
    String below =
        created(
            "Observation",
            observation(
                patient,
                "{\"value\":0.1,\"comparator\":\"<\",\"unit\":\"nmol/L\","
                    + "\"system\":\"http://unitsofmeasure.org\",\"code\":\"nmol/L\"}",
                "2026-06-01"));
    String mgdl =
        created(
            "Observation",
            observation(
                patient,
                "{\"value\":135,\"unit\":\"mg/dL\","
                    + "\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg/dL\"}",
                "2026-05"));
    String unrelated =
        created(
            "Observation",
            observation(patient, "{\"value\":7,\"unit\":\"units per thing\"}", "2026-06-02"));
    assertAgreement();

    List<Map<String, Object>> conditionRows = rowsOf("Condition", condition);
    assertThat(conditionRows).hasSize(2);
    assertThat(conditionRows.get(0))
        .containsEntry("patient_id", patient)
        .containsEntry("verification_status", "refuted")
        .containsEntry("onset_date_time", "2026-03")
        .containsEntry("code", "46635009");
    assertThat(rowsOf("Observation", below).get(0))
        .containsEntry("value_decimal", "0.1")
        .containsEntry("value_comparator", "<");
    assertThat(rowsOf("Patient", patient).get(0)).containsEntry("birth_date", "2008-06");
    assertThat(canonical(mgdl)).isEqualTo("1350.0 g.m-3");
    assertThat(canonical(unrelated)).isEqualTo("null null");

    fhir()
        .body(
            """
            {"resourceType":"Condition","id":"%s","subject":{"reference":"Patient/%s"},
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}]}}
            """
                .formatted(condition, patient))
        .put("/Condition/" + condition)
        .then()
        .statusCode(200);
    assertThat(rowsOf("Condition", condition))
        .singleElement()
        .satisfies(r -> assertThat(r).containsEntry("code", "44054006"))
        .satisfies(r -> assertThat(r.get("verification_status")).isNull());

    fhir().delete("/Observation/" + below).then().statusCode(200);
    assertThat(rowsOf("Observation", below)).isEmpty();
    assertAgreement();
  }

  @Test
  void aTransactionIsProjectedWithItsReferencesResolved() {
    String family = unique("px-tx");
    String response =
        fhir()
            .body(
                """
                {"resourceType":"Bundle","type":"transaction","entry":[
                  {"fullUrl":"urn:uuid:2a5e8c34-9d0f-4d4b-8d2b-5b8e0f1e7c11",
                   "resource":{"resourceType":"Patient","name":[{"family":"%s"}],"gender":"female",
                     "birthDate":"2010"},
                   "request":{"method":"POST","url":"Patient"}},
                  {"resource":{"resourceType":"Condition",
                     "subject":{"reference":"urn:uuid:2a5e8c34-9d0f-4d4b-8d2b-5b8e0f1e7c11"},
                     "code":{"coding":[{"system":"http://snomed.info/sct","code":"46635009"}]}},
                   "request":{"method":"POST","url":"Condition"}}
                ]}
                """
                    .formatted(family))
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    String patient = idFrom(response, 0);
    String condition = idFrom(response, 1);
    assertThat(rowsOf("Condition", condition))
        .singleElement()
        .satisfies(r -> assertThat(r).containsEntry("patient_id", patient));
    assertThat(rowsOf("Patient", patient).get(0))
        .containsEntry("gender", "female")
        .containsEntry("birth_date", "2010");
    assertAgreement();
  }

  @Test
  void aFailedTransactionLeavesTheProjectionAsItWas() {
    String patient = createPatient(unique("px-rollback"), "2012-01-10");
    String condition =
        created(
            "Condition",
            """
            {"resourceType":"Condition","subject":{"reference":"Patient/%s"},
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"46635009"}]}}
            """
                .formatted(patient));
    // The update of the Condition and a new Observation are stored first, then the last entry
    // fails: everything rolls back, rows included.
    fhir()
        .body(
            """
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Condition","id":"%2$s",
                 "subject":{"reference":"Patient/%1$s"},
                 "code":{"coding":[{"system":"http://snomed.info/sct","code":"73211009"}]}},
               "request":{"method":"PUT","url":"Condition/%2$s"}},
              {"resource":{"resourceType":"Observation","status":"final",
                 "subject":{"reference":"Patient/%1$s"},
                 "code":{"coding":[{"system":"http://loinc.org","code":"1986-9"}]},
                 "valueQuantity":{"value":0.5,"unit":"nmol/L"}},
               "request":{"method":"POST","url":"Observation"}},
              {"resource":{"resourceType":"Observation","status":"final",
                 "subject":{"reference":"Patient/does-not-exist-%2$s"},
                 "code":{"coding":[{"system":"http://loinc.org","code":"1986-9"}]}},
               "request":{"method":"POST","url":"Observation"}}
            ]}
            """
                .formatted(patient, condition))
        .post("/")
        .then()
        .statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(400));
    assertThat(rowsOf("Condition", condition))
        .singleElement()
        .satisfies(r -> assertThat(r).containsEntry("code", "46635009"));
    assertThat(
            projection.tables().rows(projection.views().get("Observation")).stream()
                .filter(r -> patient.equals(r.get("patient_id"))))
        .isEmpty();
    assertAgreement();
  }

  @Test
  void aRebuildRecomputesEveryRowFromTheResources() {
    String patient = createPatient(unique("px-rebuild"), "2009");
    created(
        "Observation",
        observation(
            patient,
            "{\"value\":48,\"unit\":\"mmol/mol\",\"code\":\"mmol/mol\","
                + "\"system\":\"http://unitsofmeasure.org\"}",
            "2026-06-01"));
    // Rows lost or wrong (as after a change of a view): the rebuild puts them right.
    projection.tables().jdbc().update("DELETE FROM TRIALFHIR_PX_PATIENT WHERE ID = ?", patient);
    projection
        .tables()
        .jdbc()
        .update("UPDATE TRIALFHIR_PX_OBSERVATION SET CODE = 'wrong' WHERE PATIENT_ID = ?", patient);
    assertThat(rowsOf("Patient", patient)).isEmpty();

    assertThat(rebuild.rebuild()).isPositive();

    assertThat(rowsOf("Patient", patient)).hasSize(1);
    assertAgreement();
  }

  // ---- helpers

  /** Every row of every view's table equals what the view computes from the stored resources. */
  private void assertAgreement() {
    for (View view : projection.views().all()) {
      Map<String, List<Map<String, Object>>> expected = new TreeMap<>();
      SearchParameterMap all = new SearchParameterMap();
      List<? extends IBaseResource> stored =
          daos.getResourceDao(view.resource()).searchForResources(all, new SystemRequestDetails());
      for (IBaseResource resource : stored) {
        // The view's columns (compute also hands the resource's key to the derived columns).
        List<Map<String, Object>> rows =
            projection.compute(view, resource).stream()
                .map(
                    row -> {
                      Map<String, Object> columns = new LinkedHashMap<>();
                      view.columns().forEach(c -> columns.put(c.name(), row.get(c.name())));
                      return columns;
                    })
                .toList();
        if (!rows.isEmpty()) {
          expected.put(resource.getIdElement().getIdPart(), rows);
        }
      }
      Map<String, List<Map<String, Object>>> actual = new TreeMap<>();
      for (Map<String, Object> row : projection.tables().rows(view)) {
        actual.computeIfAbsent((String) row.get("id"), id -> new ArrayList<>()).add(row);
      }
      assertThat(actual).as(view.name()).isEqualTo(expected);
      assertDerivedAgreement(view, stored);
    }
  }

  /** The derived columns (canonical values, date span, resource key) too. */
  private void assertDerivedAgreement(View view, List<? extends IBaseResource> stored) {
    List<String> derived = DerivedColumns.of(view.resource());
    if (derived.isEmpty()) {
      return;
    }
    Map<String, List<Map<String, Object>>> expected = new TreeMap<>();
    for (IBaseResource resource : stored) {
      for (Map<String, Object> row : projection.compute(view, resource)) {
        expected
            .computeIfAbsent(resource.getIdElement().getIdPart(), id -> new ArrayList<>())
            .add(DerivedColumns.compute(view.resource(), row));
      }
    }
    Map<String, List<Map<String, Object>>> actual = new TreeMap<>();
    for (Map<String, Object> row :
        projection
            .tables()
            .jdbc()
            .queryForList(
                "SELECT ID, "
                    + String.join(", ", derived)
                    + " FROM "
                    + view.table()
                    + " ORDER BY ID, ROW_NO")) {
      Map<String, Object> values = new LinkedHashMap<>();
      for (String column : derived) {
        Object value = valueOf(row, column);
        if (value instanceof Number n) {
          // As computed: whatever number type the database's driver gives back.
          value =
              switch (column) {
                case "RESOURCE_PID" -> n.longValue();
                case "EFFECTIVE_LOW", "EFFECTIVE_HIGH" -> n.intValue();
                default -> n.doubleValue();
              };
        }
        values.put(column, value);
      }
      actual.computeIfAbsent((String) valueOf(row, "ID"), id -> new ArrayList<>()).add(values);
    }
    assertThat(actual).as(view.name() + " derived").isEqualTo(expected);
  }

  private static Object valueOf(Map<String, Object> row, String column) {
    for (Map.Entry<String, Object> entry : row.entrySet()) {
      if (entry.getKey().equalsIgnoreCase(column)) {
        return entry.getValue(); // the database's case for column names is its own
      }
    }
    return null;
  }

  private List<Map<String, Object>> rowsOf(String type, String id) {
    return projection.tables().rows(projection.views().get(type)).stream()
        .filter(r -> id.equals(r.get("id")))
        .toList();
  }

  private String canonical(String observation) {
    Map<String, Object> row =
        projection
            .tables()
            .jdbc()
            .queryForMap(
                "SELECT VALUE_CANONICAL, UNIT_CANONICAL FROM TRIALFHIR_PX_OBSERVATION"
                    + " WHERE ID = ? AND ROW_NO = 0",
                observation);
    Map<String, Object> upper = new LinkedHashMap<>();
    row.forEach((k, v) -> upper.put(k.toUpperCase(java.util.Locale.ROOT), v));
    return upper.get("VALUE_CANONICAL") + " " + upper.get("UNIT_CANONICAL");
  }

  private String created(String type, String body) {
    return fhir().body(body).post("/" + type).then().statusCode(201).extract().path("id");
  }

  private static String observation(String patient, String quantity, String effective) {
    return """
        {"resourceType":"Observation","status":"final","subject":{"reference":"Patient/%s"},
         "code":{"coding":[{"system":"http://loinc.org","code":"1986-9"},
                           {"system":"urn:test:local","code":"CPEP"}]},
         "effectiveDateTime":"%s","valueQuantity":%s}
        """
        .formatted(patient, effective, quantity);
  }

  private static String idFrom(String transactionResponse, int entry) {
    String location =
        io.restassured.path.json.JsonPath.from(transactionResponse)
            .getString("entry[" + entry + "].response.location");
    assertThat(location).isNotNull();
    return location.split("/")[1];
  }
}
