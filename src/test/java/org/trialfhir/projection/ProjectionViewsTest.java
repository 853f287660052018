package org.trialfhir.projection;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.h2.jdbcx.JdbcDataSource;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/** The views as shipped: their columns are the tables', and they read resources as intended. */
class ProjectionViewsTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private final Views views = Views.load();
  private final ViewRunner runner = new ViewRunner(FHIR);

  @Test
  void everyColumnOfEveryViewIsAColumnOfItsTable() throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:projection-schema;DB_CLOSE_DELAY=-1");
    ProjectionSchema.migrate(h2);
    try (Connection connection = h2.getConnection()) {
      for (View view : views.all()) {
        Set<String> columns = new HashSet<>();
        try (ResultSet rs = connection.getMetaData().getColumns(null, null, view.table(), null)) {
          while (rs.next()) {
            columns.add(rs.getString("COLUMN_NAME"));
          }
        }
        assertThat(columns).as(view.table()).contains("ID", "ROW_NO");
        view.columns().forEach(c -> assertThat(columns).as(view.name()).contains(c.sqlName()));
        assertThat(columns).containsAll(DerivedColumns.of(view.resource()));
        // Nothing in the table that neither the view nor the derived columns fill.
        assertThat(columns)
            .hasSize(1 + view.columns().size() + DerivedColumns.of(view.resource()).size());
      }
    }
  }

  @Test
  void aConditionHasOneRowPerCodingWithItsStatusesAndPartialOnset() {
    Condition condition =
        FHIR.newJsonParser()
            .parseResource(
                Condition.class,
                """
                {"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},
                 "clinicalStatus":{"coding":[{"code":"active"},{"code":"relapse"}]},
                 "verificationStatus":{"coding":[{"code":"refuted"}]},
                 "code":{"coding":[{"system":"http://snomed.info/sct","code":"46635009"},
                                   {"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E10.9"}]},
                 "onsetPeriod":{"start":"2026-03"}}
                """);
    List<Map<String, Object>> rows = runner.rows(views.get("Condition"), condition);
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0))
        .containsEntry("id", "c1")
        .containsEntry("patient_id", "p1")
        .containsEntry("clinical_codes", "[\"active\",\"relapse\"]")
        .containsEntry("verification_status", "refuted")
        .containsEntry("verification_codes", "[\"refuted\"]")
        .containsEntry("onset_period_start", "2026-03")
        .containsEntry("onset_date_time", null)
        .containsEntry("code_system", "http://snomed.info/sct")
        .containsEntry("labelled", false);
    assertThat(rows.get(1)).containsEntry("code", "E10.9");
  }

  @Test
  void anObservationKeepsItsValueAsReportedAndItsCanonicalForm() {
    Observation observation =
        FHIR.newJsonParser()
            .parseResource(
                Observation.class,
                """
                {"resourceType":"Observation","id":"o1","status":"final",
                 "meta":{"security":[{"system":"urn:x","code":"y"}]},
                 "subject":{"reference":"Group/g1"},
                 "code":{"coding":[{"system":"http://loinc.org","code":"1986-9"}]},
                 "effectiveDateTime":"2026-06","interpretation":[{"coding":[{"code":"L"}]}],
                 "valueQuantity":{"value":0.10,"comparator":"<","unit":"nmol/L","code":"nmol/L"}}
                """);
    Map<String, Object> row = runner.rows(views.get("Observation"), observation).get(0);
    assertThat(row)
        .containsEntry("patient_id", null) // a Group is not a patient
        .containsEntry("value_decimal", "0.10")
        .containsEntry("value_comparator", "<")
        .containsEntry("effective_date_time", "2026-06")
        // An interpretation whose coding has no system: it is there, but matches no ValueSet.
        .containsEntry("interpretations", "[\"#\"]")
        .containsEntry("value_type", "Quantity")
        .containsEntry("data_absent", false)
        .containsEntry("labelled", true);
    // UCUM's canonical form counts a mole as 6.0221367e23 particles: 0.1 nmol/L = 1e-7 mol/m3.
    Map<String, Object> canonical = DerivedColumns.compute("Observation", row);
    assertThat(canonical).containsEntry("UNIT_CANONICAL", "m-3");
    assertThat((Double) canonical.get("VALUE_CANONICAL"))
        .isCloseTo(1e-7 * 6.0221367e23, org.assertj.core.data.Percentage.withPercentage(1e-9));
    assertThat(
            DerivedColumns.compute(
                "Observation", Map.of("value_decimal", "7", "value_unit", "units per thing")))
        .containsEntry("VALUE_CANONICAL", null)
        .containsEntry("UNIT_CANONICAL", null);
    assertThat(
            DerivedColumns.compute(
                "Observation", Map.of("value_decimal", "48", "value_code", "mmol/mol")))
        .containsEntry("UNIT_CANONICAL", "1")
        .containsEntry("VALUE_CANONICAL", 0.048);
  }

  @Test
  void aPatientKeepsItsBirthDateAsPreciseAsWritten() {
    Patient patient =
        FHIR.newJsonParser()
            .parseResource(
                Patient.class,
                """
                {"resourceType":"Patient","id":"p1","birthDate":"2008","gender":"female",
                 "managingOrganization":{"reference":"Organization/h1"}}
                """);
    assertThat(runner.rows(views.get("Patient"), patient))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r)
                    .containsEntry("birth_date", "2008")
                    .containsEntry("gender", "female")
                    .containsEntry("organization_id", "h1"));
  }
}
