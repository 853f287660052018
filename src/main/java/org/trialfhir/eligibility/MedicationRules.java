package org.trialfhir.eligibility;

import static org.trialfhir.eligibility.RecordFacts.describe;
import static org.trialfhir.eligibility.RecordFacts.refs;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;

/**
 * The {@code medication} kind: a medication or vaccine of the criterion's ValueSet taken within a
 * period before the reference date ("immunosuppressants in the last 3 months", "a live vaccine
 * within 4 weeks"), read from MedicationRequest, MedicationStatement and Immunization. Closed
 * world, like conditions: what the record does not hold, the patient did not take. A use whose
 * dates are known only to the month or year, and may or may not reach into the period, is for a
 * person; a matching record without any date is missing data; a record that names its medication
 * only by reference (a Medication resource the criteria do not read) is for a person.
 */
final class MedicationRules {

  private static final Set<String> REQUEST_DISCOUNTED =
      Set.of("entered-in-error", "cancelled", "draft");
  private static final Set<String> REQUEST_ONGOING = Set.of("active", "on-hold");
  private static final Set<String> STATEMENT_DISCOUNTED =
      Set.of("entered-in-error", "not-taken", "intended");
  private static final Set<String> STATEMENT_ONGOING = Set.of("active", "on-hold");

  /** When a record says the medication was taken: from the first to the last possible day. */
  private record Use(Resource resource, DateSpan start, DateSpan end) {}

  private final PatientRecord record;
  private final LocalDate date;
  private final CodeMembership terms;

  MedicationRules(PatientRecord record, LocalDate date, CodeMembership terms) {
    this.record = record;
    this.date = date;
    this.terms = terms;
  }

  Finding takenWithin(Criterion criterion) {
    Quantity within = (Quantity) criterion.value();
    Window window = new Window(within.getValue().intValueExact(), within.getCode());
    LocalDate from = window.start(date);
    String what = "\"" + terms.title(criterion.valueSet()) + "\"";
    List<Resource> counted = record.medications().stream().filter(MedicationRules::counts).toList();
    List<Resource> matching =
        counted.stream()
            .filter(r -> code(r) != null && terms.containsAny(code(r), criterion.valueSet()))
            .toList();
    List<Resource> byReference = counted.stream().filter(r -> code(r) == null).toList();
    List<Resource> inside = new ArrayList<>();
    List<Resource> maybe = new ArrayList<>();
    List<Resource> undated = new ArrayList<>();
    for (Resource r : matching) {
      Optional<Use> use = use(r);
      if (use.isEmpty()) {
        undated.add(r);
        continue;
      }
      LocalDate startEarliest = use.get().start().earliest();
      LocalDate startLatest = use.get().start().latest();
      LocalDate endEarliest = use.get().end().earliest();
      LocalDate endLatest = use.get().end().latest();
      boolean certainly = !startLatest.isAfter(date) && !endEarliest.isBefore(from);
      boolean never = startEarliest.isAfter(date) || endLatest.isBefore(from);
      if (certainly) {
        inside.add(r);
      } else if (!never) {
        maybe.add(r);
      }
    }
    String period = "in the " + window.describe() + " before " + date;
    if (!inside.isEmpty()) {
      return Finding.present(describeAll(inside) + " is recorded " + period, refs(inside));
    }
    if (!maybe.isEmpty()) {
      return Finding.review(
          describeAll(maybe)
              + " is recorded with a date known only to the month or year that may or may not be "
              + period
              + ": confirm the dates",
          refs(maybe));
    }
    if (!undated.isEmpty()) {
      return Finding.unknown(
              describeAll(undated)
                  + " is recorded without a date: whether it was "
                  + period
                  + " is unknown",
              refs(undated))
          .obtaining("the dates of " + describeAll(undated));
    }
    if (!byReference.isEmpty()) {
      return Finding.review(
          "No medication or vaccination matching "
              + what
              + " is recorded "
              + period
              + ", but "
              + byReference.size()
              + " name"
              + (byReference.size() == 1 ? "s" : "")
              + " the medication only by reference: confirm whether it is one",
          refs(byReference));
    }
    return Finding.absent(
        "No medication or vaccination matching " + what + " is recorded " + period,
        matching.isEmpty() ? List.of() : refs(matching));
  }

  private static boolean counts(Resource r) {
    if (r instanceof MedicationRequest m) {
      return !m.hasStatus() || !REQUEST_DISCOUNTED.contains(m.getStatus().toCode());
    }
    if (r instanceof MedicationStatement m) {
      return !m.hasStatus() || !STATEMENT_DISCOUNTED.contains(m.getStatus().toCode());
    }
    if (r instanceof Immunization i) {
      return i.hasStatus() && i.getStatus() == Immunization.ImmunizationStatus.COMPLETED;
    }
    return false;
  }

  /** The medication's code; null when named only by reference to a Medication resource. */
  private static CodeableConcept code(Resource r) {
    if (r instanceof MedicationRequest m) {
      return m.hasMedicationCodeableConcept() ? m.getMedicationCodeableConcept() : null;
    }
    if (r instanceof MedicationStatement m) {
      return m.hasMedicationCodeableConcept() ? m.getMedicationCodeableConcept() : null;
    }
    return ((Immunization) r).getVaccineCode();
  }

  /**
   * Immunization: the day given. MedicationStatement: its effective date or period (an open period
   * of an active statement runs to the reference date). MedicationRequest: from authoredOn (else
   * the dosage or validity period's start) to the dosage or validity period's end; an active or
   * on-hold request runs to the reference date.
   */
  private Optional<Use> use(Resource r) {
    if (r instanceof Immunization i) {
      return DateSpan.of(i.getOccurrence()).map(d -> new Use(r, d, d));
    }
    if (r instanceof MedicationStatement m) {
      boolean ongoing = m.hasStatus() && STATEMENT_ONGOING.contains(m.getStatus().toCode());
      if (m.hasEffectivePeriod()) {
        return span(r, m.getEffectivePeriod(), null, ongoing);
      }
      return DateSpan.of(m.getEffective())
          .map(d -> new Use(r, d, ongoing ? DateSpan.day(later(d.latest(), date)) : d));
    }
    MedicationRequest m = (MedicationRequest) r;
    boolean ongoing = m.hasStatus() && REQUEST_ONGOING.contains(m.getStatus().toCode());
    Period bounds =
        m.getDosageInstruction().stream()
            .filter(d -> d.getTiming().getRepeat().hasBoundsPeriod())
            .map(d -> d.getTiming().getRepeat().getBoundsPeriod())
            .findFirst()
            .orElse(m.getDispenseRequest().getValidityPeriod());
    Optional<DateSpan> authored = DateSpan.of(m.getAuthoredOnElement());
    return span(r, bounds, authored.orElse(null), ongoing);
  }

  private Optional<Use> span(Resource r, Period period, DateSpan first, boolean ongoing) {
    Optional<DateSpan> start =
        first != null ? Optional.of(first) : DateSpan.of(period.getStartElement());
    if (start.isEmpty()) {
      return Optional.empty();
    }
    Optional<DateSpan> end = DateSpan.of(period.getEndElement());
    DateSpan last;
    if (ongoing) {
      last = DateSpan.day(later(start.get().latest(), date));
    } else {
      last = end.orElse(start.get());
    }
    return Optional.of(new Use(r, start.get(), last));
  }

  private static LocalDate later(LocalDate a, LocalDate b) {
    return a.isAfter(b) ? a : b;
  }

  private static String describeAll(List<Resource> resources) {
    return resources.stream()
        .map(r -> code(r) == null ? r.fhirType() : describe(code(r)))
        .distinct()
        .reduce((a, b) -> a + ", " + b)
        .orElse("");
  }
}
