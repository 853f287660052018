package org.trialfhir.projection;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The parts of patients' records that the projection holds, for {@code $eligibility} and the full
 * evaluation of {@code $screen}: their Conditions, and their Observations dated in a window, each
 * rebuilt from its rows with every element the rules read ({@link RowResources}), read with one
 * query per table for all the patients asked about. AllergyIntolerance and Consent are not in the
 * projection: those parts of a record are always read from the resources.
 *
 * <p>The answer is by patient; a patient it leaves out is read from the resources. It leaves out
 * every patient when the projection may not answer at all ({@link ProjectionReads#available()}),
 * and a patient when one of their rows carries a security label (blinding may hide it from the
 * caller), an Observation is dated by a Timing (not held), a resource is withheld from the caller,
 * or they have more than {@code most} resources (the resources say what then). Every resource used
 * is first shown to the caller through the read hooks ({@link CallerRights}): one the caller may
 * not read is a 403, as from the search it replaces.
 */
public class ProjectionRecords {

  static final int PAGE = 1000;

  /** Flags of a row that send its patient's part of the record to the resources. */
  static final List<String> CONDITION_FLAGS = List.of("labelled");

  static final List<String> OBSERVATION_FLAGS = List.of("labelled", "effective_timing");

  /**
   * An Observation whose period ends before it starts: whether a record read by a look-back window
   * holds it depends on that window's start, not only on the day the rules read.
   */
  static final String INVERTED = "inverted";

  private static final Set<String> BOOLEANS =
      Set.of("data_absent", "labelled", "effective_timing", INVERTED);

  private final ProjectionReads reads;
  private final JdbcTemplate jdbc;
  private final CallerRights rights;

  ProjectionRecords(ProjectionReads reads, ProjectionTables tables, CallerRights rights) {
    this.reads = reads;
    this.jdbc = tables.jdbc();
    this.rights = rights;
  }

  /** These patients' Conditions, by patient, in the order they were stored. */
  public Map<String, List<Condition>> conditions(
      List<String> patients, int most, RequestDetails request) {
    return read(
        "TRIALFHIR_PX_CONDITION",
        RowResources.CONDITION_COLUMNS,
        CONDITION_FLAGS,
        "",
        List.of(),
        patients,
        most,
        RowResources::condition,
        request);
  }

  /**
   * These patients' Observations dated from {@code from} to {@code to}, by patient, in the order
   * they were stored: those a search by {@code date=ge[from]&date=le[to]} finds, an Observation
   * dated to the month or by a period being in when any day of it is.
   */
  public Map<String, List<Observation>> observations(
      List<String> patients, LocalDate from, LocalDate to, int most, RequestDetails request) {
    return read(
        "TRIALFHIR_PX_OBSERVATION",
        RowResources.OBSERVATION_COLUMNS,
        OBSERVATION_FLAGS,
        " AND ((EFFECTIVE_HIGH >= ? AND EFFECTIVE_LOW <= ?) OR EFFECTIVE_TIMING = TRUE)",
        List.of(day(from), day(to)),
        patients,
        most,
        RowResources::observation,
        request);
  }

  private <T extends Resource> Map<String, List<T>> read(
      String table,
      List<String> columns,
      List<String> flags,
      String window,
      List<Object> windowArguments,
      List<String> patients,
      int most,
      Function<List<Map<String, Object>>, T> rebuild,
      RequestDetails request) {
    return read(
        table, columns, flags, null, window, windowArguments, patients, most, rebuild, request);
  }

  /**
   * The records of these patients from the table: the rows of a page of patients at a time that
   * {@code where} (when not null) and {@code window} select; with {@code where}, over a page of
   * patients, the rows they select in one query, of which those of other patients are skipped.
   */
  <T extends Resource> Map<String, List<T>> read(
      String table,
      List<String> columns,
      List<String> flags,
      String where,
      String window,
      List<Object> windowArguments,
      Collection<String> asked,
      int most,
      Function<List<Map<String, Object>>, T> rebuild,
      RequestDetails request) {
    if (!reads.available() || asked.isEmpty()) {
      return Map.of();
    }
    List<String> patients = List.copyOf(asked);
    List<String> selected = new ArrayList<>(columns);
    selected.addAll(flags);
    // patient → resource id → its rows, in the order the resources were stored
    Map<String, Map<String, List<Map<String, Object>>>> rows = new LinkedHashMap<>();
    patients.forEach(p -> rows.put(p, new LinkedHashMap<>()));
    Set<String> toResources = new HashSet<>();
    // Over a page of patients, one query selects every row so wanted, whoever it is about.
    boolean byPatient = where == null || patients.size() <= PAGE;
    int pageSize = byPatient ? PAGE : patients.size();
    for (int from = 0; from < patients.size(); from += pageSize) {
      List<String> page = patients.subList(from, Math.min(patients.size(), from + pageSize));
      List<Object> arguments = new ArrayList<>(byPatient ? page : List.of());
      arguments.addAll(windowArguments);
      jdbc.query(
          "SELECT "
              + String.join(
                  ", ", selected.stream().map(ProjectionRecords::selectExpression).toList())
              + " FROM "
              + table
              + (byPatient
                  ? " WHERE PATIENT_ID IN ("
                      + String.join(", ", Collections.nCopies(page.size(), "?"))
                      + ")"
                  : " WHERE PATIENT_ID IS NOT NULL")
              + (where == null ? "" : " AND " + where)
              + window
              + " ORDER BY PATIENT_ID, RESOURCE_PID NULLS LAST, ID, ROW_NO",
          rs -> {
            Map<String, Object> row = new LinkedHashMap<>();
            for (String column : selected) {
              String sqlName = column.toUpperCase(Locale.ROOT);
              row.put(
                  column,
                  BOOLEANS.contains(column)
                      ? rs.getObject(sqlName, Boolean.class)
                      : rs.getString(sqlName));
            }
            String patient = (String) row.get("patient_id");
            Map<String, List<Map<String, Object>>> ofPatient = rows.get(patient);
            if (ofPatient == null) {
              return; // not asked about
            }
            if (flags.stream().anyMatch(flag -> Boolean.TRUE.equals(row.get(flag)))) {
              toResources.add(patient);
            }
            ofPatient.computeIfAbsent((String) row.get("id"), id -> new ArrayList<>()).add(row);
          },
          arguments.toArray());
    }
    rows.forEach(
        (patient, resources) -> {
          if (resources.size() > most) {
            toResources.add(patient);
          }
        });
    Map<String, List<T>> records = new LinkedHashMap<>();
    List<T> shown = new ArrayList<>();
    rows.forEach(
        (patient, resources) -> {
          if (!toResources.contains(patient)) {
            List<T> record = new ArrayList<>();
            resources.values().forEach(r -> record.add(rebuild.apply(r)));
            records.put(patient, record);
            shown.addAll(record);
          }
        });
    for (String patient : withheld(shown, request)) {
      records.remove(patient);
    }
    if (!records.isEmpty()) {
      reads.countAnswer();
    }
    return records;
  }

  /**
   * Shows the resources to the caller as the search they replace would, all at once (a 403 for one
   * they may not read); the patients of those withheld from them, whose records the resources then
   * say.
   */
  private Set<String> withheld(List<? extends Resource> resources, RequestDetails request) {
    Set<String> patients = new HashSet<>();
    if (resources.isEmpty()) {
      return patients;
    }
    List<IBaseResource> shown = rights.show(request, resources);
    for (int i = 0; i < resources.size(); i++) {
      if (shown.get(i) == null) {
        patients.add(patientOf(resources.get(i)));
      }
    }
    return patients;
  }

  private static String patientOf(Resource resource) {
    Object subject =
        resource instanceof Condition c ? c.getSubject() : ((Observation) resource).getSubject();
    return ((org.hl7.fhir.r4.model.Reference) subject).getReferenceElement().getIdPart();
  }

  /** A column as selected; a flag computed from others, as its expression named after it. */
  private static String selectExpression(String column) {
    return INVERTED.equals(column)
        ? "CASE WHEN EFFECTIVE_HIGH < EFFECTIVE_LOW THEN TRUE ELSE FALSE END AS INVERTED"
        : column.toUpperCase(Locale.ROOT);
  }

  static int day(LocalDate date) {
    return DerivedColumns.day(date.toString(), false);
  }
}
