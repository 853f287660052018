package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

/**
 * The {@code medication} kind through {@code $eligibility} over stored records: a MedicationRequest
 * of the package's immunosuppressant ValueSet in the period excludes, naming it as evidence; one
 * before the period, or none, does not (issue #21).
 */
@Tag("persistence")
class MedicationEligibilityIT extends IntegrationTestBase {

  private static final String DATE = "2026-06-15";

  /** "Used immunosuppressants 3 months prior to screening." (NCT06546436), as data. */
  private static final String NO_IMMUNOSUPPRESSANT_IN_3_MONTHS =
      """
      {"id":"exc-immunosuppressant",
       "extension":[
         {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-description",
          "valueString":"Used immunosuppressants 3 months prior to screening."},
         {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-valueset",
          "valueCanonical":"http://trialfhir.org/fhir/ValueSet/immunosuppressant"}],
       "code":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/criterion-kind",
                          "code":"medication"}],"text":"Immunosuppressant within 3 months"},
       "valueQuantity":{"value":3,"unit":"months","system":"http://unitsofmeasure.org","code":"mo"},
       "exclude":true}""";

  @Test
  void aStoredPrescriptionInThePeriodExcludesAndAnOlderOneDoesNot() {
    String study = DataOnlyStudy.create(fhir(), NO_IMMUNOSUPPRESSANT_IN_3_MONTHS);

    String recent = createPatient(unique("med"), "1990-04-01");
    String request = prescribe(recent, "42316", "tacrolimus", "2026-05-02");
    JsonPath excluded = eligibility(study, recent, DATE);
    assertThat(outcome(excluded)).isEqualTo("fail");
    assertThat(reason(excluded))
        .contains("tacrolimus")
        .endsWith(" is recorded in the 3 months before 2026-06-15");
    assertThat(
            excluded.getList(
                "parameter.find { it.name == 'criterion' }.part.findAll { it.name == 'evidence' }"
                    + ".valueReference.reference",
                String.class))
        .containsExactly(request);
    assertThat(verdict(excluded)).isEqualTo("ineligible");

    String earlier = createPatient(unique("med"), "1990-04-01");
    prescribe(earlier, "42316", "tacrolimus", "2025-11-20");
    JsonPath passed = eligibility(study, earlier, DATE);
    assertThat(outcome(passed)).isEqualTo("pass");
    assertThat(reason(passed))
        .isEqualTo(
            "No medication or vaccination matching \"Immunosuppressant\" is recorded in the 3"
                + " months before 2026-06-15");

    String none = createPatient(unique("med"), "1990-04-01");
    assertThat(outcome(eligibility(study, none, DATE))).isEqualTo("pass");
  }

  private String prescribe(String patient, String rxnorm, String display, String authoredOn) {
    String id =
        fhir()
            .body(
                """
                {"resourceType":"MedicationRequest","status":"completed","intent":"order",
                 "medicationCodeableConcept":{"coding":[{
                   "system":"http://www.nlm.nih.gov/research/umls/rxnorm",
                   "code":"%s","display":"%s"}]},
                 "subject":{"reference":"Patient/%s"},"authoredOn":"%s"}
                """
                    .formatted(rxnorm, display, patient, authoredOn))
            .post("/MedicationRequest")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    return "MedicationRequest/" + id;
  }

  private static String outcome(JsonPath result) {
    return criterionPart(result, "outcome", "valueCode");
  }

  private static String reason(JsonPath result) {
    return criterionPart(result, "reason", "valueString");
  }

  private static String criterionPart(JsonPath result, String name, String value) {
    return result.getString(
        "parameter.find { it.name == 'criterion' }.part.find { it.name == '"
            + name
            + "' }."
            + value);
  }

  private static String verdict(JsonPath result) {
    return result.getString("parameter.find { it.name == 'verdict' }.valueCode");
  }
}
