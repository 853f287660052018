package org.trialfhir.outcome;

import static org.trialfhir.outcome.ReportParts.percent;
import static org.trialfhir.outcome.ReportParts.population;
import static org.trialfhir.outcome.ReportParts.quantity;
import static org.trialfhir.outcome.ReportParts.round;
import static org.trialfhir.outcome.ReportParts.statistic;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupComponent;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupStratifierComponent;
import org.hl7.fhir.r4.model.MeasureReport.StratifierGroupComponent;
import org.hl7.fhir.r4.model.Observation;
import org.trialfhir.eligibility.CodeMembership;
import org.trialfhir.outcome.EndpointReport.Endpoint;
import org.trialfhir.outcome.EndpointReport.Subject;
import org.trialfhir.outcome.VisitSchedule.Visit;

/**
 * The endpoint tables of the report as MeasureReport groups: per endpoint one stratum per visit (n,
 * median as the score; quartiles, changes from baseline and shares as {@link ReportParts#STATISTIC}
 * extensions), and per arm and visit where the caller may see arms. The values come from {@link
 * EndpointValues}, the adverse events have their own table ({@link AdverseEventTables}).
 */
final class EndpointTables {

  static final String VISIT = "http://trialfhir.org/fhir/CodeSystem/visit";

  private final VisitSchedule schedule;
  private final EndpointValues endpointValues;
  private final boolean byArm;

  /** {@code byArm}: add per-arm strata (never for a blinded caller of a masked study). */
  EndpointTables(VisitSchedule schedule, CodeMembership terms, boolean byArm) {
    this.schedule = schedule;
    this.endpointValues = new EndpointValues(schedule, terms);
    this.byArm = byArm;
  }

  MeasureReportGroupComponent endpoint(
      Endpoint endpoint, List<Subject> subjects, Map<String, List<Observation>> observations) {
    Map<String, Map<String, BigDecimal>> byVisit =
        endpointValues.byVisit(endpoint, subjects, observations);
    MeasureReportGroupComponent group = new MeasureReportGroupComponent();
    group.setId(endpoint.group().getId());
    group.setCode(endpoint.group().getCode().copy());
    Set<String> anyone = new LinkedHashSet<>();
    byVisit.values().forEach(v -> anyone.addAll(v.keySet()));
    population(group.addPopulation(), "initial-population", anyone.size());
    MeasureReportGroupStratifierComponent visits = group.addStratifier();
    visits.addCode().setText("visit");
    Map<String, BigDecimal> baseline = byVisit.get(schedule.baseline().id());
    for (Visit visit : schedule.visits()) {
      Map<String, BigDecimal> values = byVisit.get(visit.id());
      StratifierGroupComponent stratum = visits.addStratum();
      stratum.setValue(
          new CodeableConcept(new Coding(VISIT, visit.id(), visit.title())).setText(visit.title()));
      population(stratum.addPopulation(), "initial-population", values.size());
      if (values.isEmpty()) {
        continue;
      }
      List<BigDecimal> sample = List.copyOf(values.values());
      BigDecimal median = Statistics.median(sample);
      stratum.setMeasureScore(quantity(median, endpoint.unit()));
      statistic(stratum, "q1", quantity(Statistics.quantile(sample, 0.25), endpoint.unit()));
      statistic(stratum, "q3", quantity(Statistics.quantile(sample, 0.75), endpoint.unit()));
      if (!visit.equals(schedule.baseline()) && !baseline.isEmpty()) {
        List<BigDecimal> changes = new ArrayList<>();
        int belowBaseline = 0;
        for (Map.Entry<String, BigDecimal> e : values.entrySet()) {
          BigDecimal own = baseline.get(e.getKey());
          if (own != null) {
            changes.add(e.getValue().subtract(own));
            belowBaseline += e.getValue().compareTo(own) < 0 ? 1 : 0;
          }
        }
        if (!changes.isEmpty()) {
          statistic(
              stratum, "median-change", quantity(Statistics.median(changes), endpoint.unit()));
          statistic(stratum, "below-baseline", new IntegerType(belowBaseline));
          statistic(stratum, "below-baseline-percent", percent(belowBaseline, changes.size()));
        }
        BigDecimal change =
            Statistics.percentChange(Statistics.median(List.copyOf(baseline.values())), median);
        if (change != null) {
          statistic(stratum, "percent-change", new DecimalType(round(change, 1)));
        }
      }
      if (endpoint.threshold() != null) {
        int below =
            (int) sample.stream().filter(v -> v.compareTo(endpoint.threshold()) < 0).count();
        statistic(stratum, "below-threshold", new IntegerType(below));
        statistic(stratum, "below-threshold-percent", percent(below, sample.size()));
      }
      if (endpoint.zeroMeans() != null) {
        // What a value of 0 means is the Measure's to say (a daily insulin dose of 0:
        // insulin-independent), not the code's.
        statistic(
            stratum,
            endpoint.zeroMeans(),
            new IntegerType((int) sample.stream().filter(v -> v.signum() == 0).count()));
      }
    }
    if (byArm) {
      armStrata(group, endpoint, subjects, byVisit);
    }
    return group;
  }

  /** Stratifier "arm-visit": n and median per arm and visit (components arm and visit). */
  private void armStrata(
      MeasureReportGroupComponent group,
      Endpoint endpoint,
      List<Subject> subjects,
      Map<String, Map<String, BigDecimal>> byVisit) {
    Map<String, String> armOf = new HashMap<>();
    subjects.stream().filter(s -> s.arm() != null).forEach(s -> armOf.put(s.patient(), s.arm()));
    MeasureReportGroupStratifierComponent arms = group.addStratifier();
    arms.addCode().setText("arm");
    arms.addCode().setText("visit");
    for (String arm : new LinkedHashSet<>(armOf.values())) {
      for (Visit visit : schedule.visits()) {
        List<BigDecimal> sample =
            byVisit.get(visit.id()).entrySet().stream()
                .filter(e -> arm.equals(armOf.get(e.getKey())))
                .map(Map.Entry::getValue)
                .toList();
        StratifierGroupComponent stratum = arms.addStratum();
        stratum
            .addComponent()
            .setCode(new CodeableConcept().setText("arm"))
            .setValue(new CodeableConcept().setText(arm));
        stratum
            .addComponent()
            .setCode(new CodeableConcept().setText("visit"))
            .setValue(new CodeableConcept(new Coding(VISIT, visit.id(), visit.title())));
        population(stratum.addPopulation(), "initial-population", sample.size());
        if (!sample.isEmpty()) {
          stratum.setMeasureScore(quantity(Statistics.median(sample), endpoint.unit()));
        }
      }
    }
  }
}
