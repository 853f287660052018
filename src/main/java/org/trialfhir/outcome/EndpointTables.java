package org.trialfhir.outcome;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupComponent;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupPopulationComponent;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupStratifierComponent;
import org.hl7.fhir.r4.model.MeasureReport.StratifierGroupComponent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.trialfhir.eligibility.CodeMembership;
import org.trialfhir.eligibility.LabConcept;
import org.trialfhir.eligibility.UnitConverter;
import org.trialfhir.outcome.EndpointReport.Endpoint;
import org.trialfhir.outcome.EndpointReport.Subject;
import org.trialfhir.outcome.VisitSchedule.Visit;

/**
 * The tables of the endpoint report as MeasureReport groups: per endpoint one stratum per visit (n,
 * median as the score; quartiles, changes from baseline and shares as {@link #STATISTIC}
 * extensions), and the adverse events by seriousness, severity and relatedness.
 */
final class EndpointTables {

  static final String STATISTIC =
      "http://trialfhir.org/fhir/StructureDefinition/endpoint-statistic";
  static final String VISIT = "http://trialfhir.org/fhir/CodeSystem/visit";
  private static final String POPULATION =
      "http://terminology.hl7.org/CodeSystem/measure-population";
  private static final MathContext PRECISION = MathContext.DECIMAL64;
  private static final Set<String> RESULT_STATUSES = Set.of("final", "amended", "corrected");

  private final VisitSchedule schedule;
  private final CodeMembership terms;
  private final boolean byArm;

  /** {@code byArm}: add per-arm strata (never for a blinded caller of a masked study). */
  EndpointTables(VisitSchedule schedule, CodeMembership terms, boolean byArm) {
    this.schedule = schedule;
    this.terms = terms;
    this.byArm = byArm;
  }

  MeasureReportGroupComponent endpoint(
      Endpoint endpoint, List<Subject> subjects, Map<String, List<Observation>> observations) {
    Map<String, Map<String, BigDecimal>> byVisit = values(endpoint, subjects, observations);
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
      if (insulin(endpoint.unit())) {
        statistic(
            stratum,
            "insulin-independent",
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

  /** Per visit, per patient, the normalised value of the result nearest the window's centre. */
  private Map<String, Map<String, BigDecimal>> values(
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
        double off =
            visit
                .get()
                .offCentre(java.time.temporal.ChronoUnit.DAYS.between(subject.start(), date));
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
   * ValueSet), else UCUM through the molar mass; "U" and "[IU]" are the same insulin unit.
   */
  static Optional<BigDecimal> normalise(Quantity quantity, Endpoint endpoint, LabConcept concept) {
    if (!quantity.hasValue()) {
      return Optional.empty();
    }
    String from = quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
    if (from == null) {
      return Optional.empty();
    }
    if (insulin(endpoint.unit())) {
      from = from.replace("[IU]", "U");
      return UnitConverter.convert(quantity.getValue(), from, "U/d", null);
    }
    return concept
        .withMolarMass(endpoint.molarMass())
        .convert(quantity.getValue(), from, endpoint.unit());
  }

  static MeasureReportGroupComponent adverseEvents(List<AdverseEvent> events) {
    MeasureReportGroupComponent group = new MeasureReportGroupComponent();
    group.setId("adverse-events");
    group.getCode().setText("Adverse events");
    population(group.addPopulation(), "events", events.size());
    population(group.addPopulation(), "subjects", subjectsOf(events).size());
    stratify(group, "seriousness", ae -> first(ae.getSeriousness()), events);
    stratify(group, "severity", ae -> first(ae.getSeverity()), events);
    stratify(
        group,
        "relatedness",
        ae ->
            ae.getSuspectEntity().stream()
                .flatMap(s -> s.getCausality().stream())
                .map(c -> first(c.getAssessment()))
                .filter(c -> !c.equals("not-assessed"))
                .findFirst()
                .orElse("not-assessed"),
        events);
    return group;
  }

  private static void stratify(
      MeasureReportGroupComponent group,
      String name,
      Function<AdverseEvent, String> key,
      List<AdverseEvent> events) {
    MeasureReportGroupStratifierComponent stratifier = group.addStratifier();
    stratifier.addCode().setText(name);
    Map<String, List<AdverseEvent>> byKey = new LinkedHashMap<>();
    events.forEach(ae -> byKey.computeIfAbsent(key.apply(ae), k -> new ArrayList<>()).add(ae));
    byKey.forEach(
        (value, list) -> {
          StratifierGroupComponent stratum = stratifier.addStratum();
          stratum.getValue().setText(value);
          population(stratum.addPopulation(), "events", list.size());
          population(stratum.addPopulation(), "subjects", subjectsOf(list).size());
        });
  }

  private static Set<String> subjectsOf(List<AdverseEvent> events) {
    Set<String> subjects = new LinkedHashSet<>();
    events.forEach(ae -> subjects.add(ae.getSubject().getReference()));
    return subjects;
  }

  private static String first(CodeableConcept concept) {
    return concept.getCoding().stream()
        .filter(Coding::hasCode)
        .map(Coding::getCode)
        .findFirst()
        .orElse(concept.hasText() ? concept.getText() : "not-assessed");
  }

  private static boolean insulin(String unit) {
    return unit.contains("[IU]") || unit.startsWith("U/");
  }

  private static void population(
      MeasureReportGroupPopulationComponent population, String code, int count) {
    population.setCode(populationCode(code));
    population.setCount(count);
  }

  private static void population(
      org.hl7.fhir.r4.model.MeasureReport.StratifierGroupPopulationComponent population,
      String code,
      int count) {
    population.setCode(populationCode(code));
    population.setCount(count);
  }

  private static CodeableConcept populationCode(String code) {
    // initial-population is HL7's; counts of events and of subjects with any are ours.
    String system =
        "initial-population".equals(code)
            ? POPULATION
            : "http://trialfhir.org/fhir/CodeSystem/report-population";
    return new CodeableConcept(new Coding(system, code, null)).setText(code);
  }

  private static void statistic(
      StratifierGroupComponent stratum, String name, org.hl7.fhir.r4.model.Type value) {
    Extension statistic = stratum.addExtension().setUrl(STATISTIC);
    statistic.addExtension("name", new org.hl7.fhir.r4.model.CodeType(name));
    statistic.addExtension("value", value);
  }

  private static Quantity quantity(BigDecimal value, String unit) {
    return new Quantity()
        .setValue(round(value, 3))
        .setUnit(unit)
        .setSystem("http://unitsofmeasure.org")
        .setCode(unit);
  }

  private static DecimalType percent(int part, int whole) {
    return new DecimalType(
        round(BigDecimal.valueOf(part * 100L).divide(BigDecimal.valueOf(whole), PRECISION), 1));
  }

  private static BigDecimal round(BigDecimal value, int scale) {
    BigDecimal rounded = value.setScale(scale, RoundingMode.HALF_UP).stripTrailingZeros();
    return rounded.scale() < 0 ? rounded.setScale(0) : rounded;
  }
}
