package org.trialfhir.eligibility;

import ca.uhn.fhir.context.support.ConceptValidationOptions;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport.CodeValidationResult;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * ValueSet membership through HAPI's validation support chain (pre-expanded ValueSets, HAPI's
 * terminology, and trialfhir's compose membership for ICD-10-CM). Remembers answers for the
 * duration of one evaluation.
 */
public final class ValidationSupportMembership implements CodeMembership {

  private final IValidationSupport support;
  private final Map<String, Boolean> answers = new HashMap<>();
  private final Map<String, Optional<ValueSet>> valueSets = new HashMap<>();

  public ValidationSupportMembership(IValidationSupport support) {
    this.support = support;
  }

  @Override
  public boolean contains(String valueSetUrl, String system, String code) {
    return answers.computeIfAbsent(
        valueSetUrl + " " + system + "|" + code,
        key ->
            valueSet(valueSetUrl)
                .map(
                    vs -> {
                      CodeValidationResult result =
                          support.validateCodeInValueSet(
                              new ValidationSupportContext(support),
                              new ConceptValidationOptions(),
                              system,
                              code,
                              null,
                              vs);
                      return result != null && result.isOk();
                    })
                .orElse(false));
  }

  @Override
  public String title(String valueSetUrl) {
    return valueSet(valueSetUrl)
        .map(vs -> vs.hasTitle() ? vs.getTitle() : vs.getName())
        .orElse(valueSetUrl);
  }

  @Override
  public LabConcept concept(String valueSetUrl) {
    return valueSetUrl == null
        ? LabConcept.NONE
        : valueSet(valueSetUrl).map(LabConcept::of).orElse(LabConcept.NONE);
  }

  private Optional<ValueSet> valueSet(String url) {
    return valueSets.computeIfAbsent(
        url,
        key -> {
          IBaseResource found = support.fetchValueSet(key);
          return found instanceof ValueSet vs ? Optional.of(vs) : Optional.empty();
        });
  }
}
