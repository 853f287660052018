package org.trialfhir.outcome;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.trialfhir.eligibility.CodeMembership;
import org.trialfhir.eligibility.LabConcept;
import org.trialfhir.outcome.EndpointReport.Endpoint;
import org.trialfhir.outcome.EndpointReport.Subject;
import org.trialfhir.outcome.VisitSchedule.Visit;

/**
 * What an endpoint is summarised from: per visit and subject, the value of the result nearest the
 * visit window's centre, in the endpoint's unit. Kept apart from the statistics so that which
 * result counts and how its unit converts can be read (and tested) on their own.
 */
final class EndpointValues {

  private static final Set<String> RESULT_STATUSES = Set.of("final", "amended", "corrected");

  private final VisitSchedule schedule;
  private final CodeMembership terms;

  EndpointValues(VisitSchedule schedule, CodeMembership terms) {
    this.schedule = schedule;
    this.terms = terms;
  }

  /** Per visit, per patient, the normalised value of the result nearest the window's centre. */
  Map<String, Map<String, BigDecimal>> byVisit(
      Endpoint endpoint, List<Subject> subjects, Map<String, List<Observation>> observations) {
    Map<String, Map<String, BigDecimal>> byVisit = new LinkedHashMap<>();
    Map<String, Double> distance = new HashMap<>();
    schedule.visits().forEach(v -> byVisit.put(v.id(), new LinkedHashMap<>()));
    for (Subject subject : subjects) {
      for (Observation o : observations.getOrDefault(subject.patient(), List.of())) {
        if (!o.hasStatus()
            || !RESULT_STATUSES.contains(o.getStatus().toCode())
            || !o.hasEffectiveDateTimeType()
            || o.getEffectiveDateTimeType().getValueAsString().length() < 10
            || !(o.getValue() instanceof Quantity q)
            || !terms.containsAny(o.getCode(), endpoint.valueSet())) {
          continue;
        }
        LocalDate date =
            LocalDate.parse(o.getEffectiveDateTimeType().getValueAsString().substring(0, 10));
        Optional<Visit> visit = schedule.visitOf(subject.start(), date);
        Optional<BigDecimal> value = normalise(q, endpoint, terms.concept(endpoint.valueSet()));
        if (visit.isEmpty() || value.isEmpty()) {
          continue;
        }
        String key = visit.get().id() + "|" + subject.patient();
        double off = visit.get().offCentre(ChronoUnit.DAYS.between(subject.start(), date));
        if (!distance.containsKey(key) || off < distance.get(key)) {
          distance.put(key, off);
          byVisit.get(visit.get().id()).put(subject.patient(), value.get());
        }
      }
    }
    return byVisit;
  }

  /**
   * The value in the endpoint's unit, converted as eligibility converts it: by the lab concept's
   * own relations (HbA1c IFCC mmol/mol to NGSP %, by the master equation kept on the package's
   * ValueSet), its unit aliases (insulin's U is the international unit [IU]), else UCUM through the
   * molar mass.
   */
  static Optional<BigDecimal> normalise(Quantity quantity, Endpoint endpoint, LabConcept concept) {
    if (!quantity.hasValue()) {
      return Optional.empty();
    }
    String from = quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
    if (from == null) {
      return Optional.empty();
    }
    return concept
        .withMolarMass(endpoint.molarMass())
        .convert(quantity.getValue(), from, endpoint.unit());
  }
}
