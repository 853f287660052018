package org.trialfhir.eligibility;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IDao;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.trialfhir.projection.ProjectionRecords;
import org.trialfhir.server.InternalSearch;

/**
 * Loads what a study's criteria need from one patient's record: only the resource types the
 * criteria's kinds read, and Observations only inside the widest look-back window. Never the whole
 * database. Conditions and Observations come from the eligibility projection when it can answer for
 * the patient ({@link ProjectionRecords}, the one place that decides), else, like the other types,
 * from HAPI's searches. Either way a record's resources are in the order they were stored.
 */
final class RecordReader {

  /**
   * Resources of one type one search may return; more, and the patients are read in halves. One
   * patient with more than this in the look-back window is refused (422), never judged on part.
   */
  static final int MAX_AT_ONCE = 20_000;

  private final DaoRegistry daos;
  private final ProjectionRecords projection;

  RecordReader(DaoRegistry daos, ProjectionRecords projection) {
    this.daos = daos;
    this.projection = projection;
  }

  PatientRecord load(
      Patient patient, List<Criterion> criteria, LocalDate date, RequestDetails request) {
    return loadAll(List.of(patient), criteria, date, request)
        .get(patient.getIdElement().getIdPart());
  }

  /**
   * The records of several patients with one search per resource type for all of them (screening
   * evaluates a chunk at a time), keyed by patient id. The same searches as for one patient, so
   * that {@code $screen} and {@code $eligibility} judge the same data. The searches are made as
   * {@code request}'s caller, so that caller's access rules apply to every resource read.
   */
  Map<String, PatientRecord> loadAll(
      List<Patient> patients, List<Criterion> criteria, LocalDate date, RequestDetails request) {
    try {
      return loadTogether(patients, criteria, date, request);
    } catch (TooManyAtOnce e) {
      if (patients.size() == 1) {
        throw new UnprocessableEntityException(
            "Patient/"
                + patients.get(0).getIdElement().getIdPart()
                + " has more than "
                + MAX_AT_ONCE
                + " resources of one type in the criteria's look-back window: too many to judge");
      }
      Map<String, PatientRecord> records =
          new LinkedHashMap<>(
              loadAll(patients.subList(0, patients.size() / 2), criteria, date, request));
      records.putAll(
          loadAll(patients.subList(patients.size() / 2, patients.size()), criteria, date, request));
      return records;
    }
  }

  private Map<String, PatientRecord> loadTogether(
      List<Patient> patients, List<Criterion> criteria, LocalDate date, RequestDetails request) {
    List<CriterionKind> kinds = flatten(criteria).stream().map(Criterion::kind).toList();
    List<String> ids = patients.stream().map(p -> p.getIdElement().getIdPart()).toList();
    LocalDate earliest = earliest(criteria, date);
    Map<String, List<Condition>> conditions =
        reads(kinds, Condition.class)
            ? orFromResources(
                projection.conditions(ids, MAX_AT_ONCE, request),
                ids,
                rest -> search(Condition.class, "patient", rest, null, request),
                Condition::getSubject)
            : Map.of();
    Map<String, List<Observation>> observations =
        reads(kinds, Observation.class)
            ? orFromResources(
                projection.observations(ids, earliest, date, MAX_AT_ONCE, request),
                ids,
                rest -> search(Observation.class, "subject", rest, window(earliest, date), request),
                Observation::getSubject)
            : Map.of();
    Map<String, List<AllergyIntolerance>> allergies =
        reads(kinds, AllergyIntolerance.class)
            ? byPatient(
                search(AllergyIntolerance.class, "patient", ids, null, request),
                AllergyIntolerance::getPatient)
            : Map.of();
    Map<String, List<Consent>> consents =
        reads(kinds, Consent.class)
            ? byPatient(search(Consent.class, "patient", ids, null, request), Consent::getPatient)
            : Map.of();
    Map<String, List<Resource>> medications = new HashMap<>();
    if (reads(kinds, MedicationRequest.class)) {
      byPatient(
              search(MedicationRequest.class, "patient", ids, null, request),
              MedicationRequest::getSubject)
          .forEach(
              (p, list) -> medications.computeIfAbsent(p, k -> new ArrayList<>()).addAll(list));
      byPatient(
              search(MedicationStatement.class, "patient", ids, null, request),
              MedicationStatement::getSubject)
          .forEach(
              (p, list) -> medications.computeIfAbsent(p, k -> new ArrayList<>()).addAll(list));
      byPatient(search(Immunization.class, "patient", ids, null, request), Immunization::getPatient)
          .forEach(
              (p, list) -> medications.computeIfAbsent(p, k -> new ArrayList<>()).addAll(list));
    }
    Map<String, PatientRecord> records = new LinkedHashMap<>();
    for (Patient patient : patients) {
      String id = patient.getIdElement().getIdPart();
      records.put(
          id,
          new PatientRecord(
              patient,
              conditions.getOrDefault(id, List.of()),
              observations.getOrDefault(id, List.of()),
              allergies.getOrDefault(id, List.of()),
              consents.getOrDefault(id, List.of()),
              medications.getOrDefault(id, List.of())));
    }
    return records;
  }

  /**
   * A supplied record as the criteria read it: the same selection as {@link #loadAll} makes from
   * the store, made in memory. Only the types the criteria's kinds read, Observations only those a
   * search by {@code date=ge[earliest]&date=le[date]} would find ({@link ObservationDates}), each
   * list in Bundle order (the supplied counterpart of the order they were stored).
   */
  static PatientRecord inMemory(SuppliedRecord supplied, List<Criterion> criteria, LocalDate date) {
    List<CriterionKind> kinds = flatten(criteria).stream().map(Criterion::kind).toList();
    LocalDate earliest = earliest(criteria, date);
    return new PatientRecord(
        supplied.patient(),
        reads(kinds, Condition.class) ? supplied.resources(Condition.class) : List.of(),
        reads(kinds, Observation.class)
            ? supplied.resources(Observation.class).stream()
                .filter(o -> ObservationDates.inWindow(o, earliest, date))
                .toList()
            : List.of(),
        reads(kinds, AllergyIntolerance.class)
            ? supplied.resources(AllergyIntolerance.class)
            : List.of(),
        reads(kinds, Consent.class) ? supplied.resources(Consent.class) : List.of(),
        reads(kinds, MedicationRequest.class) ? suppliedMedications(supplied) : List.of());
  }

  private static List<Resource> suppliedMedications(SuppliedRecord supplied) {
    List<Resource> all = new ArrayList<>(supplied.resources(MedicationRequest.class));
    all.addAll(supplied.resources(MedicationStatement.class));
    all.addAll(supplied.resources(Immunization.class));
    return all;
  }

  /**
   * The parts of records the projection answered, and the others' from the resources with one
   * search for all of them.
   */
  private static <T> Map<String, List<T>> orFromResources(
      Map<String, List<T>> fromProjection,
      List<String> patients,
      Function<List<String>, List<T>> search,
      Function<T, Reference> patientOf) {
    List<String> rest = patients.stream().filter(p -> !fromProjection.containsKey(p)).toList();
    if (rest.isEmpty()) {
      return fromProjection;
    }
    Map<String, List<T>> all = new HashMap<>(fromProjection);
    all.putAll(byPatient(search.apply(rest), patientOf));
    return all;
  }

  private static <T> Map<String, List<T>> byPatient(
      List<T> resources, Function<T, Reference> patientOf) {
    Map<String, List<T>> grouped = new HashMap<>();
    for (T resource : resources) {
      IdType patient = new IdType(patientOf.apply(resource).getReference());
      grouped.computeIfAbsent(patient.getIdPart(), id -> new ArrayList<>()).add(resource);
    }
    return grouped;
  }

  private static boolean reads(List<CriterionKind> kinds, Class<? extends Resource> type) {
    return kinds.stream().anyMatch(k -> k.reads(type));
  }

  /** The start of the widest look-back window. */
  private static LocalDate earliest(List<Criterion> criteria, LocalDate date) {
    LocalDate earliest = date;
    for (Criterion c : flatten(criteria)) {
      Window w = c.window();
      if (w == null || !c.kind().reads(Observation.class)) {
        continue;
      }
      LocalDate start = w.start(date);
      if (start.isBefore(earliest)) {
        earliest = start;
      }
    }
    return earliest;
  }

  /** From the start of the widest look-back window to the reference date. */
  private static DateRangeParam window(LocalDate earliest, LocalDate date) {
    return new DateRangeParam(
        new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, earliest.toString()),
        new DateParam(ParamPrefixEnum.LESSTHAN_OR_EQUALS, date.toString()));
  }

  private static List<Criterion> flatten(List<Criterion> criteria) {
    List<Criterion> all = new ArrayList<>();
    for (Criterion c : criteria) {
      all.add(c);
      all.addAll(flatten(c.parts()));
    }
    return all;
  }

  private <T extends IBaseResource> List<T> search(
      Class<T> type,
      String patientParam,
      List<String> patientIds,
      DateRangeParam dates,
      RequestDetails request) {
    IFhirResourceDao<T> dao = daos.getResourceDao(type);
    SearchParameterMap map = InternalSearch.map();
    ReferenceOrListParam patients = new ReferenceOrListParam();
    patientIds.forEach(id -> patients.addOr(new ReferenceParam("Patient/" + id)));
    map.add(patientParam, patients);
    if (dates != null) {
      map.add("date", dates);
    }
    // A synchronous search stops at its limit without saying so: never judge a truncated record.
    map.setLoadSynchronousUpTo(MAX_AT_ONCE + 1);
    List<IBaseResource> found = dao.search(map, request).getAllResources();
    if (found.size() > MAX_AT_ONCE) {
      throw new TooManyAtOnce();
    }
    return found.stream().sorted(STORED_ORDER).map(type::cast).toList();
  }

  /**
   * The order in which the resources were first stored (their key in the database), as the
   * projection reads them: a search without a sort promises no order.
   */
  private static final Comparator<IBaseResource> STORED_ORDER =
      Comparator.comparing(
              (IBaseResource r) -> {
                JpaPid pid = IDao.RESOURCE_PID.get(r);
                return pid == null ? null : pid.getId();
              },
              Comparator.nullsLast(Comparator.<Long>naturalOrder()))
          .thenComparing(r -> r.getIdElement().getIdPart());

  /** More resources than one search returns: read fewer patients at once. */
  private static final class TooManyAtOnce extends RuntimeException {
    TooManyAtOnce() {
      super(null, null, false, false);
    }
  }
}
