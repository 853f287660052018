package org.trialfhir.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.SearchParameter;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirInterceptor;

/**
 * Keeps one client's write from changing what the server is for everyone: the FHIR specification's
 * conformance resources and our package's (by canonical URL) cannot be created, overwritten or
 * deleted through the API, and a SearchParameter must fit its base and must not replace a parameter
 * of the base specification (a {@code name} parameter on Patient with expression {@code
 * Organization.name} once made every Patient name search find nobody).
 *
 * <p>Only the server's own package installer ({@link PackageInstaller}, which writes as {@link
 * SystemRequestDetails}) is exempt. Who may add SearchParameters and profiles at all is an
 * authorisation rule (security/), checked before this.
 */
@Component
@Interceptor
public class ConformanceGuard implements FhirInterceptor {

  /** Canonical URL bases that belong to the FHIR specification and to our package. */
  static final List<String> RESERVED_BASES =
      List.of(
          "http://hl7.org/fhir/",
          "https://hl7.org/fhir/",
          "http://terminology.hl7.org/",
          "https://terminology.hl7.org/",
          ProjectPackage.CANONICAL_BASE + "/");

  private static final Set<String> RESOURCE_BASES = Set.of("Resource", "DomainResource");

  /** The leading name of each union branch of a FHIRPath expression, e.g. Patient in Patient.x. */
  private static final Pattern LEADING_TYPE =
      Pattern.compile("(?:^|\\|)\\s*\\(*\\s*([A-Z][A-Za-z]+)\\b");

  private final FhirContext fhirContext;

  ConformanceGuard(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
  }

  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = -100)
  public void created(IBaseResource resource, RequestDetails request) {
    check(null, resource, request);
  }

  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = -100)
  public void updated(
      IBaseResource oldResource, IBaseResource newResource, RequestDetails request) {
    check(oldResource, newResource, request);
  }

  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED, order = -100)
  public void deleted(IBaseResource resource, RequestDetails request) {
    if (!bySystem(request)) {
      refuseReserved(resource, "deleted");
    }
  }

  private void check(IBaseResource oldResource, IBaseResource resource, RequestDetails request) {
    if (bySystem(request)) {
      return;
    }
    if (oldResource != null) {
      refuseReserved(oldResource, "overwritten");
    }
    refuseReserved(resource, oldResource == null ? "created" : "overwritten");
    if (resource instanceof SearchParameter searchParameter) {
      List<String> problems = problems(searchParameter);
      if (!problems.isEmpty()) {
        throw new UnprocessableEntityException(
            fhirContext, outcome(IssueType.BUSINESSRULE, "SearchParameter", problems));
      }
    }
  }

  private static boolean bySystem(RequestDetails request) {
    return request == null || request instanceof SystemRequestDetails;
  }

  private void refuseReserved(IBaseResource resource, String what) {
    if (!(resource instanceof MetadataResource conformance) || !conformance.hasUrl()) {
      return;
    }
    String url = conformance.getUrl();
    for (String base : RESERVED_BASES) {
      if (url.startsWith(base)) {
        String message =
            resource.fhirType()
                + " "
                + url
                + " belongs to "
                + (base.startsWith(ProjectPackage.CANONICAL_BASE)
                    ? "this server's FHIR package"
                    : "the FHIR specification")
                + " and cannot be "
                + what
                + " through the API; use a canonical URL of your own";
        throw new ForbiddenOperationException(
            message, outcome(IssueType.FORBIDDEN, resource.fhirType() + ".url", List.of(message)));
      }
    }
  }

  /** Why this SearchParameter is refused; empty when it may be stored. */
  List<String> problems(SearchParameter searchParameter) {
    List<String> problems = new ArrayList<>();
    String code = searchParameter.getCode();
    List<String> bases = searchParameter.getBase().stream().map(CodeType::getCode).toList();
    for (String base : bases) {
      if (base == null) {
        continue;
      }
      if (code != null && builtIn(base, code)) {
        problems.add(
            "SearchParameter.code '"
                + code
                + "' on base "
                + base
                + " would replace a search parameter of the FHIR specification; choose another"
                + " code");
      }
      if (!RESOURCE_BASES.contains(base) && !fhirContext.getResourceTypes().contains(base)) {
        problems.add("SearchParameter.base '" + base + "' is not an R4 resource type");
      }
    }
    if (code != null && code.startsWith("_")) {
      problems.add(
          "SearchParameter.code '" + code + "': codes starting with _ are reserved by FHIR");
    }
    String expression = searchParameter.getExpression();
    if (expression != null
        && !bases.isEmpty()
        && bases.stream().noneMatch(RESOURCE_BASES::contains)) {
      Matcher leading = LEADING_TYPE.matcher(expression);
      while (leading.find()) {
        String type = leading.group(1);
        if (fhirContext.getResourceTypes().contains(type) && !bases.contains(type)) {
          problems.add(
              "SearchParameter.expression '"
                  + expression
                  + "' reads "
                  + type
                  + ", which is not among its bases "
                  + bases);
        }
      }
    }
    return problems;
  }

  /** Whether the base specification defines a search parameter with this code on this base. */
  private boolean builtIn(String base, String code) {
    if (RESOURCE_BASES.contains(base)) {
      return code.startsWith("_");
    }
    if (!fhirContext.getResourceTypes().contains(base)) {
      return false;
    }
    RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(base);
    RuntimeSearchParam existing = definition.getSearchParam(code);
    return existing != null;
  }

  private static OperationOutcome outcome(
      IssueType type, String expression, List<String> messages) {
    OperationOutcome outcome = new OperationOutcome();
    for (String message : messages) {
      outcome
          .addIssue()
          .setSeverity(IssueSeverity.ERROR)
          .setCode(type)
          .setDiagnostics(message)
          .addExpression(expression);
    }
    return outcome;
  }
}
