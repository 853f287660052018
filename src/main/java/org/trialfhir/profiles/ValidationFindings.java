package org.trialfhir.profiles;

import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

/**
 * Turns the instance validator's messages into the server's verdict and OperationOutcome.
 *
 * <p>Terminology is offline: HAPI's in-memory services know the FHIR core code systems (all
 * required bindings of the base specification), UCUM, BCP-47 languages, MIME types and the like,
 * and our package's code systems; they do not know SNOMED CT, LOINC, ICD-10 and other external
 * systems. A code the server <em>cannot</em> check is not an invalid code, so an error that only
 * says a code system, value set or expansion is unavailable is reported as a warning, never a
 * refusal (the same holds for a package a profile's snapshot would need). A code that is checked
 * and found wrong (e.g. {@code Observation.status} {@code "done"}, or a code outside a required
 * value set whose system is known) stays an error. Extensible, preferred and example bindings never
 * refuse a write (the validator reports them as warnings or information).
 */
final class ValidationFindings {

  /** Message ids and texts the validator uses when a terminology resource is not available. */
  private static final List<String> UNAVAILABLE =
      List.of(
          "could not be found, so the code cannot be validated",
          "unable to validate code without using server",
          "unknown code system",
          "codesystem is unknown",
          "unknown_codesystem",
          "not_found_codesystem",
          "was not found (unknown codesystem)",
          "valueset_not_found",
          "unable to expand",
          "unable_to_check_if_the_provided_codes_are_in_the_value_set",
          "unable to check whether the code is in the value set",
          "terminology_tx_nosvc",
          // A profile in meta.profile that the server does not have (e.g. a national IG not
          // loaded):
          // reported, not enforced.
          "validation_val_profile_unknown",
          "has not been checked because it is unknown",
          // A snapshot of a user's profile that needs a package the offline server does not have.
          "unable to resolve package id");

  private ValidationFindings() {}

  /** The messages, with "could not check" terminology errors lowered to warnings. */
  static List<SingleValidationMessage> adjust(List<SingleValidationMessage> messages) {
    List<SingleValidationMessage> adjusted = new ArrayList<>(messages.size());
    for (SingleValidationMessage message : messages) {
      if (message.getSeverity() != null
          && message.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal()
          && terminologyUnavailable(message)) {
        message.setSeverity(ResultSeverityEnum.WARNING);
      }
      adjusted.add(message);
    }
    return adjusted;
  }

  static boolean terminologyUnavailable(SingleValidationMessage message) {
    String text =
        ((message.getMessageId() == null ? "" : message.getMessageId())
                + " "
                + (message.getMessage() == null ? "" : message.getMessage()))
            .toLowerCase(Locale.ROOT);
    return UNAVAILABLE.stream().anyMatch(text::contains);
  }

  /** An error standing for a validator that failed on this resource. */
  static SingleValidationMessage validatorFailure(IBaseResource resource, Throwable failure) {
    SingleValidationMessage message = new SingleValidationMessage();
    message.setSeverity(ResultSeverityEnum.ERROR);
    message.setLocationString(resource.fhirType());
    message.setMessage(
        "The validator could not check this resource ("
            + failure.getClass().getSimpleName()
            + (failure.getMessage() == null ? "" : ": " + failure.getMessage())
            + ")");
    return message;
  }

  /** One issue per message: where (FHIRPath), which rule, what is wrong. */
  static OperationOutcome outcome(IBaseResource resource, List<SingleValidationMessage> messages) {
    OperationOutcome outcome = new OperationOutcome();
    String what =
        resource.fhirType()
            + (resource.getIdElement().hasIdPart()
                ? "/" + resource.getIdElement().getIdPart()
                : "");
    for (SingleValidationMessage message : messages) {
      String location =
          message.getLocationString() == null ? resource.fhirType() : message.getLocationString();
      OperationOutcome.OperationOutcomeIssueComponent issue =
          outcome
              .addIssue()
              .setSeverity(severity(message.getSeverity()))
              .setCode(code(message))
              .setDiagnostics(
                  what
                      + ": "
                      + location
                      + ": "
                      + message.getMessage()
                      + (message.getMessageId() == null
                          ? ""
                          : " [" + message.getMessageId() + "]"));
      issue.addExpression(location);
      if (message.getLocationLine() != null && message.getLocationLine() > 0) {
        issue.addLocation(
            "Line[" + message.getLocationLine() + "] Col[" + message.getLocationCol() + "]");
      }
    }
    return outcome;
  }

  private static IssueSeverity severity(ResultSeverityEnum severity) {
    return switch (severity == null ? ResultSeverityEnum.ERROR : severity) {
      case FATAL -> IssueSeverity.FATAL;
      case ERROR -> IssueSeverity.ERROR;
      case WARNING -> IssueSeverity.WARNING;
      case INFORMATION -> IssueSeverity.INFORMATION;
    };
  }

  private static IssueType code(SingleValidationMessage message) {
    String text = String.valueOf(message.getMessage());
    if (text.startsWith("Constraint failed") || text.contains("Rule ")) {
      return IssueType.INVARIANT;
    }
    if (text.contains("minimum required") || text.contains("maximum allowed")) {
      return IssueType.STRUCTURE;
    }
    if (message.getMessageId() != null && message.getMessageId().startsWith("Terminology")) {
      return IssueType.CODEINVALID;
    }
    return IssueType.PROCESSING;
  }
}
