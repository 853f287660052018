package org.trialfhir.outcome;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirProvider;

/** Binds ResearchStudy/[id]/$endpoint-report and hands it to {@link EndpointReport}. */
@Component
public class EndpointReportProvider implements FhirProvider {

  private final EndpointReport report;

  EndpointReportProvider(EndpointReport report) {
    this.report = report;
  }

  @Operation(
      name = "$endpoint-report",
      idempotent = true,
      type = ResearchStudy.class,
      canonicalUrl = "http://trialfhir.org/fhir/OperationDefinition/ResearchStudy-endpoint-report")
  @Description(
      shortDefinition = "Summarise the study's endpoints per visit and its adverse events",
      value =
          "A summary MeasureReport of Measure endpoint-report: per endpoint and visit n, median,"
              + " IQR, change from baseline and shares; adverse events by seriousness, severity and"
              + " relatedness. Results are pooled over arms.")
  public MeasureReport endpointReport(@IdParam IdType study, RequestDetails caller) {
    return report.report(study, caller);
  }
}
