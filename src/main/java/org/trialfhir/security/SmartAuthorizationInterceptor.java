package org.trialfhir.security;

import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOp;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifier;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleTester;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.List;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;
import org.trialfhir.security.Caller.Role;
import org.trialfhir.security.SmartScope.Permission;
import org.trialfhir.server.FhirServerProperties;
import org.trialfhir.server.RestInterceptor;

/**
 * Turns the caller's SMART scopes and roles into HAPI authorisation rules, per request. What
 * describes a study is public; everything else needs a token (401 without one, 403 when the token
 * does not allow it). Calls the server makes to itself ({@link SystemRequestDetails}) are trusted.
 */
@Component
@Interceptor
public class SmartAuthorizationInterceptor extends AuthorizationInterceptor
    implements RestInterceptor {

  private static final String AUDIT = "AuditEvent";
  private static final String GROUP = "Group";

  /** What defines the server's behaviour for every caller (profiles, terminology, searches). */
  private static final List<String> CONFORMANCE_TYPES =
      List.of(
          "StructureDefinition",
          "SearchParameter",
          "CodeSystem",
          "ValueSet",
          "ConceptMap",
          "NamingSystem",
          "OperationDefinition",
          "CapabilityStatement",
          "ImplementationGuide",
          "StructureMap",
          "CompartmentDefinition");

  /**
   * Where export files name the OAuth client that asked for them (see RegistryExportInterceptor).
   */
  public static final String EXPORT_CLIENT_SYSTEM = "http://trialfhir.org/fhir/sid/oauth-client";

  private final SecurityProperties properties;
  private final FhirServerProperties server;
  private final ISearchParamRegistry searchParams;

  SmartAuthorizationInterceptor(
      SecurityProperties properties,
      FhirServerProperties server,
      @Lazy ISearchParamRegistry searchParams) {
    super(PolicyEnum.DENY);
    this.properties = properties;
    this.server = server;
    this.searchParams = searchParams;
  }

  @Override
  public List<IAuthRule> buildRuleList(RequestDetails request) {
    if (!properties.enabled() || internal(request)) {
      return new RuleBuilder().allowAll().build();
    }
    Caller caller = Caller.current(properties);
    new JoinGuard(properties, caller, new Joins(request.getFhirContext(), searchParams))
        .check(request);
    RuleBuilder rules = new RuleBuilder();
    if (!caller.has(Role.UNBLINDED)) {
      // Treatment allocations (Basic) and the search index are out of a blinded caller's reach:
      // a PATCH "test" or a new SearchParameter would otherwise probe an arm without reading it.
      rules
          .deny("allocations are written by the server; blinded callers may not change them")
          .write()
          .resourcesOfType("Basic")
          .withAnyId()
          .andThen()
          .deny("allocations are written by the server; blinded callers may not delete them")
          .delete()
          .resourcesOfType("Basic")
          .withAnyId()
          .withTester(new OfType("Basic"))
          .andThen()
          .deny("only unblinded administrators may change search parameters")
          .write()
          .resourcesOfType("SearchParameter")
          .withAnyId();
    }
    if (!caller.has(Role.ADMINISTRATOR)) {
      // Profiles, terminology, search parameters and operation definitions change what the server
      // does for everyone: an administrator's right (and audited, as every write is).
      for (String type : CONFORMANCE_TYPES) {
        rules
            .deny("only administrators may change " + type + " resources")
            .write()
            .resourcesOfType(type)
            .withAnyId()
            .andThen()
            .deny("only administrators may delete " + type + " resources")
            .delete()
            .resourcesOfType(type)
            .withAnyId()
            .withTester(new OfType(type));
      }
    }
    rules
        .deny("AuditEvents are written by the server only")
        .write()
        .resourcesOfType(AUDIT)
        .withAnyId()
        .andThen()
        .deny("AuditEvents cannot be deleted")
        .delete()
        .resourcesOfType(AUDIT)
        .withAnyId()
        // HAPI's rule would match a conditional DELETE of any type (no id yet): only AuditEvents.
        .withTester(new OfType(AUDIT));
    if (caller.has(Role.AUDITOR)) {
      rules.allow("auditor").read().resourcesOfType(AUDIT).withAnyId();
    } else {
      rules.deny("AuditEvents are for auditors").read().resourcesOfType(AUDIT).withAnyId();
    }
    if (!caller.readsAllOf(GROUP)) {
      // A Group with members (a candidate list, a cohort) is patient data, public type or not.
      rules
          .deny("a Group with members is patient data: it needs a scope that reads Groups")
          .read()
          .resourcesOfType(GROUP)
          .withAnyId()
          .withTester(GroupMembers.WITH_MEMBERS);
    }
    rules.allow("public").metadata();
    for (String type : properties.publicTypes()) {
      if (type.equals(GROUP)) {
        // Eligibility criteria (definitional Groups) are public: registry apps read them.
        rules
            .allow("public")
            .read()
            .resourcesOfType(type)
            .withAnyId()
            .withTester(GroupMembers.DEFINITIONAL);
      } else {
        rules.allow("public").read().resourcesOfType(type).withAnyId();
      }
    }
    for (String terminology : List.of("$expand", "$validate-code", "$lookup")) {
      RoleRules.allowOnType(rules, "public", terminology, ValueSet.class);
      RoleRules.allowOnInstances(rules, "public", terminology, ValueSet.class);
      RoleRules.allowOnType(rules, "public", terminology, CodeSystem.class);
    }
    ExportFiles othersFiles = new ExportFiles(caller.clientId(), false);
    rules
        .deny("export files belong to the client that asked for them")
        .read()
        .resourcesOfType("Binary")
        .withAnyId()
        .withTester(othersFiles)
        .andThen()
        .deny("export files belong to the client that asked for them")
        .write()
        .resourcesOfType("Binary")
        .withAnyId()
        .withTester(othersFiles)
        .andThen()
        .deny("export files belong to the client that asked for them")
        .delete()
        .resourcesOfType("Binary")
        .withAnyId()
        .withTester(othersFiles);
    RoleRules.add(caller, rules);
    scopeRules(caller, rules);
    return rules.denyAll("not allowed by the token's scopes and roles").build();
  }

  private static void scopeRules(Caller caller, RuleBuilder rules) {
    for (SmartScope scope : caller.scopes()) {
      IdType compartment = null;
      if (scope.context().equals("patient")) {
        if (caller.patient() == null) {
          continue; // a patient scope without a patient in context grants nothing
        }
        compartment = new IdType("Patient", caller.patient());
      }
      String name = scope.context() + "/" + scope.resourceType();
      if (scope.grants(Permission.READ) || scope.grants(Permission.SEARCH)) {
        finish(on(rules.allow(name).read(), scope), compartment);
        String everything = "$everything";
        if (compartment != null) {
          rules
              .allow(name)
              .operation()
              .named(everything)
              .onInstance(compartment)
              .andRequireExplicitResponseAuthorization();
        } else if (scope.allTypes() || scope.resourceType().equals("Patient")) {
          rules
              .allow(name)
              .operation()
              .named(everything)
              .onInstancesOfType(Patient.class)
              .andRequireExplicitResponseAuthorization();
        }
      }
      if (scope.grants(Permission.CREATE)) {
        finish(on(rules.allow(name).create(), scope), compartment);
      }
      if (scope.grants(Permission.UPDATE)) {
        finish(on(rules.allow(name).write(), scope), compartment);
      }
      if (scope.grants(Permission.DELETE)) {
        finish(on(rules.allow(name).delete(), scope), compartment);
      }
    }
    if (!caller.scopes().isEmpty()) {
      // $validate stores nothing and shows only what the caller sent.
      rules.allow("validate").operation().named("$validate").onAnyType().andAllowAllResponses();
      // Each entry of a batch or transaction is then checked against the rules above.
      rules.allow("bundles").transaction().withAnyOperation().andApplyNormalRules();
    }
  }

  private static IAuthRuleBuilderRuleOpClassifier on(IAuthRuleBuilderRuleOp op, SmartScope scope) {
    return scope.allTypes() ? op.allResources() : op.resourcesOfType(scope.resourceType());
  }

  private static void finish(IAuthRuleBuilderRuleOpClassifier rule, IdType compartment) {
    if (compartment == null) {
      rule.withAnyId();
    } else {
      rule.inCompartment("Patient", compartment);
    }
  }

  /**
   * Work the server does for itself ({@link SystemRequestDetails}) is trusted. It never reaches
   * this interceptor, which lives on the REST registry (see RestInterceptor); storage rules on the
   * JPA registry ask the same question.
   */
  static boolean internal(RequestDetails request) {
    return request == null
        || request instanceof SystemRequestDetails
        || request.getRestOperationType() == null;
  }

  /**
   * Limits a rule to one type also where HAPI's own type check is skipped: a conditional DELETE is
   * judged before the resources it matches are known, so HAPI matches every delete rule to it.
   */
  record OfType(String type) implements IAuthRuleTester {
    @Override
    public boolean matches(RuleTestRequest request) {
      String actual;
      if (request.resource != null) {
        actual = request.resource.fhirType();
      } else if (request.resourceId != null && request.resourceId.hasResourceType()) {
        actual = request.resourceId.getResourceType();
      } else {
        actual = request.requestDetails.getResourceName();
      }
      return type.equals(actual);
    }
  }

  /** Without a token the answer is 401 and how to authenticate, not 403. */
  @Override
  protected void handleDeny(RequestDetails request, Verdict verdict) {
    if (!Caller.current(properties).authenticated()) {
      AuthenticationException unauthenticated =
          new AuthenticationException(
              "This request needs a bearer token (OAuth2, SMART on FHIR scopes); "
                  + "see "
                  + server.path()
                  + "/.well-known/smart-configuration");
      unauthenticated.addResponseHeader("WWW-Authenticate", "Bearer realm=\"trialfhir\"");
      throw unauthenticated;
    }
    super.handleDeny(request, verdict);
  }
}
