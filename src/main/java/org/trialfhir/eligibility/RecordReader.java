package org.trialfhir.eligibility;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.trialfhir.server.InternalSearch;

/**
 * Loads what a study's criteria need from one patient's record through HAPI's DAOs: only the
 * resource types the criteria's kinds read, and Observations only inside the widest look-back
 * window. Never the whole database.
 */
final class RecordReader {

  private static final Set<String> READ_OBSERVATIONS =
      Set.of(
          "observation-value",
          "observation-positive",
          "observation-all-negative",
          "bmi",
          "pregnancy");
  private static final Set<String> READ_CONDITIONS =
      Set.of("condition", "condition-active", "condition-onset", "pregnancy");

  private final DaoRegistry daos;

  RecordReader(DaoRegistry daos) {
    this.daos = daos;
  }

  PatientRecord load(Patient patient, List<Criterion> criteria, LocalDate date) {
    Set<String> kinds = new java.util.HashSet<>();
    collectKinds(criteria, kinds);
    String reference = "Patient/" + patient.getIdElement().getIdPart();
    List<Condition> conditions =
        kinds.stream().anyMatch(READ_CONDITIONS::contains)
            ? search(Condition.class, "patient", reference, null)
            : List.of();
    List<Observation> observations =
        kinds.stream().anyMatch(READ_OBSERVATIONS::contains)
            ? search(Observation.class, "subject", reference, window(criteria, date))
            : List.of();
    List<AllergyIntolerance> allergies =
        kinds.contains("allergy-criticality")
            ? search(AllergyIntolerance.class, "patient", reference, null)
            : List.of();
    List<Consent> consents =
        kinds.contains("research-consent")
            ? search(Consent.class, "patient", reference, null)
            : List.of();
    return new PatientRecord(patient, conditions, observations, allergies, consents);
  }

  private static void collectKinds(List<Criterion> criteria, Set<String> kinds) {
    for (Criterion c : criteria) {
      kinds.add(c.kind());
      collectKinds(c.parts(), kinds);
    }
  }

  /** From the start of the widest look-back window to the reference date. */
  private static DateRangeParam window(List<Criterion> criteria, LocalDate date) {
    LocalDate earliest = date;
    for (Criterion c : flatten(criteria)) {
      Window w =
          c.lookback() != null
              ? c.lookback()
              : "pregnancy".equals(c.kind())
                  ? CriterionEvaluator.PREGNANCY_LOOKBACK
                  : CriterionEvaluator.DEFAULT_LOOKBACK;
      LocalDate start = w.start(date);
      if (start.isBefore(earliest)) {
        earliest = start;
      }
    }
    return new DateRangeParam(
        new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, earliest.toString()),
        new DateParam(ParamPrefixEnum.LESSTHAN_OR_EQUALS, date.toString()));
  }

  private static List<Criterion> flatten(List<Criterion> criteria) {
    List<Criterion> all = new java.util.ArrayList<>();
    for (Criterion c : criteria) {
      all.add(c);
      all.addAll(flatten(c.parts()));
    }
    return all;
  }

  private <T extends IBaseResource> List<T> search(
      Class<T> type, String patientParam, String patientReference, DateRangeParam dates) {
    IFhirResourceDao<T> dao = daos.getResourceDao(type);
    SearchParameterMap map = InternalSearch.map();
    map.add(patientParam, new ReferenceParam(patientReference));
    if (dates != null) {
      map.add("date", dates);
    }
    return dao.search(map, new SystemRequestDetails()).getAllResources().stream()
        .map(type::cast)
        .toList();
  }
}
