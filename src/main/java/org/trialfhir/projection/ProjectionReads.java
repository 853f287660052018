package org.trialfhir.projection;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;

/**
 * Facts read from the projection instead of the resources, for the set-based steps of population
 * screening. Every fact is checked against the caller's rights before it is used ({@link
 * CallerRights}); where the projection cannot answer exactly as the resources would (it is off, not
 * rebuilt yet, or a resource carries a security label, which blinding may hide from the caller),
 * the answer is empty and the caller reads the resources instead.
 */
public class ProjectionReads {

  private static final int PAGE = 1000;

  /** A patient's demographic facts as its view holds them. */
  public record PatientFacts(String id, String birthDate, String gender, String organization) {

    /** A Patient with just these facts: what the demographic rules read. */
    public Patient toPatient() {
      Patient patient = new Patient();
      patient.setId(id);
      if (birthDate != null) {
        patient.getBirthDateElement().setValueAsString(birthDate);
      }
      if (gender != null) {
        patient.getGenderElement().setValueAsString(gender);
      }
      if (organization != null) {
        patient.setManagingOrganization(new Reference("Organization/" + organization));
      }
      return patient;
    }
  }

  /** A coding a criterion's value set lists. */
  public record Code(String system, String code) {}

  private final ProjectionTables tables;
  private final ProjectionRebuild rebuild;
  private final CallerRights rights;
  private final AtomicBoolean enabled;
  private final java.util.concurrent.atomic.AtomicLong answered =
      new java.util.concurrent.atomic.AtomicLong();

  ProjectionReads(
      ProjectionTables tables,
      ProjectionRebuild rebuild,
      CallerRights rights,
      ProjectionProperties properties) {
    this.tables = tables;
    this.rebuild = rebuild;
    this.rights = rights;
    this.enabled = new AtomicBoolean(properties.enabled());
  }

  /** Whether facts may be read from the projection now. */
  public boolean available() {
    return enabled.get() && rebuild.ready();
  }

  /**
   * Turns reading from the projection on or off while the server runs, so that a test or a
   * benchmark compares both ways in one run; the projection is maintained either way.
   */
  public void setEnabled(boolean on) {
    enabled.set(on);
  }

  /** How many questions the projection has answered since start-up (for tests and metrics). */
  public long answered() {
    return answered.get();
  }

  /** One more question answered from the projection (by {@link ProjectionRecords}). */
  void countAnswer() {
    answered.incrementAndGet();
  }

  /** The distinct codings of every projected Condition (which codes the record holds at all). */
  public List<Code> conditionCodes() {
    return codes("TRIALFHIR_PX_CONDITION");
  }

  /** The distinct codings of every projected Observation. */
  public List<Code> observationCodes() {
    return codes("TRIALFHIR_PX_OBSERVATION");
  }

  private List<Code> codes(String table) {
    return tables
        .jdbc()
        .query(
            "SELECT DISTINCT CODE_SYSTEM, CODE FROM "
                + table
                + " WHERE CODE_SYSTEM IS NOT NULL AND CODE IS NOT NULL",
            (rs, n) -> new Code(rs.getString(1), rs.getString(2)));
  }

  /** Every patient's facts; empty when the resources must be read instead. */
  public Optional<List<PatientFacts>> patients(RequestDetails request) {
    if (!available()) {
      return Optional.empty();
    }
    List<Row> rows =
        tables
            .jdbc()
            .query(
                "SELECT ID, BIRTH_DATE, GENDER, ORGANIZATION_ID, LABELLED FROM TRIALFHIR_PX_PATIENT",
                (rs, n) ->
                    new Row(
                        new PatientFacts(
                            rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)),
                        Boolean.TRUE.equals(rs.getObject(5, Boolean.class))));
    return shown(rows, request);
  }

  /**
   * The facts of these patients, in this order; empty when the resources must be read instead, or
   * when one of them has no row (deleted: the resources say how).
   */
  public Optional<List<PatientFacts>> patients(List<String> ids, RequestDetails request) {
    if (!available()) {
      return Optional.empty();
    }
    List<Row> rows = new ArrayList<>();
    for (int from = 0; from < ids.size(); from += PAGE) {
      List<String> page = ids.subList(from, Math.min(ids.size(), from + PAGE));
      rows.addAll(
          tables
              .jdbc()
              .query(
                  "SELECT ID, BIRTH_DATE, GENDER, ORGANIZATION_ID, LABELLED FROM"
                      + " TRIALFHIR_PX_PATIENT WHERE ID IN ("
                      + marks(page.size())
                      + ")",
                  (rs, n) ->
                      new Row(
                          new PatientFacts(
                              rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)),
                          Boolean.TRUE.equals(rs.getObject(5, Boolean.class))),
                  page.toArray()));
    }
    java.util.Map<String, Row> byId = new java.util.HashMap<>();
    rows.forEach(r -> byId.put(r.facts().id(), r));
    List<Row> ordered = new ArrayList<>();
    for (String id : ids) {
      Row row = byId.get(id);
      if (row == null) {
        return Optional.empty();
      }
      ordered.add(row);
    }
    return shown(ordered, request);
  }

  /**
   * Ids of the patients with a Condition coded with one of these codes whose first verification
   * code is none of {@code discounted} (a discounted first code means the engine discounts the
   * Condition; other codings are for the full evaluation, so this set may hold more patients than
   * the engine would count, never fewer). Empty when the resources must be read instead.
   */
  public Optional<Set<String>> patientsWithCondition(
      Collection<Code> codes, Set<String> discounted, RequestDetails request) {
    if (!available() || codes.isEmpty()) {
      return Optional.empty();
    }
    Set<String> wanted = new HashSet<>();
    codes.forEach(c -> wanted.add(c.system() + "|" + c.code()));
    List<String> codeValues = codes.stream().map(Code::code).distinct().toList();
    java.util.Map<String, String> patientOf = new java.util.LinkedHashMap<>();
    for (int from = 0; from < codeValues.size(); from += PAGE) {
      List<String> page = codeValues.subList(from, Math.min(codeValues.size(), from + PAGE));
      tables
          .jdbc()
          .query(
              "SELECT ID, PATIENT_ID, CODE_SYSTEM, CODE, VERIFICATION_STATUS FROM"
                  + " TRIALFHIR_PX_CONDITION WHERE PATIENT_ID IS NOT NULL AND CODE IN ("
                  + marks(page.size())
                  + ")",
              rs -> {
                String verification = rs.getString(5);
                if (wanted.contains(rs.getString(3) + "|" + rs.getString(4))
                    && (verification == null || !discounted.contains(verification))) {
                  patientOf.put(rs.getString(1), rs.getString(2));
                }
              },
              page.toArray());
    }
    // Shown to the caller as the Condition search would show them; one withheld does not count,
    // as it would not for the search.
    List<Condition> conditions = new ArrayList<>();
    patientOf.forEach(
        (id, patient) -> {
          Condition condition = new Condition();
          condition.setId("Condition/" + id);
          condition.setSubject(new Reference("Patient/" + patient));
          conditions.add(condition);
        });
    Set<String> patients = new HashSet<>();
    for (int from = 0; from < conditions.size(); from += PAGE) {
      for (org.hl7.fhir.instance.model.api.IBaseResource shown :
          rights.show(
              request, conditions.subList(from, Math.min(conditions.size(), from + PAGE)))) {
        if (shown != null) {
          patients.add(((Condition) shown).getSubject().getReferenceElement().getIdPart());
        }
      }
    }
    answered.incrementAndGet();
    return Optional.of(patients);
  }

  /**
   * The empty set, once the caller is shown to be allowed to read these patients' Conditions (as
   * the full evaluation would read them): a Condition of each is passed through the read hooks.
   */
  public Optional<Set<String>> noConditionsAmong(
      Collection<String> patients, RequestDetails request) {
    if (!available()) {
      return Optional.empty();
    }
    mayRead("Condition", patients, request);
    answered.incrementAndGet();
    return Optional.of(Set.of());
  }

  /**
   * Those of these patients whose resources of this type (Condition or Observation) the caller is
   * shown, as a search of them would show them: for a fact the projection holds no row of (a
   * patient without such a Condition), one made-up resource of each patient is passed through the
   * read hooks. One the caller may not read is a 403; one withheld leaves its patient out.
   */
  public Set<String> mayRead(String type, Collection<String> patients, RequestDetails request) {
    List<org.hl7.fhir.r4.model.Resource> probes = new ArrayList<>();
    for (String patient : patients) {
      Reference subject = new Reference("Patient/" + patient);
      org.hl7.fhir.r4.model.Resource probe =
          "Observation".equals(type)
              ? new org.hl7.fhir.r4.model.Observation().setSubject(subject)
              : new Condition().setSubject(subject);
      probe.setId(type + "/none-of-" + patient);
      probes.add(probe);
    }
    Set<String> shown = new HashSet<>();
    for (int from = 0; from < probes.size(); from += PAGE) {
      for (org.hl7.fhir.instance.model.api.IBaseResource probe :
          rights.show(request, probes.subList(from, Math.min(probes.size(), from + PAGE)))) {
        if (probe != null) {
          shown.add(probe.getIdElement().getIdPart().substring("none-of-".length()));
        }
      }
    }
    return shown;
  }

  private Optional<List<PatientFacts>> shown(List<Row> rows, RequestDetails request) {
    if (rows.stream().anyMatch(Row::labelled)) {
      return Optional.empty();
    }
    List<Patient> patients = new ArrayList<>();
    for (Row row : rows) {
      Patient patient = row.facts().toPatient();
      patient.setId("Patient/" + row.facts().id());
      patients.add(patient);
    }
    for (int from = 0; from < patients.size(); from += PAGE) {
      if (rights
          .show(request, patients.subList(from, Math.min(patients.size(), from + PAGE)))
          .contains(null)) {
        return Optional.empty(); // withheld from this caller: the resources say how
      }
    }
    answered.incrementAndGet();
    return Optional.of(rows.stream().map(Row::facts).toList());
  }

  private static String marks(int n) {
    return String.join(", ", Collections.nCopies(n, "?"));
  }

  private record Row(PatientFacts facts, boolean labelled) {}
}
