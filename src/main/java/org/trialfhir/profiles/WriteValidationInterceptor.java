package org.trialfhir.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.trialfhir.profiles.ValidationProperties.Mode;
import org.trialfhir.server.FhirInterceptor;

/**
 * Checks every write on the storage pointcuts, so REST writes, PATCH results, every entry of a
 * batch or transaction and in-process importers are all checked the same way: first the cheap size
 * limits ({@link ResourceLimits}, whatever the mode), then HAPI's instance validator against the
 * base R4 specification (cardinality, value domains, invariants such as txt-1/txt-2) and every
 * profile the resource claims in {@code meta.profile}.
 *
 * <p>In {@code enforce} mode an error rolls back the whole write with 422 and an OperationOutcome
 * naming each element and rule; in {@code warn} mode the write is stored and the problems are
 * handed to {@link ValidationWarnings}, which puts them into the response. Terminology is offline
 * (HAPI's in-memory services, the core and our package's code systems): see {@link
 * ValidationFindings} for what an undecidable code does.
 */
@Component
@Interceptor
public class WriteValidationInterceptor implements FhirInterceptor {

  private static final Logger log = LoggerFactory.getLogger(WriteValidationInterceptor.class);

  private final FhirContext fhirContext;
  private final FhirValidator validator;
  private final Mode mode;
  private final ResourceLimits limits;

  WriteValidationInterceptor(
      FhirContext fhirContext,
      IValidatorModule instanceValidator,
      ValidationProperties validation,
      LimitsProperties limits) {
    this.fhirContext = fhirContext;
    this.validator = fhirContext.newValidator();
    this.validator.registerValidatorModule(instanceValidator);
    this.mode = validation.effectiveMode();
    this.limits = new ResourceLimits(fhirContext, limits);
    log.info("Validation of writes: {}; limits: {}", mode, limits);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    check(resource, request);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(
      IBaseResource oldResource, IBaseResource newResource, RequestDetails request) {
    check(newResource, request);
  }

  /** A batch or transaction, before any of its entries is processed. */
  @Hook(Pointcut.STORAGE_TRANSACTION_PROCESSING)
  public void transaction(IBaseBundle bundle) {
    limits.checkEntries(bundle);
  }

  /**
   * The audit trail's relay stores the events HAPI's BALP builds (clients cannot write
   * AuditEvents). BALP codes an operation's subtype {@code extended-operation-type}, which R4's
   * restful-interaction code system lacks: validating them would refuse the record that a request
   * happened, and a trail must not lose an event to a terminology quibble.
   */
  private static boolean serversOwnAuditEvent(IBaseResource resource, RequestDetails request) {
    return request instanceof SystemRequestDetails && "AuditEvent".equals(resource.fhirType());
  }

  private void check(IBaseResource resource, RequestDetails request) {
    limits.check(resource);
    if (mode == Mode.OFF
        || PackageInstaller.installing()
        || serversOwnAuditEvent(resource, request)) {
      return;
    }
    List<SingleValidationMessage> messages;
    try {
      messages = ValidationFindings.adjust(validator.validateWithResult(resource).getMessages());
    } catch (BaseServerResponseException e) {
      throw e;
    } catch (RuntimeException | LinkageError e) {
      // A defect of the validator on this input must not become a 500, nor let the write through
      // unchecked in enforce mode.
      log.warn("The validator failed on {}", resource.fhirType(), e);
      messages = List.of(ValidationFindings.validatorFailure(resource, e));
    }
    List<SingleValidationMessage> errors =
        messages.stream()
            .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
            .toList();
    if (mode == Mode.ENFORCE && !errors.isEmpty()) {
      OperationOutcome outcome = ValidationFindings.outcome(resource, errors);
      throw new UnprocessableEntityException(fhirContext, outcome);
    }
    if (mode == Mode.WARN) {
      List<SingleValidationMessage> reported =
          messages.stream()
              .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.WARNING.ordinal())
              .toList();
      if (!reported.isEmpty()) {
        ValidationWarnings.record(
            request, resource, ValidationFindings.outcome(resource, reported));
      }
    }
  }
}
