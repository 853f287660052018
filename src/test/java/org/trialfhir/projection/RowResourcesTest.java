package org.trialfhir.projection;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;

/**
 * A resource rebuilt from its rows has the same rows: everything the views hold of what the rules
 * read survives the trip through the tables, for the shapes data takes (several codings and
 * interpretations, codings without a system, partial and zoned dates, periods open on one side,
 * onset ages, values of every type, reference ranges as numbers or text).
 */
class RowResourcesTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private final Views views = Views.load();
  private final ViewRunner runner = new ViewRunner(FHIR);

  private static final List<String> CONDITIONS =
      List.of(
          """
          {"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},
           "clinicalStatus":{"coding":[{"code":"inactive"},{"system":"urn:x","code":"relapse"}]},
           "verificationStatus":{"coding":[{"code":"confirmed"},{"code":"entered-in-error"}]},
           "code":{"text":"Type 1","coding":[{"system":"http://snomed.info/sct","code":"46635009",
             "display":"Type 1 diabetes"},{"code":"no-system"},{"display":"only a display"}]},
           "onsetDateTime":"2026-03-01T23:30:00-05:00","recordedDate":"2026-04"}
          """,
          """
          {"resourceType":"Condition","id":"c2","subject":{"reference":"Patient/p1"},
           "code":{"text":"uncoded"},"onsetPeriod":{"end":"2026"},"recordedDate":"2025"}
          """,
          """
          {"resourceType":"Condition","id":"c3","subject":{"reference":"Patient/p1"},
           "code":{"coding":[{"system":"http://snomed.info/sct","code":"46635009"}]},
           "onsetAge":{"value":5.0,"unit":"years","system":"http://unitsofmeasure.org","code":"a"}}
          """,
          """
          {"resourceType":"Condition","id":"c4","subject":{"reference":"Patient/p1"},
           "code":{"coding":[{"system":"http://snomed.info/sct","code":"46635009"}]},
           "onsetPeriod":{"start":"2026-02"}}
          """);

  private static final List<String> OBSERVATIONS =
      List.of(
          """
          {"resourceType":"Observation","id":"o1","status":"amended",
           "subject":{"reference":"Patient/p1"},
           "code":{"text":"C-peptide","coding":[{"system":"http://loinc.org","code":"1986-9",
             "display":"C peptide"},{"system":"urn:local","code":"CPEP"}]},
           "effectiveDateTime":"2026-06","valueQuantity":{"value":0.10,"comparator":"<",
             "unit":"nmol/L","system":"http://unitsofmeasure.org","code":"nmol/L"},
           "interpretation":[{"coding":[{"system":"urn:v3","code":"L"},{"code":"nosystem"}]},
             {"text":"only text"},{"coding":[{"system":"urn:v3","code":"POS"}]}],
           "referenceRange":[{"high":{"value":0.7,"unit":"nmol/L"},"text":"0.3-0.7"},
             {"text":"second range"}]}
          """,
          """
          {"resourceType":"Observation","id":"o2","status":"final",
           "subject":{"reference":"Patient/p1"},
           "code":{"coding":[{"system":"http://loinc.org","code":"13926-1"}]},
           "effectivePeriod":{"start":"2026-05-30T22:00:00+02:00"},
           "valueCodeableConcept":{"text":"pos","coding":[{"system":"http://snomed.info/sct",
             "code":"10828004"},{"code":"no-system"},{"system":"urn:x","code":"a b"}]},
           "referenceRange":[{"text":"≤ 15"}]}
          """,
          """
          {"resourceType":"Observation","id":"o3","status":"preliminary",
           "subject":{"reference":"Patient/p1"},"code":{"text":"free text only"},
           "effectivePeriod":{"end":"2026-06-01"},"valueString":"7.1 %"}
          """,
          """
          {"resourceType":"Observation","id":"o4","status":"final",
           "subject":{"reference":"Patient/p1"},
           "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
           "effectiveInstant":"2026-06-01T10:00:00.123+02:00",
           "dataAbsentReason":{"coding":[{"code":"error"}]},
           "referenceRange":[{"high":{"value":15}}]}
          """,
          """
          {"resourceType":"Observation","id":"o5","status":"final",
           "subject":{"reference":"Patient/p1"},
           "code":{"coding":[{"system":"http://loinc.org","code":"39156-5"}]},
           "effectiveDateTime":"2026","valueBoolean":false,
           "interpretation":[{"text":"text only"}]}
          """,
          """
          {"resourceType":"Observation","id":"o6","status":"final",
           "subject":{"reference":"Patient/p1"},
           "code":{"coding":[{"system":"http://loinc.org","code":"39156-5"}]},
           "effectiveDateTime":"2026-06-01","valueQuantity":{"unit":"kg/m2"}}
          """,
          """
          {"resourceType":"Observation","id":"o7","status":"final",
           "subject":{"reference":"Patient/p1"},
           "code":{"coding":[{"system":"http://loinc.org","code":"39156-5"}]},
           "effectiveDateTime":"2026-06-01",
           "valueCodeableConcept":{"text":"no codings"}}
          """);

  @Test
  void aRebuiltConditionHasTheRowsOfTheCondition() {
    for (String json : CONDITIONS) {
      Condition condition = FHIR.newJsonParser().parseResource(Condition.class, json);
      Condition rebuilt = RowResources.condition(rows("Condition", condition));
      assertThat(read("Condition", rebuilt, RowResources.CONDITION_COLUMNS))
          .as(json)
          .isEqualTo(read("Condition", condition, RowResources.CONDITION_COLUMNS));
      assertThat(rebuilt.getIdElement().getValue()).isEqualTo("Condition/" + condition.getIdPart());
    }
  }

  @Test
  void aRebuiltObservationHasTheRowsOfTheObservation() {
    for (String json : OBSERVATIONS) {
      Observation observation = FHIR.newJsonParser().parseResource(Observation.class, json);
      Observation rebuilt = RowResources.observation(rows("Observation", observation));
      assertThat(read("Observation", rebuilt, RowResources.OBSERVATION_COLUMNS))
          .as(json)
          .isEqualTo(read("Observation", observation, RowResources.OBSERVATION_COLUMNS));
      // What the rules ask of elements the projection holds only the existence of.
      assertThat(rebuilt.hasValue()).as(json).isEqualTo(observation.hasValue());
      assertThat(rebuilt.hasInterpretation()).as(json).isEqualTo(observation.hasInterpretation());
      assertThat(rebuilt.getInterpretation()).hasSameSizeAs(observation.getInterpretation());
      assertThat(rebuilt.hasDataAbsentReason()).isEqualTo(observation.hasDataAbsentReason());
      assertThat(rebuilt.getValue() == null ? null : rebuilt.getValue().fhirType())
          .isEqualTo(observation.getValue() == null ? null : observation.getValue().fhirType());
    }
  }

  @Test
  void anObservationIsDatedAsHapiIndexesItsDate() {
    assertThat(span("\"effectiveDateTime\":\"2026-06\"")).containsExactly(20260601, 20260630);
    assertThat(span("\"effectiveDateTime\":\"2024-02\"")).containsExactly(20240201, 20240229);
    assertThat(span("\"effectiveDateTime\":\"2026\"")).containsExactly(20260101, 20261231);
    // As written, not shifted to UTC.
    assertThat(span("\"effectiveDateTime\":\"2026-06-01T23:30:00-05:00\""))
        .containsExactly(20260601, 20260601);
    assertThat(span("\"effectivePeriod\":{\"end\":\"2026-06\"}"))
        .containsExactly(10010101, 20260630);
    assertThat(span("\"effectivePeriod\":{\"start\":\"2026-06-02\"}"))
        .containsExactly(20260602, 90000101);
    assertThat(span("\"effectiveTiming\":{\"event\":[\"2026-06-01\"]}"))
        .containsExactly(null, null);
  }

  private Integer[] span(String effective) {
    Observation observation =
        FHIR.newJsonParser()
            .parseResource(
                Observation.class,
                """
                {"resourceType":"Observation","id":"x","status":"final",
                 "code":{"text":"x"},%s}"""
                    .formatted(effective));
    Map<String, Object> derived =
        DerivedColumns.compute("Observation", rows("Observation", observation).get(0));
    return new Integer[] {
      (Integer) derived.get("EFFECTIVE_LOW"), (Integer) derived.get("EFFECTIVE_HIGH")
    };
  }

  private List<Map<String, Object>> rows(String type, IBaseResource resource) {
    return runner.rows(views.get(type), resource);
  }

  private List<Map<String, Object>> read(
      String type, IBaseResource resource, List<String> columns) {
    return rows(type, resource).stream()
        .map(
            row -> {
              Map<String, Object> read = new LinkedHashMap<>();
              columns.forEach(c -> read.put(c, row.get(c)));
              return read;
            })
        .toList();
  }
}
