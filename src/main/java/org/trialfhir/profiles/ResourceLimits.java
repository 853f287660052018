package org.trialfhir.profiles;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeChildDirectResource;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import ca.uhn.fhir.util.IModelVisitor;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Base64BinaryType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.StructureDefinition.ExtensionContextType;
import org.hl7.fhir.r4.model.StructureDefinition.StructureDefinitionContextComponent;

/**
 * The configured size limits of one write ({@link LimitsProperties}), checked in one pass over the
 * resource that stops at the first excess: cheap next to indexing or validating a resource that is
 * too large (a Patient with 20,000 contained resources once took two minutes to store).
 */
final class ResourceLimits {

  private final FhirContext fhirContext;
  private final LimitsProperties limits;

  ResourceLimits(FhirContext fhirContext, LimitsProperties limits) {
    this.fhirContext = fhirContext;
    this.limits = limits;
  }

  /** Refuses (413) a resource over any limit. */
  void check(IBaseResource resource) {
    if (resource instanceof DomainResource domain
        && domain.getContained().size() > limits.maxContained()) {
      throw tooLarge(
          resource.fhirType() + ".contained",
          resource.fhirType()
              + " has "
              + domain.getContained().size()
              + " contained resources; at most "
              + limits.maxContained()
              + " are accepted (trialfhir.limits.max-contained)");
    }
    if (resource instanceof IBaseBundle bundle) {
      checkEntries(bundle);
    }
    Counter counter = new Counter();
    try {
      fhirContext.newTerser().visit(resource, counter);
    } catch (Excess excess) {
      throw tooLarge(excess.path, excess.getMessage());
    }
  }

  /** Refuses (413) a Bundle with more entries than allowed. */
  void checkEntries(IBaseBundle bundle) {
    if (bundle instanceof Bundle r4 && r4.getEntry().size() > limits.maxBundleEntries()) {
      throw tooLarge(
          "Bundle.entry",
          "Bundle has "
              + r4.getEntry().size()
              + " entries; at most "
              + limits.maxBundleEntries()
              + " are accepted (trialfhir.limits.max-bundle-entries)");
    }
  }

  private final class Counter implements IModelVisitor {
    private int elements;
    private int extensionContexts;

    @Override
    public void acceptElement(
        IBaseResource resource,
        IBase element,
        List<String> path,
        BaseRuntimeChildDefinition child,
        BaseRuntimeElementDefinition<?> definition) {
      if (child instanceof RuntimeChildDirectResource
          && element instanceof IBaseResource embedded) {
        // The terser does not descend into resources held directly (Bundle.entry.resource,
        // Parameters.parameter.resource); a stored Bundle's entries count towards its limits.
        fhirContext.newTerser().visit(embedded, this);
        return;
      }
      if (++elements > limits.maxElements()) {
        throw new Excess(
            resource.fhirType(),
            "The resource has more than "
                + limits.maxElements()
                + " elements (trialfhir.limits.max-elements)");
      }
      if (element instanceof StructureDefinitionContextComponent context
          && context.getType() == ExtensionContextType.ELEMENT
          && ++extensionContexts > limits.maxExtensionContexts()) {
        throw new Excess(
            "StructureDefinition.context",
            "The write defines more than "
                + limits.maxExtensionContexts()
                + " extension contexts of type element (trialfhir.limits.max-extension-contexts):"
                + " the validator checks each one at a cost of about a second; post the"
                + " extension definitions in smaller writes");
      }
      if (element instanceof IPrimitiveType<?> primitive
          && !(element instanceof Base64BinaryType)) {
        String value = primitive.getValueAsString();
        if (value != null && value.length() > limits.maxStringLength()) {
          String where = resource.fhirType() + "." + String.join(".", path);
          throw new Excess(
              where,
              where
                  + " is "
                  + value.length()
                  + " characters long; at most "
                  + limits.maxStringLength()
                  + " are accepted (trialfhir.limits.max-string-length)");
        }
      }
    }
  }

  /** Stops the visit at the first excess. */
  private static final class Excess extends RuntimeException {
    private final String path;

    Excess(String path, String message) {
      super(message, null, false, false);
      this.path = path;
    }
  }

  private static PayloadTooLargeException tooLarge(String expression, String message) {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(IssueSeverity.ERROR)
        .setCode(IssueType.TOOLONG)
        .setDiagnostics(message)
        .addExpression(expression);
    return new PayloadTooLargeException(message, outcome);
  }
}
