package org.trialfhir.eligibility;

import static org.trialfhir.eligibility.RecordFacts.rangeText;
import static org.trialfhir.eligibility.RecordFacts.ref;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;

/** The rules the Patient resource alone decides: age and administrative gender. */
final class PatientRules {

  private final Patient patient;
  private final LocalDate date;

  PatientRules(Patient patient, LocalDate date) {
    this.patient = patient;
    this.date = date;
  }

  /**
   * Completed units at the reference date, bounds inclusive. A birth date known only to the month
   * or year gives a range of possible ages: decided when all lie on one side of the bounds, else
   * for a person, naming the precision (docs/eligibility-contract.md §3, "Age").
   */
  Finding age(Criterion criterion) {
    List<Reference> evidence = List.of(ref(patient));
    Optional<DateSpan> birth = DateSpan.of(patient.getBirthDateElement());
    if (birth.isEmpty()) {
      return Finding.unknown("No birth date is recorded", evidence)
          .obtaining("the patient's date of birth");
    }
    if (!(criterion.value() instanceof Range range) || !(range.hasLow() || range.hasHigh())) {
      return Finding.unknown("The age criterion has no age range", List.of());
    }
    String code = range.hasLow() ? range.getLow().getCode() : range.getHigh().getCode();
    TimeUnit unit = TimeUnit.ofUcum(code).filter(TimeUnit::calendar).orElse(TimeUnit.YEAR);
    long youngest = unit.between(birth.get().latest(), date);
    long oldest = unit.between(birth.get().earliest(), date);
    Boolean within =
        new Interval(BigDecimal.valueOf(youngest), true, BigDecimal.valueOf(oldest), true)
            .within(Interval.of(range));
    String unitName =
        range.hasLow() ? RecordFacts.unitOf(range.getLow()) : RecordFacts.unitOf(range.getHigh());
    if (birth.get().exact()) {
      String reason =
          "Age %d %s on %s (born %s) is %s %s"
              .formatted(
                  oldest,
                  unitName,
                  date,
                  birth.get().text(),
                  Boolean.TRUE.equals(within) ? "within" : "outside",
                  rangeText(range));
      return Finding.of(within, reason, evidence);
    }
    String ages = youngest == oldest ? String.valueOf(oldest) : youngest + " or " + oldest;
    if (oldest > youngest + 1) {
      ages = youngest + " to " + oldest;
    }
    String head =
        "Age %s %s on %s (born %s, %s)"
            .formatted(ages, unitName, date, birth.get().text(), birth.get().precision());
    String reason =
        within == null
            ? head
                + " may be within or outside "
                + rangeText(range)
                + ": confirm the exact birth date"
            : head + " is " + (within ? "within " : "outside ") + rangeText(range);
    return Finding.of(within, reason, evidence);
  }

  Finding sex(Criterion criterion) {
    String wanted = ((CodeableConcept) criterion.value()).getCodingFirstRep().getCode();
    List<Reference> evidence = List.of(ref(patient));
    if (!patient.hasGender() || patient.getGender() == AdministrativeGender.UNKNOWN) {
      return Finding.unknown("No administrative gender is recorded", evidence)
          .obtaining("the patient's administrative sex");
    }
    String gender = patient.getGender().toCode();
    String reason =
        "Recorded gender " + gender + (gender.equals(wanted) ? " is " : " is not ") + wanted;
    return gender.equals(wanted)
        ? Finding.present(reason, evidence)
        : Finding.absent(reason, evidence);
  }
}
