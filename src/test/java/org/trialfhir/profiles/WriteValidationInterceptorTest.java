package org.trialfhir.profiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.StructureDefinition.ExtensionContextType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.trialfhir.profiles.ValidationProperties.Mode;

/**
 * The three validation modes and the limits, with HAPI's instance validator on the base R4
 * specification (the server adds its database and package to the same chain).
 */
class WriteValidationInterceptorTest {

  private static final FhirContext R4 = FhirContext.forR4Cached();
  private static final LimitsProperties LIMITS = new LimitsProperties(3, 50, 4, 200, 2);
  private static FhirInstanceValidator validator;

  @BeforeAll
  static void validator() {
    validator =
        new FhirInstanceValidator(
            new ValidationSupportChain(
                new DefaultProfileValidationSupport(R4),
                new SnapshotGeneratingValidationSupport(R4),
                new InMemoryTerminologyServerValidationSupport(R4),
                new CommonCodeSystemsTerminologyService(R4)));
  }

  private static WriteValidationInterceptor interceptor(Mode mode, Boolean enabled) {
    return new WriteValidationInterceptor(
        R4, validator, new ValidationProperties(mode, enabled), LIMITS);
  }

  private static Observation withoutStatus() {
    Observation observation = new Observation();
    observation.setId("Observation/no-status");
    observation.getCode().setText("HbA1c");
    return observation;
  }

  @Test
  void enforceRefusesAnObservationWithoutStatusNamingTheElement() {
    assertThatThrownBy(
            () ->
                interceptor(Mode.ENFORCE, null)
                    .created(withoutStatus(), new SystemRequestDetails()))
        .isInstanceOf(UnprocessableEntityException.class)
        .satisfies(
            e -> {
              OperationOutcome outcome =
                  (OperationOutcome) ((UnprocessableEntityException) e).getOperationOutcome();
              assertThat(outcome.getIssueFirstRep().getDiagnostics())
                  .contains("Observation.status")
                  .contains("minimum required = 1");
              assertThat(outcome.getIssueFirstRep().getExpression().get(0).getValue())
                  .startsWith("Observation");
            });
  }

  @Test
  void enforceAcceptsAValidResource() {
    Observation valid = withoutStatus().setStatus(Observation.ObservationStatus.FINAL);
    assertThatCode(() -> interceptor(Mode.ENFORCE, null).created(valid, new SystemRequestDetails()))
        .doesNotThrowAnyException();
  }

  @Test
  void warnStoresAndReturnsTheProblemsInTheTransactionResponseEntry() {
    SystemRequestDetails request = new SystemRequestDetails();
    interceptor(Mode.WARN, null).created(withoutStatus(), request);

    Bundle response = new Bundle().setType(Bundle.BundleType.TRANSACTIONRESPONSE);
    response
        .addEntry()
        .getResponse()
        .setStatus("201 Created")
        .setLocation("Patient/other/_history/1");
    response
        .addEntry()
        .getResponse()
        .setStatus("201 Created")
        .setLocation("Observation/no-status/_history/1");
    new ValidationWarnings().addToResponse(request, new ResponseDetails(response));

    assertThat(response.getEntry().get(0).getResponse().hasOutcome()).isFalse();
    OperationOutcome outcome =
        (OperationOutcome) response.getEntry().get(1).getResponse().getOutcome();
    assertThat(outcome.getIssue())
        .anySatisfy(
            issue -> {
              assertThat(issue.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
              assertThat(issue.getDiagnostics()).contains("Observation.status");
            });
  }

  @Test
  void warnAddsTheProblemsToAnOperationOutcomeResponse() {
    SystemRequestDetails request = new SystemRequestDetails();
    interceptor(Mode.WARN, null).updated(null, withoutStatus(), request);
    OperationOutcome response = new OperationOutcome();
    new ValidationWarnings().addToResponse(request, new ResponseDetails(response));
    assertThat(response.getIssue())
        .anyMatch(i -> i.getDiagnostics().contains("Observation.status"));
  }

  @Test
  void offAndTheFormerEnabledFalseSkipValidation() {
    assertThatCode(() -> interceptor(Mode.OFF, null).created(withoutStatus(), null))
        .doesNotThrowAnyException();
    assertThat(new ValidationProperties(Mode.ENFORCE, false).effectiveMode()).isEqualTo(Mode.OFF);
    assertThat(new ValidationProperties(Mode.WARN, true).effectiveMode()).isEqualTo(Mode.WARN);
    assertThat(new ValidationProperties(null, null).effectiveMode()).isEqualTo(Mode.ENFORCE);
    assertThatCode(() -> interceptor(Mode.ENFORCE, false).created(withoutStatus(), null))
        .doesNotThrowAnyException();
  }

  @Test
  void limitsApplyInEveryModeBeforeValidation() {
    Patient patient = new Patient();
    for (int i = 0; i < 4; i++) {
      patient.addContained(new Patient().setId("c" + i));
    }
    assertThatThrownBy(() -> interceptor(Mode.OFF, null).created(patient, null))
        .isInstanceOf(PayloadTooLargeException.class)
        .hasMessageContaining("4 contained resources")
        .hasMessageContaining("trialfhir.limits.max-contained");

    Patient longName = new Patient();
    longName.addName().setFamily("x".repeat(51));
    assertThatThrownBy(() -> interceptor(Mode.OFF, null).created(longName, null))
        .isInstanceOf(PayloadTooLargeException.class)
        .hasMessageContaining("Patient.name.family is 51 characters long");

    Patient manyElements = new Patient();
    for (int i = 0; i < 100; i++) {
      manyElements.addName().addGiven("g");
    }
    assertThatThrownBy(() -> interceptor(Mode.OFF, null).created(manyElements, null))
        .isInstanceOf(PayloadTooLargeException.class)
        .hasMessageContaining("more than 200 elements");

    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (int i = 0; i < 5; i++) {
      bundle.addEntry();
    }
    assertThatThrownBy(() -> interceptor(Mode.OFF, null).transaction(bundle))
        .isInstanceOf(PayloadTooLargeException.class)
        .hasMessageContaining("5 entries");
  }

  /** Extension definitions' element contexts are counted across a Bundle's entries. */
  @Test
  void extensionContextsAreLimitedAcrossAWrite() {
    Bundle two = new Bundle().setType(Bundle.BundleType.COLLECTION);
    two.addEntry().setResource(extension("a", "Observation"));
    two.addEntry().setResource(extension("b", "Patient"));
    assertThatCode(() -> interceptor(Mode.OFF, null).created(two, null)).doesNotThrowAnyException();

    Bundle three = two.copy();
    three.addEntry().setResource(extension("c", "Condition"));
    assertThatThrownBy(() -> interceptor(Mode.OFF, null).created(three, null))
        .isInstanceOf(PayloadTooLargeException.class)
        .hasMessageContaining("more than 2 extension contexts of type element")
        .hasMessageContaining("trialfhir.limits.max-extension-contexts");

    StructureDefinition fhirPathContexts = extension("d", "Observation");
    fhirPathContexts.getContextFirstRep().setType(ExtensionContextType.FHIRPATH);
    fhirPathContexts.addContext().setType(ExtensionContextType.FHIRPATH).setExpression("Patient");
    fhirPathContexts.addContext().setType(ExtensionContextType.FHIRPATH).setExpression("Group");
    assertThatCode(() -> interceptor(Mode.OFF, null).created(fhirPathContexts, null))
        .as("only element contexts cost the validator a package look-up")
        .doesNotThrowAnyException();
  }

  private static StructureDefinition extension(String name, String context) {
    StructureDefinition definition = new StructureDefinition();
    definition.setUrl("http://example.org/StructureDefinition/" + name).setType("Extension");
    definition.addContext().setType(ExtensionContextType.ELEMENT).setExpression(context);
    return definition;
  }
}
