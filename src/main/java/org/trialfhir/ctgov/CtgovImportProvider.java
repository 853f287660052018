package org.trialfhir.ctgov;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.List;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;

/** Binds ResearchStudy/$import-ctgov and reports one result per record. */
@Component
public class CtgovImportProvider implements FhirProvider {

  private final CtgovImporter importer;
  private final CtgovFetcher fetcher;
  private final int maxImportIds;

  CtgovImportProvider(CtgovImporter importer, CtgovFetcher fetcher, CtgovProperties properties) {
    this.importer = importer;
    this.fetcher = fetcher;
    this.maxImportIds = properties.maxImportIds();
  }

  @Operation(
      name = "$import-ctgov",
      type = ResearchStudy.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchStudy-import-ctgov")
  @Description(
      shortDefinition = "Import ClinicalTrials.gov API v2 study records as ResearchStudy",
      value =
          "Each record is imported in its own transaction; re-importing an identical record changes nothing.")
  public Parameters importCtgov(
      @Description(shortDefinition = "One ClinicalTrials.gov API v2 study record (JSON) per part")
          @OperationParam(name = "record", min = 0, max = OperationParam.MAX_UNLIMITED)
          List<StringType> records,
      @Description(
              shortDefinition =
                  "An NCT id to fetch from the registry (only where fetching is enabled); the"
                      + " study is then followed by the registry sync")
          @OperationParam(name = "nctId", min = 0, max = OperationParam.MAX_UNLIMITED)
          List<StringType> nctIds,
      RequestDetails caller) {
    if ((records == null || records.isEmpty()) && (nctIds == null || nctIds.isEmpty())) {
      throw new InvalidRequestException(
          "Give at least one 'record' (a ClinicalTrials.gov API v2 study JSON) or 'nctId'");
    }
    if (nctIds != null && nctIds.size() > maxImportIds) {
      // Each id is a request to the registry made while the caller waits.
      throw new InvalidRequestException(
          "At most "
              + maxImportIds
              + " 'nctId's may be imported in one request (trialfhir.ctgov.max-import-ids); "
              + nctIds.size()
              + " were given");
    }
    Parameters out = new Parameters();
    int position = 0;
    boolean anyStored = false;
    for (StringType record : records == null ? List.<StringType>of() : records) {
      CtgovImporter.Result result = importer.importRecord(record.getValue(), ++position, caller);
      anyStored |= !"error".equals(result.status());
      add(out, result);
    }
    for (StringType nctId : nctIds == null ? List.<StringType>of() : nctIds) {
      CtgovImporter.Result result = fetchAndImport(nctId.getValue(), ++position, caller);
      anyStored |= !"error".equals(result.status());
      add(out, result);
    }
    if (!anyStored) {
      throw new InvalidRequestException("No record was imported", outcomeOf(out));
    }
    return out;
  }

  private CtgovImporter.Result fetchAndImport(String nctId, int position, RequestDetails caller) {
    if (!fetcher.enabled()) {
      return new CtgovImporter.Result(nctId, null, "error", fetchDisabled(nctId));
    }
    String record;
    try {
      record = fetcher.fetch(nctId);
    } catch (CtgovFetcher.RegistryError e) {
      // Nothing was written: the record never reached the importer.
      return new CtgovImporter.Result(
          nctId, null, "error", registryError("Record " + position + " (" + nctId + "): ", e));
    }
    // Fetched from the registry: the sync follows it from now on.
    return importer.importRecord(record, position, caller, true);
  }

  static OperationOutcome registryError(String prefix, CtgovFetcher.RegistryError e) {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(e.type())
        .setDiagnostics(prefix + e.getMessage());
    return outcome;
  }

  private static OperationOutcome fetchDisabled(String nctId) {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.NOTSUPPORTED)
        .setDiagnostics(
            "Fetching "
                + nctId
                + " from the registry is not enabled on this server; send the record itself as 'record'");
    return outcome;
  }

  private static OperationOutcome outcomeOf(Parameters out) {
    OperationOutcome all = new OperationOutcome();
    for (ParametersParameterComponent result : out.getParameter()) {
      for (ParametersParameterComponent part : result.getPart()) {
        if (part.getResource() instanceof OperationOutcome o) {
          all.getIssue().addAll(o.getIssue());
        }
      }
    }
    return all;
  }

  static void add(Parameters out, CtgovImporter.Result result) {
    ParametersParameterComponent part = out.addParameter().setName("result");
    if (result.nctId() != null) {
      part.addPart().setName("nctId").setValue(new StringType(result.nctId()));
    }
    if (result.studyReference() != null) {
      part.addPart().setName("study").setValue(new Reference(result.studyReference()));
    }
    part.addPart().setName("status").setValue(new CodeType(result.status()));
    if (result.outcome() != null && result.outcome().hasIssue()) {
      part.addPart().setName("outcome").setResource(result.outcome());
    }
  }
}
