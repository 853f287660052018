package org.trialfhir.projection;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;

/**
 * The resources coded with given codes of many patients at once, for {@code $screen}'s set-based
 * step: one query per criterion (per thousand codes), read and shown to the caller as {@link
 * ProjectionRecords} reads a record, and leaving out a patient for the same reasons.
 */
public class CodedRecords {

  private static final List<String> OBSERVATION_FLAGS =
      List.of("labelled", "effective_timing", ProjectionRecords.INVERTED);

  private final ProjectionReads reads;
  private final ProjectionRecords records;

  CodedRecords(ProjectionReads reads, ProjectionRecords records) {
    this.reads = reads;
    this.records = records;
  }

  /**
   * For population screening ({@code $screen}'s set-based step): of these patients, the Conditions
   * coded with one of these code values (each resource whole, with all its codings), by patient;
   * one query for all the patients, whatever their number. A patient the answer leaves out (the
   * same rules as {@link ProjectionRecords#conditions}) must be judged otherwise; an answered
   * patient without such a Condition has an empty list. Every resource used is shown to the caller
   * first.
   */
  public Map<String, List<Condition>> codedConditions(
      Collection<String> patients, Collection<String> codes, int most, RequestDetails request) {
    return coded(
        "TRIALFHIR_PX_CONDITION",
        RowResources.CONDITION_COLUMNS,
        ProjectionRecords.CONDITION_FLAGS,
        "",
        List.of(),
        patients,
        codes,
        most,
        RowResources::condition,
        request);
  }

  /**
   * As {@link #codedConditions}, for the Observations whose date, as written, may be a day from
   * {@code from} to {@code to} (every Observation a look-back window's rule may count, and those
   * dated by a Timing, which send their patient to the resources). A patient with an Observation
   * whose period ends before it starts is left out too: whether the record read for the patient
   * holds it depends on the other criteria's windows.
   */
  public Map<String, List<Observation>> codedObservations(
      Collection<String> patients,
      Collection<String> codes,
      LocalDate from,
      LocalDate to,
      int most,
      RequestDetails request) {
    return coded(
        "TRIALFHIR_PX_OBSERVATION",
        RowResources.OBSERVATION_COLUMNS,
        OBSERVATION_FLAGS,
        " AND ((EFFECTIVE_LOW >= ? AND EFFECTIVE_LOW <= ?) OR EFFECTIVE_TIMING = TRUE)",
        List.of(ProjectionRecords.day(from), ProjectionRecords.day(to)),
        patients,
        codes,
        most,
        RowResources::observation,
        request);
  }

  private <T extends Resource> Map<String, List<T>> coded(
      String table,
      List<String> columns,
      List<String> flags,
      String window,
      List<Object> windowArguments,
      Collection<String> patients,
      Collection<String> codes,
      int most,
      Function<List<Map<String, Object>>, T> rebuild,
      RequestDetails request) {
    if (!reads.available() || patients.isEmpty()) {
      return Map.of();
    }
    if (codes.isEmpty()) {
      // Nothing so coded is held: every patient's answer is empty, without a query.
      Map<String, List<T>> none = new LinkedHashMap<>();
      patients.forEach(p -> none.put(p, List.of()));
      return none;
    }
    List<String> values = List.copyOf(new LinkedHashSet<>(codes));
    Map<String, List<T>> coded = new LinkedHashMap<>();
    Set<String> left = new HashSet<>();
    // One query per page of code values (a ValueSet's held codes are seldom over a page).
    for (int from = 0; from < values.size(); from += ProjectionRecords.PAGE) {
      List<String> page =
          values.subList(from, Math.min(values.size(), from + ProjectionRecords.PAGE));
      List<Object> arguments = new ArrayList<>(page);
      arguments.addAll(windowArguments);
      Map<String, List<T>> answered =
          records.read(
              table,
              columns,
              flags,
              "ID IN (SELECT ID FROM "
                  + table
                  + " WHERE CODE IN ("
                  + String.join(", ", Collections.nCopies(page.size(), "?"))
                  + "))",
              window,
              arguments,
              patients,
              most,
              rebuild,
              request);
      for (String patient : patients) {
        List<T> found = answered.get(patient);
        if (found == null) {
          left.add(patient);
        } else {
          // A resource with codes on two pages comes twice: once is what the record holds.
          List<T> record = coded.computeIfAbsent(patient, p -> new ArrayList<>());
          Set<String> ids = new HashSet<>();
          record.forEach(r -> ids.add(r.getIdElement().getValue()));
          found.stream().filter(r -> ids.add(r.getIdElement().getValue())).forEach(record::add);
        }
      }
    }
    left.forEach(coded::remove);
    return coded;
  }
}
