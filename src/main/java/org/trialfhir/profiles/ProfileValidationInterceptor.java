package org.trialfhir.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirInterceptor;

/**
 * A resource that claims one of our profiles in {@code meta.profile} must conform to it; plain R4
 * resources are stored as they are (EHRs do not tag their data). Runs on the storage pointcuts, so
 * REST writes, every entry of a transaction and in-process loaders are all checked; an error rolls
 * back the whole write with 422 and an OperationOutcome listing each problem and where.
 *
 * <p>{@code trialfhir.validation.enabled=false} turns it off, for bulk loads of data validated
 * before (bench/ingest.sh measures what it costs).
 */
@Component
@ConditionalOnProperty(name = "trialfhir.validation.enabled", matchIfMissing = true)
@Interceptor
public class ProfileValidationInterceptor implements FhirInterceptor {

  static final String PROFILE_PREFIX = "http://trialfhir.org/fhir/StructureDefinition/";

  private final FhirContext fhirContext;
  private final FhirValidator validator;

  ProfileValidationInterceptor(FhirContext fhirContext, IValidatorModule instanceValidator) {
    this.fhirContext = fhirContext;
    this.validator = fhirContext.newValidator();
    this.validator.registerValidatorModule(instanceValidator);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    validateIfProfiled(resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource oldResource, IBaseResource newResource) {
    validateIfProfiled(newResource);
  }

  private void validateIfProfiled(IBaseResource resource) {
    List<String> ours =
        resource.getMeta().getProfile().stream()
            .map(IPrimitiveType::getValueAsString)
            .filter(url -> url != null && url.startsWith(PROFILE_PREFIX))
            .toList();
    if (ours.isEmpty()) {
      return;
    }
    ValidationResult result = validator.validateWithResult(resource);
    List<SingleValidationMessage> errors =
        result.getMessages().stream()
            .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
            .toList();
    if (!errors.isEmpty()) {
      throw new UnprocessableEntityException(fhirContext, outcome(resource, ours, errors));
    }
  }

  private static OperationOutcome outcome(
      IBaseResource resource, List<String> profiles, List<SingleValidationMessage> errors) {
    OperationOutcome outcome = new OperationOutcome();
    String what =
        resource.fhirType()
            + (resource.getIdElement().hasIdPart()
                ? "/" + resource.getIdElement().getIdPart()
                : "");
    for (SingleValidationMessage error : errors) {
      outcome
          .addIssue()
          .setSeverity(IssueSeverity.ERROR)
          .setCode(IssueType.PROCESSING)
          .setDiagnostics(
              what
                  + " does not conform to "
                  + String.join(", ", profiles)
                  + ": "
                  + error.getLocationString()
                  + ": "
                  + error.getMessage())
          .addLocation(error.getLocationString())
          .addExpression(error.getLocationString());
    }
    return outcome;
  }
}
