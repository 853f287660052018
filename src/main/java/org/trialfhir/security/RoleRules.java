package org.trialfhir.security;

import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.List;
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

  /** What $eligibility, $match-studies and $screen read of a patient's record. */
  static final List<String> RECORD_READS =
      List.of(
          "ResearchStudy", "Patient", "Condition", "Observation", "AllergyIntolerance", "Consent");

  /** What $endpoint-report reads: the study, its subjects, their labs and adverse events. */
  static final List<String> REPORT_READS =
      List.of("ResearchStudy", "ResearchSubject", "Observation", "AdverseEvent");

  /**
   * What $visits reads as its caller: the subject, its study and schedule, the patient's visits.
   */
  static final List<String> VISIT_READS =
      List.of("ResearchSubject", "ResearchStudy", "PlanDefinition", "Encounter", "Observation");

  /** What $import-ctgov stores: the study, its eligibility Group, sponsors and sites. */
  static final List<String> IMPORT_WRITES =
      List.of("ResearchStudy", "Group", "Organization", "Location");

  /**
   * Operations belong to roles: screening and enrolment to the study team, import to registries.
   * The role alone is not enough: the token's scopes (user or system, not one patient's) must also
   * allow what the operation reads and writes on the caller's behalf, e.g. a registry token without
   * scopes imports nothing.
   */
  static void add(Caller caller, RuleBuilder rules) {
    boolean readsBeyondOnePatient =
        caller.scopes().stream()
            .anyMatch(s -> !s.context().equals("patient") && s.grants(Permission.READ));
    boolean studyTeam = caller.has(Role.COORDINATOR) || caller.has(Role.INVESTIGATOR);
    boolean readsRecords = readsAll(caller, RECORD_READS);
    if (studyTeam && readsRecords) {
      // These read as their caller: each record they read must be one the caller's scopes allow.
      allowOnInstancesReadingAsCaller(rules, "screening", "$eligibility", ResearchStudy.class);
      allowOnInstancesReadingAsCaller(rules, "screening", "$match-studies", Patient.class);
    }
    if (caller.readsAllOf("ResearchStudy") && caller.readsAllOf("Group")) {
      // A record supplied in the request (Patient/$match-studies, ResearchStudy/$match) is the
      // caller's own data: evaluating it reads only the studies and their criteria, as the caller.
      allowOnTypeReadingAsCaller(rules, "record matching", "$match-studies", Patient.class);
      allowOnTypeReadingAsCaller(rules, "record matching", "$match", ResearchStudy.class);
    }
    if (studyTeam && readsRecords && caller.readsAllOf("Group")) {
      // A candidate Group's member list is patient data.
      allowOnInstances(rules, "screening", "$screen", ResearchStudy.class);
      rules
          .allow("screening")
          .operation()
          .named("$screen-status")
          .onServer()
          .andAllowAllResponses();
    }
    if (caller.has(Role.COORDINATOR)
        && caller.readsAllOf("ResearchStudy")
        && caller.writesAllOf("Group")
        && writes(caller, "Provenance")) {
      // Curation of a study's criteria (eligibility/CriterionCuration): writes the eligibility
      // Group and the Provenance of the decision as the caller.
      allowOnInstancesReadingAsCaller(rules, "curation", "$curate-criterion", ResearchStudy.class);
    }
    if (studyTeam && readsRecords && writes(caller, "ResearchSubject")) {
      allowOnInstancesReadingAsCaller(rules, "enrolment", "$enroll", ResearchStudy.class);
      // The worklist's contact and screening statuses (screeninglog/): writes the subject as the
      // caller, reads the record for an "eligible" as $eligibility does.
      allowOnInstancesReadingAsCaller(
          rules, "screening log", "$record-screening", ResearchStudy.class);
    }
    if (studyTeam && caller.readsAllOf("ResearchSubject") && caller.readsAllOf("Provenance")) {
      // Reads the subjects and their Provenance as the caller; answers CSV (a Binary, no arm).
      allowOnInstances(rules, "screening log", "$screening-log", ResearchStudy.class);
    }
    if (studyTeam && caller.readsAllOf("ResearchSubject") && writes(caller, "ResearchSubject")) {
      allowOnInstancesReadingAsCaller(rules, "enrolment", "$withdraw", ResearchSubject.class);
    }
    if (studyTeam && readsAll(caller, VISIT_READS)) {
      allowOnInstancesReadingAsCaller(rules, "visits", "$visits", ResearchSubject.class);
    }
    if (readsAll(caller, REPORT_READS)
        && (caller.has(Role.COORDINATOR)
            || caller.has(Role.INVESTIGATOR)
            || caller.has(Role.UNBLINDED)
            || caller.has(Role.REGISTRY))) {
      // Aggregates over the study's subjects, pooled over arms.
      allowOnInstances(rules, "reports", "$endpoint-report", ResearchStudy.class);
    }
    if (caller.has(Role.REGISTRY) && IMPORT_WRITES.stream().allMatch(t -> writes(caller, t))) {
      allowOnType(rules, "registry", "$import-ctgov", ResearchStudy.class);
      // The registry sync imports the followed studies' changed records, the same writes.
      allowOnType(rules, "registry", "$sync-ctgov", ResearchStudy.class);
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
    if (caller.scopes().stream()
        .anyMatch(
            s ->
                !s.context().equals("patient")
                    && (s.grants(Permission.CREATE) || s.grants(Permission.UPDATE)))) {
      // Bulk import (bulkimport/): each resource is then written as the caller, under every rule
      // a REST write of it meets; a patient's token imports nothing.
      // Explicit: the Binary files read at kick-off must be ones the caller may read.
      rules
          .allow("bulk import")
          .operation()
          .named("$import")
          .onServer()
          .andRequireExplicitResponseAuthorization();
      rules
          .allow("bulk import")
          .operation()
          .named("$import-poll-status")
          .onServer()
          .andAllowAllResponses();
    }
    if (caller.has(Role.ADMINISTRATOR)
        && caller.scopes().stream()
            .anyMatch(
                s -> !s.context().equals("patient") && s.allTypes() && s.grants(Permission.READ))) {
      // The eligibility projection is an index of every patient's record, as HAPI's search indexes
      // are: rebuilding it (projection/) reads every resource and shows none of them.
      rules
          .allow("projection rebuild")
          .operation()
          .named("$rebuild-projection")
          .onServer()
          .andAllowAllResponses();
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

  private static boolean readsAll(Caller caller, List<String> types) {
    return types.stream().allMatch(caller::readsAllOf);
  }

  /** Creates and updates (and reads, to find what is there) any resource of the type. */
  private static boolean writes(Caller caller, String type) {
    return caller.writesAllOf(type) && caller.readsAllOf(type);
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

  /** As {@link #allowOnInstancesReadingAsCaller}, for an operation on the type. */
  static void allowOnTypeReadingAsCaller(
      RuleBuilder rules, String label, String operation, Class<? extends IBaseResource> type) {
    rules
        .allow(label)
        .operation()
        .named(operation)
        .onType(type)
        .andRequireExplicitResponseAuthorization();
  }

  static void allowOnType(
      RuleBuilder rules, String label, String operation, Class<? extends IBaseResource> type) {
    rules.allow(label).operation().named(operation).onType(type).andAllowAllResponses();
  }
}
