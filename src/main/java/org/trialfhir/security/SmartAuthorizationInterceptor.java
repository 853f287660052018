package org.trialfhir.security;

import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOp;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifier;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.stereotype.Component;
import org.trialfhir.security.Caller.Role;
import org.trialfhir.security.SmartScope.Permission;
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

  /**
   * Where export files name the OAuth client that asked for them (see RegistryExportInterceptor).
   */
  public static final String EXPORT_CLIENT_SYSTEM = "http://trialfhir.org/fhir/sid/oauth-client";

  private final SecurityProperties properties;

  SmartAuthorizationInterceptor(SecurityProperties properties) {
    super(PolicyEnum.DENY);
    this.properties = properties;
  }

  @Override
  public List<IAuthRule> buildRuleList(RequestDetails request) {
    if (!properties.enabled() || internal(request)) {
      return new RuleBuilder().allowAll().build();
    }
    Caller caller = Caller.current(properties);
    refuseJoinsWithoutReadAccess(request, caller);
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
          .andThen()
          .deny("only unblinded administrators may change search parameters")
          .write()
          .resourcesOfType("SearchParameter")
          .withAnyId();
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
        .withAnyId();
    if (caller.has(Role.AUDITOR)) {
      rules.allow("auditor").read().resourcesOfType(AUDIT).withAnyId();
    } else {
      rules.deny("AuditEvents are for auditors").read().resourcesOfType(AUDIT).withAnyId();
    }
    rules.allow("public").metadata();
    for (String type : properties.publicTypes()) {
      rules.allow("public").read().resourcesOfType(type).withAnyId();
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

  /**
   * A reverse chain ({@code _has}) or a chain ({@code subject.name}) on a public type would answer
   * questions about patient data (which studies a patient is in) without reading it: only a caller
   * that may read every type may ask them.
   */
  private static void refuseJoinsWithoutReadAccess(RequestDetails request, Caller caller) {
    boolean joins =
        request.getParameters().keySet().stream()
            .anyMatch(
                name ->
                    name.startsWith("_has")
                        || (name.contains(".") && !publicJoin(request.getResourceName(), name)));
    boolean readsAll =
        caller.scopes().stream()
            .anyMatch(
                s -> !s.context().equals("patient") && s.allTypes() && s.grants(Permission.READ));
    if (joins && !readsAll) {
      if (!caller.authenticated()) {
        AuthenticationException unauthenticated =
            new AuthenticationException(
                "Searching with _has or chained parameters needs a bearer token that may read all"
                    + " resource types");
        unauthenticated.addResponseHeader("WWW-Authenticate", "Bearer realm=\"trialfhir\"");
        throw unauthenticated;
      }
      if (caller.patient() == null
          || caller.scopes().stream().anyMatch(s -> !s.context().equals("patient"))) {
        throw new ForbiddenOperationException(
            "Searching with _has or chained parameters needs a scope that reads all resource types");
      }
      // A patient-only caller's joins are narrowed to its own compartment (PatientSearchNarrowing).
    }
  }

  /** One hop from a study to where it runs or who sponsors it: public, as those are. */
  private static final Set<String> PUBLIC_JOINS =
      Set.of(
          "site.near",
          "site.name",
          "site.address",
          "site.address-city",
          "site.address-state",
          "site.address-country",
          "site.address-postalcode",
          "sponsor.name");

  private static boolean publicJoin(String type, String parameter) {
    return "ResearchStudy".equals(type) && PUBLIC_JOINS.contains(parameter);
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

  /** Without a token the answer is 401 and how to authenticate, not 403. */
  @Override
  protected void handleDeny(RequestDetails request, Verdict verdict) {
    if (!Caller.current(properties).authenticated()) {
      AuthenticationException unauthenticated =
          new AuthenticationException(
              "This request needs a bearer token (OAuth2, SMART on FHIR scopes); "
                  + "see /fhir/.well-known/smart-configuration");
      unauthenticated.addResponseHeader("WWW-Authenticate", "Bearer realm=\"trialfhir\"");
      throw unauthenticated;
    }
    super.handleDeny(request, verdict);
  }
}
