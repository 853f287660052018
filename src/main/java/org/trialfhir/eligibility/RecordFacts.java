package org.trialfhir.eligibility;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;

/** Small readings of FHIR data that the evaluation rules share. */
final class RecordFacts {

  static final String SNOMED = "http://snomed.info/sct";
  static final Set<String> VALID_OBSERVATION_STATUS = Set.of("final", "amended", "corrected");
  private static final Set<String> ACTIVE_CLINICAL_STATUS =
      Set.of("active", "recurrence", "relapse");
  static final Set<String> DISCOUNTED_VERIFICATION = Set.of("refuted", "entered-in-error");

  private RecordFacts() {}

  /** The calendar date as written (no time-zone shift); empty below day precision. */
  static Optional<LocalDate> date(Type type) {
    if (type instanceof BaseDateTimeType dateTime && dateTime.getValue() != null) {
      if (dateTime.getPrecision().ordinal() < TemporalPrecisionEnum.DAY.ordinal()) {
        return Optional.empty();
      }
      return Optional.of(LocalDate.parse(dateTime.getValueAsString().substring(0, 10)));
    }
    if (type instanceof Period period && period.hasStart()) {
      return date(period.getStartElement());
    }
    return Optional.empty();
  }

  /** When the sample was taken: effectiveDateTime, effectivePeriod.start or effectiveInstant. */
  static Optional<LocalDate> effectiveDate(Observation observation) {
    return date(observation.getEffective());
  }

  /** final / amended / corrected, with a value rather than a dataAbsentReason. */
  static boolean usable(Observation observation) {
    return observation.hasStatus()
        && VALID_OBSERVATION_STATUS.contains(observation.getStatus().toCode())
        && observation.hasValue()
        && !observation.hasDataAbsentReason();
  }

  static boolean counts(Condition condition) {
    return condition.getVerificationStatus().getCoding().stream()
        .noneMatch(c -> DISCOUNTED_VERIFICATION.contains(c.getCode()));
  }

  static boolean active(Condition condition) {
    return condition.getClinicalStatus().getCoding().stream()
        .anyMatch(c -> ACTIVE_CLINICAL_STATUS.contains(c.getCode()));
  }

  /** "Type 1 diabetes mellitus (SNOMED CT 46635009)" style, for reasons. */
  static String describe(CodeableConcept concept) {
    Coding first = concept.getCodingFirstRep();
    String text = concept.hasText() ? concept.getText() : first.getDisplay();
    String code = first.hasCode() ? systemName(first.getSystem()) + " " + first.getCode() : null;
    if (text == null) {
      return code == null ? "(uncoded)" : code;
    }
    return code == null ? text : text + " (" + code + ")";
  }

  static String systemName(String system) {
    if (system == null) {
      return "";
    }
    return switch (system) {
      case SNOMED -> "SNOMED CT";
      case "http://loinc.org" -> "LOINC";
      case "http://hl7.org/fhir/sid/icd-10-cm" -> "ICD-10-CM";
      case "http://trialfhir.org/fhir/CodeSystem/trial-lab" -> "trial-lab";
      default -> system;
    };
  }

  /** A quantity as "0.08 nmol/L". */
  static String show(Quantity quantity) {
    return quantity.getValue().stripTrailingZeros().toPlainString() + " " + unitOf(quantity);
  }

  /** A reported value with its comparator: "<0.1 nmol/L" for a result beyond a detection limit. */
  static String showReported(Quantity quantity) {
    return (quantity.hasComparator() ? quantity.getComparator().toCode() : "") + show(quantity);
  }

  /** The unit to convert from: the UCUM code, else the unit as written. */
  static String unitCode(Quantity quantity) {
    return quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
  }

  static String unitOf(Quantity quantity) {
    return quantity.hasUnit() ? quantity.getUnit() : quantity.getCode();
  }

  static Reference ref(Resource resource) {
    return new Reference(resource.getIdElement().toUnqualifiedVersionless().getValue());
  }

  static List<Reference> refs(List<? extends Resource> resources) {
    return resources.stream().map(RecordFacts::ref).toList();
  }

  static String round(BigDecimal value) {
    return value.round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }

  static String rangeText(Range range) {
    if (range.hasLow() && range.hasHigh()) {
      return show(range.getLow()).replace(" " + RecordFacts.unitOf(range.getLow()), "")
          + " to "
          + show(range.getHigh());
    }
    return range.hasLow() ? "at least " + show(range.getLow()) : "at most " + show(range.getHigh());
  }
}
