package org.trialfhir.ctgov;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;

/** Binds ResearchStudy/$sync-ctgov: the registry sync, now, as its caller. */
@Component
class CtgovSyncProvider implements FhirProvider {

  private final CtgovSync sync;
  private final CtgovFetcher fetcher;

  CtgovSyncProvider(CtgovSync sync, CtgovFetcher fetcher) {
    this.sync = sync;
    this.fetcher = fetcher;
  }

  @Operation(
      name = "$sync-ctgov",
      type = ResearchStudy.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchStudy-sync-ctgov")
  @Description(
      shortDefinition = "Update the followed studies from the registry now",
      value =
          "Asks ClinicalTrials.gov for the followed studies' records changed since their last"
              + " import and imports those, keeping curated criteria (docs/registry-import.md).")
  public Parameters syncCtgov(RequestDetails caller) {
    if (!fetcher.enabled()) {
      throw new InvalidRequestException(
          "Asking the registry is not enabled on this server (trialfhir.ctgov.fetch-enabled)");
    }
    CtgovSync.Report report =
        sync.syncAs(caller)
            .orElseThrow(
                () ->
                    // Not queued behind it: a caller waiting for the registry ties up a thread.
                    new ResourceVersionConflictException(
                        "A registry sync is already running on this server; try again when it"
                            + " has finished"));
    Parameters out = new Parameters();
    out.addParameter("followed", new IntegerType(report.followed()));
    if (report.since() != null) {
      out.addParameter().setName("since").setValue(new DateType(report.since().toString()));
    }
    out.addParameter("changed", new IntegerType(report.changed()));
    report.results().forEach(r -> CtgovImportProvider.add(out, r));
    if (report.problems().hasIssue()) {
      out.addParameter().setName("outcome").setResource(report.problems());
    }
    return out;
  }
}
