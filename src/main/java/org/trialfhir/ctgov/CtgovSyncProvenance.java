package org.trialfhir.ctgov;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.trialfhir.server.VersionedReferences;

/**
 * The Provenance of a change the scheduled sync made as the server: no request of anyone's records
 * it (no AuditEvent names a caller), so each study and eligibility Group it gives a new version is
 * named, with the version before, the registry record it came from and the server as the agent.
 */
@Component
class CtgovSyncProvenance {

  private static final Logger log = LoggerFactory.getLogger(CtgovSyncProvenance.class);

  static final String ACTIVITY = "http://trialfhir.org/fhir/CodeSystem/provenance-activity";
  static final String SYNC = "registry-sync";
  private static final String PARTICIPANT =
      "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

  /** A study's and its Group's versions before an import (references with version; null: none). */
  record Before(String study, String group) {}

  private final DaoRegistry daos;

  CtgovSyncProvenance(DaoRegistry daos, FhirContext fhir) {
    this.daos = daos;
    // A Provenance names the versions it produced and the ones before.
    VersionedReferences.keep(fhir, "Provenance.target");
    VersionedReferences.keep(fhir, "Provenance.entity.what");
  }

  Before before(ResearchStudy study, RequestDetails caller) {
    return new Before(versioned(study), versioned(group(study, caller)));
  }

  /**
   * Writes the Provenance of one import, if it changed the study or its Group; a sentence saying
   * why none could be written otherwise (the change itself stands), null when all is well.
   */
  String record(
      Before before, CtgovImporter.Result result, LocalDate lastUpdate, RequestDetails caller) {
    try {
      ResearchStudy study =
          daos.getResourceDao(ResearchStudy.class)
              .read(new IdType(result.studyReference()), caller);
      List<String> changed = new ArrayList<>();
      List<String> previous = new ArrayList<>();
      compare(versioned(study), before.study(), changed, previous);
      compare(versioned(group(study, caller)), before.group(), changed, previous);
      if (changed.isEmpty()) {
        return null;
      }
      daos.getResourceDao(Provenance.class)
          .create(provenance(changed, previous, result.nctId(), lastUpdate), caller);
      return null;
    } catch (BaseServerResponseException e) {
      log.warn("Registry sync: no Provenance for {}: {}", result.studyReference(), e.getMessage());
      return "The registry sync updated "
          + result.studyReference()
          + " but could not record its Provenance: "
          + e.getMessage();
    }
  }

  private static void compare(
      String now, String before, List<String> changed, List<String> previous) {
    if (now != null && !now.equals(before)) {
      changed.add(now);
      if (before != null
          && new IdType(before).toVersionless().equals(new IdType(now).toVersionless())) {
        previous.add(before);
      }
    }
  }

  private static Provenance provenance(
      List<String> changed, List<String> previous, String nctId, LocalDate lastUpdate) {
    Provenance provenance = new Provenance();
    changed.forEach(t -> provenance.addTarget(new Reference(t)));
    provenance.setRecorded(new Date());
    provenance.getActivity().addCoding(new Coding(ACTIVITY, SYNC, "Registry sync"));
    Provenance.ProvenanceAgentComponent agent = provenance.addAgent();
    agent.getType().addCoding(new Coding(PARTICIPANT, "assembler", "Assembler"));
    agent.setWho(
        new Reference()
            .setDisplay("trialfhir server: scheduled registry sync (trialfhir.ctgov.sync)"));
    provenance
        .addEntity()
        .setRole(Provenance.ProvenanceEntityRole.SOURCE)
        .setWhat(
            new Reference()
                .setIdentifier(
                    new Identifier().setSystem(CtgovStudyMapper.NCT_SYSTEM).setValue(nctId))
                .setDisplay(
                    "ClinicalTrials.gov record "
                        + nctId
                        + (lastUpdate == null ? "" : ", last updated " + lastUpdate)));
    previous.forEach(
        p ->
            provenance
                .addEntity()
                .setRole(Provenance.ProvenanceEntityRole.REVISION)
                .setWhat(new Reference(p)));
    return provenance;
  }

  private Group group(ResearchStudy study, RequestDetails caller) {
    if (study == null || !study.hasEnrollment() || !study.getEnrollmentFirstRep().hasReference()) {
      return null;
    }
    try {
      return daos.getResourceDao(Group.class)
          .read(
              new IdType(study.getEnrollmentFirstRep().getReference()).toUnqualifiedVersionless(),
              caller);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return null;
    }
  }

  private static String versioned(org.hl7.fhir.r4.model.Resource resource) {
    if (resource == null) {
      return null;
    }
    String version =
        resource.getIdElement().hasVersionIdPart()
            ? resource.getIdElement().getVersionIdPart()
            : resource.getMeta().getVersionId();
    return resource.fhirType() + "/" + resource.getIdElement().getIdPart() + "/_history/" + version;
  }
}
