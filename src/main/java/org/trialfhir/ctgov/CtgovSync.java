package org.trialfhir.ctgov;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.springframework.stereotype.Service;
import org.trialfhir.server.InternalSearch;

/**
 * Brings the followed studies up to date with the registry (docs/registry-import.md, "Registry
 * sync"): asks the registry for those of their records it updated since the earliest last-update
 * date the server holds for them, and imports each record that is newer than the one its study was
 * imported from. Each record is imported in its own transaction, as {@code $import-ctgov} does, so
 * a bad record changes nothing and does not stop the others.
 */
@Service
class CtgovSync {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One sync: the date asked from (null: every followed record was asked for, some had no date),
   * how many studies are followed, the records imported, and the problems met.
   */
  record Report(
      LocalDate since,
      int followed,
      int changed,
      List<CtgovImporter.Result> results,
      OperationOutcome problems) {}

  private final DaoRegistry daos;
  private final CtgovFetcher fetcher;
  private final CtgovImporter importer;
  private final CtgovSyncProvenance provenance;

  /** One sync at a time on this node; a second one is refused, not queued behind it. */
  private final ReentrantLock running = new ReentrantLock();

  CtgovSync(
      DaoRegistry daos,
      CtgovFetcher fetcher,
      CtgovImporter importer,
      CtgovSyncProvenance provenance) {
    this.daos = daos;
    this.fetcher = fetcher;
    this.importer = importer;
    this.provenance = provenance;
  }

  /**
   * One sync, reading and writing as {@code caller} ({@code $sync-ctgov}); empty if a sync is
   * already running on this node.
   */
  Optional<Report> syncAs(RequestDetails caller) {
    return locked(() -> sync(caller, false));
  }

  /**
   * One sync as the server itself (the schedule), with a Provenance for each study and Group it
   * changes, as nobody's request records them; empty if a sync is already running on this node.
   */
  Optional<Report> syncAsServer() {
    return locked(() -> sync(new SystemRequestDetails(), true));
  }

  private Optional<Report> locked(Supplier<Report> work) {
    if (!running.tryLock()) {
      return Optional.empty();
    }
    try {
      return Optional.of(work.get());
    } finally {
      running.unlock();
    }
  }

  private Report sync(RequestDetails caller, boolean recordProvenance) {
    OperationOutcome problems = new OperationOutcome();
    Map<String, LocalDate> held = new LinkedHashMap<>();
    Map<String, ResearchStudy> studies = new HashMap<>();
    Set<String> undated = new HashSet<>();
    for (IBaseResource found :
        daos.getResourceDao(ResearchStudy.class)
            .search(
                // Every study with an NCT id; the followed ones are picked below (no search
                // parameter for the extension: the studies from a registry are few).
                InternalSearch.map("identifier", new TokenParam(CtgovStudyMapper.NCT_SYSTEM, "")),
                caller)
            .getAllResources()) {
      ResearchStudy study = (ResearchStudy) found;
      if (!CtgovSyncMarks.followed(study)) {
        continue;
      }
      String nct = CtgovSyncMarks.nctId(study);
      if (nct == null || !nct.matches("NCT\\d{8}")) {
        problems
            .addIssue()
            .setSeverity(IssueSeverity.WARNING)
            .setCode(IssueType.INVALID)
            .setDiagnostics(
                "ResearchStudy/"
                    + study.getIdElement().getIdPart()
                    + " is followed but has no NCT identifier to ask the registry for; skipped");
        continue;
      }
      LocalDate date = CtgovSyncMarks.lastUpdate(study);
      held.put(nct, date);
      studies.put(nct, study);
      if (date == null) {
        undated.add(nct);
      }
    }
    LocalDate since =
        held.values().stream().filter(Objects::nonNull).min(Comparator.naturalOrder()).orElse(null);
    List<JsonNode> records = new ArrayList<>();
    List<String> dated = held.keySet().stream().filter(n -> !undated.contains(n)).toList();
    try {
      if (!dated.isEmpty()) {
        records.addAll(fetcher.changedSince(dated, since));
      }
      if (!undated.isEmpty()) {
        // Imported without a last-update date: only the registry's record can tell.
        records.addAll(fetcher.changedSince(List.copyOf(undated), null));
      }
    } catch (CtgovFetcher.RegistryError e) {
      problems
          .addIssue()
          .setSeverity(IssueSeverity.ERROR)
          .setCode(e.type())
          .setDiagnostics(
              "The registry could not be asked for changed records, nothing was"
                  + " synced: "
                  + e.getMessage());
      return new Report(undated.isEmpty() ? since : null, held.size(), 0, List.of(), problems);
    }

    List<CtgovImporter.Result> results = new ArrayList<>();
    Map<String, Boolean> done = new HashMap<>();
    int position = 0;
    for (JsonNode record : records) {
      JsonNode id = record.path("protocolSection").path("identificationModule").path("nctId");
      String nct = id.isTextual() ? id.asText() : null;
      if (nct == null || !held.containsKey(nct) || done.containsKey(nct)) {
        // The registry answered with a record not asked for (or twice): not this sync's business.
        continue;
      }
      done.put(nct, true);
      LocalDate registry = CtgovSyncMarks.lastUpdate(record);
      LocalDate ours = held.get(nct);
      if (ours != null && registry != null && !registry.isAfter(ours)) {
        continue; // the record the study was imported from
      }
      CtgovSyncProvenance.Before before =
          recordProvenance ? provenance.before(studies.get(nct), caller) : null;
      CtgovImporter.Result result;
      try {
        result = importer.importRecord(JSON.writeValueAsString(record), ++position, caller, true);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException("a parsed record could not be written again", e);
      }
      results.add(result);
      if (before != null && !"error".equals(result.status())) {
        String missing = provenance.record(before, result, registry, caller);
        if (missing != null) {
          problems
              .addIssue()
              .setSeverity(IssueSeverity.WARNING)
              .setCode(IssueType.EXCEPTION)
              .setDiagnostics(missing);
        }
      }
    }
    return new Report(
        undated.isEmpty() ? since : null, held.size(), results.size(), results, problems);
  }
}
