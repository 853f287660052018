package org.trialfhir.screeninglog;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.trialfhir.server.InternalSearch;
import org.trialfhir.subject.ServerRecords;

/**
 * A study's screening log: one entry per status recorded for a patient, from the Provenance of each
 * record ($record-screening, and $enroll's enrolment), oldest first; a subject written without one
 * (a direct REST write) adds an entry for its current status, its author unknown. Read as the
 * caller: what the log shows is what the caller may read. No arm is read or shown.
 */
@Service
class ScreeningLog {

  static final List<String> HEADER =
      List.of(
          "screening_id",
          "recorded",
          "recorded_by",
          "status",
          "status_text",
          "subject_status",
          "reason");
  private static final String ENROLMENT_ACTIVITY =
      "http://trialfhir.org/fhir/CodeSystem/provenance-activity";
  static final String UNKNOWN_AUTHOR = "not recorded (written directly, not through the worklist)";

  /**
   * One entry: the subject's id is the screening number (pseudonymous; the site's server links it
   * to the patient), {@code recorded} the instant it was recorded.
   */
  record Entry(
      String screeningId, Instant recorded, String by, ScreeningStatus status, String reason) {

    List<String> cells() {
      return List.of(
          screeningId,
          recorded.toString(),
          by,
          status.code(),
          status.display(),
          status.subjectStatus().toCode(),
          reason == null ? "" : reason);
    }
  }

  private final DaoRegistry daos;

  ScreeningLog(DaoRegistry daos) {
    this.daos = daos;
  }

  @Transactional(readOnly = true)
  List<Entry> entries(IdType studyId, RequestDetails caller) {
    ResearchStudy study =
        daos.getResourceDao(ResearchStudy.class).read(studyId.toUnqualifiedVersionless(), caller);
    String studyRef = "ResearchStudy/" + study.getIdElement().getIdPart();
    Map<String, ResearchSubject> subjects = new LinkedHashMap<>();
    daos.getResourceDao(ResearchSubject.class)
        .search(InternalSearch.map("study", new ReferenceParam(studyRef)), caller)
        .getAllResources()
        .forEach(r -> subjects.put(r.getIdElement().getIdPart(), (ResearchSubject) r));
    List<Entry> entries = new ArrayList<>();
    Set<String> logged = new HashSet<>();
    List<String> ids = new ArrayList<>(subjects.keySet());
    for (int from = 0; from < ids.size(); from += 100) {
      ReferenceOrListParam targets = new ReferenceOrListParam();
      ids.subList(from, Math.min(ids.size(), from + 100))
          .forEach(id -> targets.addOr(new ReferenceParam("ResearchSubject/" + id)));
      SearchParameterMap map = InternalSearch.map();
      map.add("target", targets);
      for (var found :
          daos.getResourceDao(Provenance.class).search(map, caller).getAllResources()) {
        Provenance provenance = (Provenance) found;
        Optional<ScreeningStatus> status = status(provenance);
        // Only the server's own records: a Provenance a client wrote could name anyone.
        if (status.isEmpty() || !ServerRecords.marked(provenance)) {
          continue;
        }
        for (Reference target : provenance.getTarget()) {
          String id = new IdType(target.getReference()).getIdPart();
          if (subjects.containsKey(id)) {
            logged.add(id);
            entries.add(
                new Entry(
                    id,
                    provenance.getRecorded().toInstant(),
                    by(provenance),
                    status.get(),
                    provenance.hasReason() ? provenance.getReasonFirstRep().getText() : null));
          }
        }
      }
    }
    subjects.values().stream()
        .filter(s -> !logged.contains(s.getIdElement().getIdPart()))
        .forEach(
            s ->
                ScreeningStatus.ofSubject(s.getStatus())
                    .ifPresent(
                        status ->
                            entries.add(
                                new Entry(
                                    s.getIdElement().getIdPart(),
                                    since(s, history(s, caller)),
                                    UNKNOWN_AUTHOR,
                                    status,
                                    s.hasExtension(ScreeningRecords.REASON)
                                        ? s.getExtensionByUrl(ScreeningRecords.REASON)
                                            .getValue()
                                            .primitiveValue()
                                        : null))));
    entries.sort(Comparator.comparing(Entry::recorded).thenComparing(Entry::screeningId));
    return entries;
  }

  /** Every stored version of a subject, as the caller may read them. */
  private List<ResearchSubject> history(ResearchSubject subject, RequestDetails caller) {
    return daos
        .getResourceDao(ResearchSubject.class)
        .history(subject.getIdElement().toUnqualifiedVersionless(), null, null, null, caller)
        .getAllResources()
        .stream()
        .filter(ResearchSubject.class::isInstance)
        .map(ResearchSubject.class::cast)
        .toList();
  }

  /**
   * When a subject written without a Provenance took the status it has now: the first of its latest
   * run of versions with that status, so that a later write changing something else (a consent
   * reference, a typo) does not move the entry.
   */
  static Instant since(ResearchSubject current, List<ResearchSubject> versions) {
    List<ResearchSubject> newestFirst =
        versions.stream()
            .filter(v -> v.getMeta().getLastUpdated() != null)
            .sorted(
                Comparator.comparing(
                        (ResearchSubject v) -> v.getIdElement().getVersionIdPartAsLong(),
                        Comparator.nullsFirst(Comparator.naturalOrder()))
                    .reversed())
            .toList();
    ResearchSubject first = current;
    for (ResearchSubject older : newestFirst) {
      if (older.getStatus() != current.getStatus()) {
        break;
      }
      first = older;
    }
    return first.getMeta().getLastUpdated().toInstant();
  }

  /** The log as CSV (RFC 4180, formula-safe cells), a header row first. */
  static String csv(List<Entry> entries) {
    StringBuilder out = new StringBuilder(Csv.row(HEADER));
    entries.forEach(e -> out.append(Csv.row(e.cells())));
    return out.toString();
  }

  /** The status a Provenance records: a screening status, or an enrolment; else none. */
  static Optional<ScreeningStatus> status(Provenance provenance) {
    for (Coding coding : provenance.getActivity().getCoding()) {
      if (ScreeningStatus.SYSTEM.equals(coding.getSystem())) {
        try {
          return Optional.of(ScreeningStatus.ofCode(coding.getCode()));
        } catch (RuntimeException unknown) {
          return Optional.empty();
        }
      }
      if (ENROLMENT_ACTIVITY.equals(coding.getSystem()) && "enrolment".equals(coding.getCode())) {
        return Optional.of(ScreeningStatus.ENROLLED);
      }
    }
    return Optional.empty();
  }

  /** Who recorded it: the author (a screening record) or performer (an enrolment), by name. */
  static String by(Provenance provenance) {
    for (String type : List.of("author", "performer", "verifier")) {
      for (var agent : provenance.getAgent()) {
        if (agent.getType().getCoding().stream().anyMatch(c -> type.equals(c.getCode()))
            && agent.getWho().hasDisplay()) {
          return agent.getWho().getDisplay();
        }
      }
    }
    return "not recorded";
  }
}
