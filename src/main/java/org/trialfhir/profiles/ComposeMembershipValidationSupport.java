package org.trialfhir.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.ConceptValidationOptions;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * Puts {@link ComposeMembership} into HAPI's validation support chain, ahead of the modules that
 * would need the code system's content, so that {@code ValueSet/$validate-code}, profile validation
 * and the eligibility engine all agree that ICD-10-CM E10.10 is in a set that includes E10.
 */
final class ComposeMembershipValidationSupport implements IValidationSupport {

  private final FhirContext fhirContext;

  ComposeMembershipValidationSupport(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
  }

  @Override
  public FhirContext getFhirContext() {
    return fhirContext;
  }

  @Override
  public String getName() {
    return "trialfhir compose membership (ICD-10-CM hierarchy, enumerated codes)";
  }

  @Override
  public boolean isValueSetSupported(ValidationSupportContext context, String url) {
    return membership(context).decidable(fetch(context, url));
  }

  @Override
  public CodeValidationResult validateCodeInValueSet(
      ValidationSupportContext context,
      ConceptValidationOptions options,
      String system,
      String code,
      String display,
      IBaseResource valueSet) {
    if (!(valueSet instanceof ValueSet r4) || system == null || code == null) {
      return null;
    }
    Optional<Boolean> contained = membership(context).contains(r4, system, code);
    if (contained.isEmpty()) {
      return null;
    }
    if (contained.get()) {
      return new CodeValidationResult().setCode(code).setCodeSystemName(system).setDisplay(display);
    }
    return new CodeValidationResult()
        .setSeverity(IssueSeverity.ERROR)
        .setMessage("Code " + system + "#" + code + " is not in ValueSet " + r4.getUrl());
  }

  private ComposeMembership membership(ValidationSupportContext context) {
    return new ComposeMembership(url -> fetch(context, url));
  }

  private static ValueSet fetch(ValidationSupportContext context, String url) {
    IBaseResource found = context.getRootValidationSupport().fetchValueSet(url);
    return found instanceof ValueSet valueSet ? valueSet : null;
  }
}
