package org.trialfhir.projection;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Age;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;

/**
 * A Condition or an Observation rebuilt from its rows in the projection, carrying every element the
 * eligibility rules read (docs/projection.md lists them) exactly as the resource has it, and
 * nothing else. Its id is the resource's, without a version, as the evidence of a verdict names it.
 */
final class RowResources {

  /** What the rules read of a Condition: the columns of its table read here. */
  static final List<String> CONDITION_COLUMNS =
      List.of(
          "id",
          "patient_id",
          "verification_codes",
          "clinical_codes",
          "onset_date_time",
          "onset_period_start",
          "onset_age_value",
          "onset_age_code",
          "recorded_date",
          "code_text",
          "code_system",
          "code",
          "code_display");

  /** What the rules read of an Observation: the columns of its table read here. */
  static final List<String> OBSERVATION_COLUMNS =
      List.of(
          "id",
          "patient_id",
          "status",
          "value_type",
          "value_decimal",
          "value_comparator",
          "value_code",
          "value_unit",
          "value_codings",
          "interpretations",
          "data_absent",
          "effective_date_time",
          "effective_period_start",
          "effective_instant",
          "range_high_value",
          "range_high_code",
          "range_high_unit",
          "range_text",
          "code_text",
          "code_system",
          "code",
          "code_display");

  /**
   * Marks an element the resource has but of which the projection holds nothing the rules read (a
   * dataAbsentReason, an interpretation without codings, a quantity without value, code or unit):
   * the rules ask only whether it is there. Never shown to anyone.
   */
  static final String PRESENT = "http://trialfhir.org/fhir/StructureDefinition/projection-present";

  /** How a collection column writes a coding: system, tab, code (neither may hold a tab). */
  private static final String TAB = "\t";

  /** How the interpretations column starts each interpretation. */
  private static final String NEXT = "#";

  private RowResources() {}

  /** The Condition of these rows (one per coding of its code, in order). */
  static Condition condition(List<Map<String, Object>> rows) {
    Map<String, Object> first = rows.get(0);
    Condition condition = new Condition();
    condition.setId("Condition/" + first.get("id"));
    condition.setSubject(new Reference("Patient/" + first.get("patient_id")));
    condition.setCode(code(rows));
    codes(first.get("clinical_codes"))
        .forEach(c -> condition.getClinicalStatus().addCoding().setCode(c));
    codes(first.get("verification_codes"))
        .forEach(c -> condition.getVerificationStatus().addCoding().setCode(c));
    if (first.get("onset_date_time") instanceof String onset) {
      condition.setOnset(new DateTimeType(onset));
    } else if (first.get("onset_period_start") instanceof String start) {
      condition.setOnset(new Period().setStartElement(new DateTimeType(start)));
    } else if (first.get("onset_age_value") != null || first.get("onset_age_code") != null) {
      Age age = new Age();
      if (first.get("onset_age_value") instanceof String value) {
        age.setValueElement(new DecimalType(value));
      }
      age.setCode((String) first.get("onset_age_code"));
      condition.setOnset(age);
    }
    if (first.get("recorded_date") instanceof String recorded) {
      condition.setRecordedDateElement(new DateTimeType(recorded));
    }
    return condition;
  }

  /** The Observation of these rows (one per coding of its code, in order). */
  static Observation observation(List<Map<String, Object>> rows) {
    Map<String, Object> first = rows.get(0);
    Observation observation = new Observation();
    observation.setId("Observation/" + first.get("id"));
    observation.setSubject(new Reference("Patient/" + first.get("patient_id")));
    observation.setCode(code(rows));
    if (first.get("status") instanceof String status) {
      observation.getStatusElement().setValueAsString(status);
    }
    observation.setValue(value(first));
    if (Boolean.TRUE.equals(first.get("data_absent"))) {
      observation.setDataAbsentReason(present(new CodeableConcept()));
    }
    interpretations(first.get("interpretations")).forEach(observation::addInterpretation);
    if (first.get("effective_date_time") instanceof String dateTime) {
      observation.setEffective(new DateTimeType(dateTime));
    } else if (first.get("effective_instant") instanceof String instant) {
      observation.setEffective(new InstantType(instant));
    } else if (first.get("effective_period_start") instanceof String start) {
      // A period's end decides only which Observations are in the record (see DerivedColumns).
      observation.setEffective(new Period().setStartElement(new DateTimeType(start)));
    }
    referenceRange(first, observation);
    return observation;
  }

  private static CodeableConcept code(List<Map<String, Object>> rows) {
    CodeableConcept code = new CodeableConcept();
    if (rows.get(0).get("code_text") instanceof String text) {
      code.setText(text);
    }
    for (Map<String, Object> row : rows) {
      if (row.get("code_system") != null
          || row.get("code") != null
          || row.get("code_display") != null) {
        code.addCoding()
            .setSystem((String) row.get("code_system"))
            .setCode((String) row.get("code"))
            .setDisplay((String) row.get("code_display"));
      }
    }
    return code;
  }

  private static Type value(Map<String, Object> row) {
    Object type = row.get("value_type");
    if (type == null) {
      return null;
    }
    if ("Quantity".equals(type)) {
      Quantity quantity = new Quantity();
      if (row.get("value_decimal") instanceof String value) {
        quantity.setValueElement(new DecimalType(value));
      }
      if (row.get("value_comparator") instanceof String comparator) {
        quantity.setComparator(Quantity.QuantityComparator.fromCode(comparator));
      }
      quantity.setCode((String) row.get("value_code"));
      quantity.setUnit((String) row.get("value_unit"));
      return present(quantity);
    }
    if ("CodeableConcept".equals(type)) {
      return concept(codes(row.get("value_codings")));
    }
    // A string, a boolean, a Range…: the rules read only that there is a value, and not a number.
    var definition = FhirContext.forR4Cached().getElementDefinition((String) type);
    return present(
        definition != null && definition.newInstance() instanceof Type other
            ? other
            : new StringType());
  }

  /** The interpretations, in order: each is # followed by its codings. */
  private static List<CodeableConcept> interpretations(Object column) {
    List<CodeableConcept> interpretations = new java.util.ArrayList<>();
    List<String> codings = null;
    for (String value : codes(column)) {
      if (NEXT.equals(value)) {
        if (codings != null) {
          interpretations.add(concept(codings));
        }
        codings = new java.util.ArrayList<>();
      } else if (codings != null) {
        codings.add(value);
      }
    }
    if (codings != null) {
      interpretations.add(concept(codings));
    }
    return interpretations;
  }

  /** A concept with these codings (system tab code); one without any still exists, as recorded. */
  private static CodeableConcept concept(List<String> codings) {
    CodeableConcept concept = new CodeableConcept();
    for (String coding : codings) {
      int tab = coding.indexOf(TAB);
      concept.addCoding().setSystem(coding.substring(0, tab)).setCode(coding.substring(tab + 1));
    }
    return present(concept);
  }

  private static void referenceRange(Map<String, Object> row, Observation observation) {
    boolean high =
        row.get("range_high_value") != null
            || row.get("range_high_code") != null
            || row.get("range_high_unit") != null;
    if (!high && row.get("range_text") == null) {
      return;
    }
    Observation.ObservationReferenceRangeComponent range = observation.addReferenceRange();
    if (high) {
      Quantity limit = range.getHigh();
      if (row.get("range_high_value") instanceof String value) {
        limit.setValueElement(new DecimalType(value));
      }
      limit.setCode((String) row.get("range_high_code"));
      limit.setUnit((String) row.get("range_high_unit"));
    }
    if (row.get("range_text") instanceof String text) {
      range.setText(text);
    }
  }

  /** The element, marked {@link #PRESENT} when it holds nothing else (so that it exists). */
  private static <T extends org.hl7.fhir.r4.model.Element> T present(T element) {
    if (element.isEmpty()) {
      element.addExtension(PRESENT, new org.hl7.fhir.r4.model.BooleanType(true));
    }
    return element;
  }

  private static List<String> codes(Object column) {
    return JsonLists.read((String) column);
  }
}
