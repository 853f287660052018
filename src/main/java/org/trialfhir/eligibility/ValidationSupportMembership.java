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

  /**
   * The lab concept the ValueSet states, else the first one a ValueSet it includes states: a site's
   * own ValueSet that includes the package's (to add local codes) keeps the package's units and
   * timing.
   */
  @Override
  public LabConcept concept(String valueSetUrl) {
    return concept(valueSetUrl, 0);
  }

  private LabConcept concept(String valueSetUrl, int depth) {
    Optional<ValueSet> found = valueSetUrl == null ? Optional.empty() : valueSet(valueSetUrl);
    if (found.isEmpty() || depth > 5) {
      return LabConcept.NONE;
    }
    LabConcept own = LabConcept.of(found.get());
    if (own != LabConcept.NONE) {
      return own;
    }
    for (ValueSet.ConceptSetComponent include : found.get().getCompose().getInclude()) {
      for (var included : include.getValueSet()) {
        LabConcept inherited = concept(included.getValue(), depth + 1);
        if (inherited != LabConcept.NONE) {
          return inherited;
        }
      }
    }
    return LabConcept.NONE;
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
