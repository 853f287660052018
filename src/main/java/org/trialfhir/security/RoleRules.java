package org.trialfhir.security;

import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.trialfhir.security.Caller.Role;
import org.trialfhir.security.SmartScope.Permission;

/** What each role may do beyond its scopes: the operations of the study team, registries, apps. */
final class RoleRules {

  private RoleRules() {}

  /**
   * Operations belong to roles: screening and enrolment to the study team, import to registries.
   * The role alone is not enough: the token must also read data beyond one patient (user or system
   * scope), since these operations read any patient's record.
   */
  static void add(Caller caller, RuleBuilder rules) {
    boolean readsBeyondOnePatient =
        caller.scopes().stream()
            .anyMatch(s -> !s.context().equals("patient") && s.grants(Permission.READ));
    if (readsBeyondOnePatient && (caller.has(Role.COORDINATOR) || caller.has(Role.INVESTIGATOR))) {
      // These read as their caller: each record they read must be one the caller's scopes allow.
      allowOnInstancesReadingAsCaller(rules, "screening", "$eligibility", ResearchStudy.class);
      allowOnInstancesReadingAsCaller(rules, "screening", "$match-studies", Patient.class);
      allowOnInstancesReadingAsCaller(rules, "enrolment", "$enroll", ResearchStudy.class);
      allowOnInstancesReadingAsCaller(rules, "enrolment", "$withdraw", ResearchSubject.class);
      allowOnInstances(rules, "screening", "$screen", ResearchStudy.class);
      rules
          .allow("screening")
          .operation()
          .named("$screen-status")
          .onServer()
          .andAllowAllResponses();
    }
    if (readsBeyondOnePatient
        && (caller.has(Role.COORDINATOR)
            || caller.has(Role.INVESTIGATOR)
            || caller.has(Role.UNBLINDED)
            || caller.has(Role.REGISTRY))) {
      // Aggregates over the study's subjects, pooled over arms.
      allowOnInstances(rules, "reports", "$endpoint-report", ResearchStudy.class);
    }
    if (caller.has(Role.REGISTRY)) {
      allowOnType(rules, "registry", "$import-ctgov", ResearchStudy.class);
    }
    if (caller.has(Role.REGISTRY) && readsBeyondOnePatient) {
      // Bulk Data export, de-identified and blinded whatever the caller's other roles (export/).
      rules.allow("registry export").bulkExport().any();
      rules.allow("registry export").operation().named("$export").onServer().andAllowAllResponses();
      allowOnType(rules, "registry export", "$export", Patient.class);
      rules
          .allow("registry export")
          .operation()
          .named("$export-poll-status")
          .onServer()
          .andAllowAllResponses();
      rules
          .allow("registry export files")
          .read()
          .resourcesOfType("Binary")
          .withAnyId()
          .withTester(new ExportFiles(caller.clientId(), true));
    }
    if (caller.patient() != null
        && caller.scopes().stream()
            .anyMatch(s -> s.context().equals("patient") && s.grants(Permission.READ))) {
      // A patient app may ask which studies its own patient might join.
      rules
          .allow("own studies")
          .operation()
          .named("$match-studies")
          .onInstance(new IdType("Patient", caller.patient()))
          .andAllowAllResponses();
    }
  }

  static void allowOnInstances(
      RuleBuilder rules, String label, String operation, Class<? extends IBaseResource> type) {
    rules.allow(label).operation().named(operation).onInstancesOfType(type).andAllowAllResponses();
  }

  /**
   * An operation whose every read is made as its caller (it passes the caller's request to the
   * DAOs): what it reads and what it answers are checked against the caller's other rules.
   */
  static void allowOnInstancesReadingAsCaller(
      RuleBuilder rules, String label, String operation, Class<? extends IBaseResource> type) {
    rules
        .allow(label)
        .operation()
        .named(operation)
        .onInstancesOfType(type)
        .andRequireExplicitResponseAuthorization();
  }

  static void allowOnType(
      RuleBuilder rules, String label, String operation, Class<? extends IBaseResource> type) {
    rules.allow(label).operation().named(operation).onType(type).andAllowAllResponses();
  }
}
