package org.trialfhir.outcome;

import static org.trialfhir.outcome.ReportParts.population;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupComponent;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupStratifierComponent;
import org.hl7.fhir.r4.model.MeasureReport.StratifierGroupComponent;

/**
 * The adverse-event table of the endpoint report as a MeasureReport group: the number of events and
 * of subjects having any, by seriousness, severity and relatedness.
 */
final class AdverseEventTables {

  private AdverseEventTables() {}

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
}
