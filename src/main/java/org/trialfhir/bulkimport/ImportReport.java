package org.trialfhir.bulkimport;

import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;
import org.trialfhir.bulkimport.ImportModels.FileReport;
import org.trialfhir.bulkimport.ImportModels.Refusal;
import org.trialfhir.bulkimport.ImportModels.Report;

/**
 * The report as FHIR: totals, then per file its counts and an OperationOutcome with one issue per
 * refused resource (the line, and the message a REST write would have had) and per problem with the
 * file as a whole. An empty OperationOutcome (one "informational" issue) means all was stored.
 */
final class ImportReport {

  private ImportReport() {}

  static Parameters toFhir(Report report) {
    Parameters out = new Parameters();
    out.addParameter().setName("resources").setValue(new IntegerType(report.resources()));
    out.addParameter().setName("stored").setValue(new IntegerType(report.stored()));
    out.addParameter().setName("refused").setValue(new IntegerType(report.refused()));
    out.addParameter().setName("notStored").setValue(new IntegerType(report.notStored()));
    out.addParameter().setName("chunks").setValue(new IntegerType(report.chunks()));
    out.addParameter().setName("seconds").setValue(new DecimalType(report.millis() / 1000.0));
    if (report.millis() > 0) {
      out.addParameter()
          .setName("resourcesPerSecond")
          .setValue(
              new DecimalType(Math.round(report.stored() * 10000.0 / report.millis()) / 10.0));
    }
    for (FileReport file : report.files()) {
      ParametersParameterComponent part = out.addParameter().setName("file");
      part.addPart().setName("url").setValue(new UriType(file.source()));
      part.addPart().setName("type").setValue(new StringType(file.type()));
      part.addPart().setName("resources").setValue(new IntegerType(file.lines()));
      part.addPart().setName("created").setValue(new IntegerType(file.created()));
      part.addPart().setName("updated").setValue(new IntegerType(file.updated()));
      part.addPart().setName("refused").setValue(new IntegerType(file.refusedCount()));
      part.addPart().setName("notStored").setValue(new IntegerType(file.notStored()));
      part.addPart().setName("outcome").setResource(outcome(file));
    }
    return out;
  }

  private static OperationOutcome outcome(FileReport file) {
    OperationOutcome outcome = new OperationOutcome();
    for (String problem : file.problems()) {
      outcome
          .addIssue()
          .setSeverity(IssueSeverity.ERROR)
          .setCode(IssueType.PROCESSING)
          .setDiagnostics(file.source() + " " + problem);
    }
    for (Refusal refusal : file.refused()) {
      outcome
          .addIssue()
          .setSeverity(IssueSeverity.ERROR)
          .setCode(code(refusal.status()))
          .setDiagnostics(
              "line "
                  + refusal.line()
                  + " (HTTP "
                  + refusal.status()
                  + "): "
                  + refusal.message()
                  + "; nothing of its chunk was stored")
          .addLocation("line " + refusal.line());
    }
    if (file.refusedNotListed() > 0) {
      outcome
          .addIssue()
          .setSeverity(IssueSeverity.ERROR)
          .setCode(IssueType.TOOCOSTLY)
          .setDiagnostics(
              file.refusedNotListed()
                  + " more resource(s) of "
                  + file.source()
                  + " were refused and are not listed: the report lists the first "
                  + file.refused().size()
                  + " refusals of each file (trialfhir.bulk-import.max-refusals-listed); fix"
                  + " those, and import the file again to see the rest");
    }
    if (file.notStored() > 0) {
      outcome
          .addIssue()
          .setSeverity(IssueSeverity.WARNING)
          .setCode(IssueType.INCOMPLETE)
          .setDiagnostics(
              file.notStored()
                  + " resource(s) not refused themselves were not stored either: each chunk is"
                  + " stored whole or not at all; fix the refused lines and import the file again");
    }
    if (!outcome.hasIssue()) {
      outcome
          .addIssue()
          .setSeverity(IssueSeverity.INFORMATION)
          .setCode(IssueType.INFORMATIONAL)
          .setDiagnostics("All " + file.lines() + " resource(s) stored");
    }
    return outcome;
  }

  private static IssueType code(int status) {
    return switch (status) {
      case 401, 403 -> IssueType.FORBIDDEN;
      case 404 -> IssueType.NOTFOUND;
      case 409, 412 -> IssueType.CONFLICT;
      case 413 -> IssueType.TOOLONG;
      case 422 -> IssueType.BUSINESSRULE;
      default -> IssueType.INVALID;
    };
  }
}
