package org.trialfhir.ctgov;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Service;
import org.trialfhir.server.InternalSearch;

/**
 * Imports ClinicalTrials.gov API v2 study records, each in one transaction of PUTs by stable id, so
 * that an identical record changes nothing, an edited one updates the same resources, and a failure
 * leaves nothing half-written. A study already held under the same NCT id (e.g. a seed study) is
 * updated in place; an eligibility Group that people authored is kept, not replaced by the
 * registry's text.
 */
@Service
public class CtgovImporter {

  /** The result of one record: created, updated, unchanged, or error. */
  public record Result(
      String nctId, String studyReference, String status, OperationOutcome outcome) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final DaoRegistry daos;
  private final IFhirSystemDao<Bundle, ?> systemDao;
  private final FhirContext fhirContext;

  CtgovImporter(DaoRegistry daos, IFhirSystemDao<Bundle, ?> systemDao, FhirContext fhirContext) {
    this.daos = daos;
    this.systemDao = systemDao;
    this.fhirContext = fhirContext;
  }

  private static final String RANDOMISATION = org.trialfhir.study.StudyDesign.RANDOMISATION;
  private static final String ALLOCATION_RATIO =
      "http://trialfhir.org/fhir/StructureDefinition/allocation-ratio";

  public Result importRecord(String json, int position, RequestDetails caller) {
    return importRecord(json, position, caller, false);
  }

  /**
   * As {@link #importRecord(String, int, RequestDetails)}; {@code follow}: the study is to be
   * followed by the registry sync from now on (it was fetched from the registry).
   */
  Result importRecord(String json, int position, RequestDetails caller, boolean follow) {
    String nct = null;
    try {
      JsonNode record = JSON.readTree(json);
      if (record == null || !record.isObject()) {
        throw new IllegalArgumentException("a study record must be a JSON object");
      }
      nct = CtgovStudyMapper.nctId(record);
      ResearchStudy existing = findByNct(nct, caller);
      String studyId = existing != null ? existing.getIdElement().getIdPart() : nct.toLowerCase();
      CtgovStudyMapper.Mapped mapped = new CtgovStudyMapper().map(record, studyId);
      List<String> warnings = new ArrayList<>(mapped.warnings());
      List<Resource> resources = new ArrayList<>(organizationsToWrite(mapped, caller));
      resources.addAll(mapped.locations());
      CtgovSyncMarks.mark(record, mapped.study(), existing, follow);
      Group held = heldGroup(existing, caller);
      Group authored = held != null && CtgovSyncCriteria.handWritten(held) ? held : null;
      if (authored != null) {
        mapped.study().getEnrollment().clear();
        mapped.study().addEnrollment().setReference("Group/" + authored.getIdElement().getIdPart());
        // Warnings about the registry's criteria no longer apply: they were not imported.
        warnings.removeIf(w -> w.matches("^(inc|exc)-\\d+ .*"));
        warnings.add(
            "The eligibility Group "
                + authored.getIdElement().getIdPart()
                + " was authored by people and is kept; the registry's criteria were not imported");
      } else if (held != null) {
        // A new registry version: curated criteria are kept or flagged, not overwritten.
        CtgovSyncCriteria.Merged merged = CtgovSyncCriteria.merge(held, mapped.eligibility());
        mapped.study().getEnrollment().clear();
        mapped.study().addEnrollment().setReference("Group/" + held.getIdElement().getIdPart());
        warnings.addAll(merged.flagged());
        resources.add(merged.group());
      } else {
        resources.add(mapped.eligibility());
      }
      keepLocalSettings(existing, mapped.study());
      resources.add(mapped.study());
      Map<String, String> before = versions(resources, caller);
      Bundle response = systemDao.transaction(caller, transaction(resources));
      String status = status(before, response);
      return new Result(nct, "ResearchStudy/" + studyId, status, warnings(warnings));
    } catch (JsonProcessingException e) {
      return error(nct, "Record " + position + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IllegalArgumentException | DataFormatException e) {
      return error(
          nct,
          "Record " + position + (nct == null ? "" : " (" + nct + ")") + ": " + e.getMessage());
    } catch (ForbiddenOperationException | AuthenticationException e) {
      // The caller may not make these writes: that is the answer to the whole request, not a
      // problem with one record.
      throw e;
    } catch (BaseServerResponseException e) {
      return error(
          nct,
          "Record "
              + position
              + (nct == null ? "" : " (" + nct + ")")
              + " was not stored: "
              + e.getMessage());
    }
  }

  /**
   * An organisation already held under the same name (e.g. a seed sponsor) is referred to, not
   * written again under a second id; the others are written.
   */
  private List<Organization> organizationsToWrite(
      CtgovStudyMapper.Mapped mapped, RequestDetails caller) {
    List<Organization> toWrite = new ArrayList<>();
    for (Organization org : mapped.organizations()) {
      SearchParameterMap byName =
          InternalSearch.map("name", new StringParam(org.getName()).setExact(true));
      List<IBaseResource> found =
          daos.getResourceDao(Organization.class).search(byName, caller).getAllResources();
      String mine = "Organization/" + org.getIdPart();
      if (found.isEmpty() || found.get(0).getIdElement().getIdPart().equals(org.getIdPart())) {
        toWrite.add(org);
      } else {
        String theirs = "Organization/" + found.get(0).getIdElement().getIdPart();
        for (Reference reference : organizationReferences(mapped.study())) {
          if (mine.equals(reference.getReference())) {
            reference.setReference(theirs);
          }
        }
      }
    }
    return toWrite;
  }

  private static List<Reference> organizationReferences(ResearchStudy study) {
    List<Reference> references = new ArrayList<>();
    references.add(study.getSponsor());
    study.getIdentifier().forEach(i -> references.add(i.getAssigner()));
    study.getExtension().stream()
        .filter(e -> e.getValue() instanceof Reference)
        .forEach(e -> references.add((Reference) e.getValue()));
    return references;
  }

  private ResearchStudy findByNct(String nct, RequestDetails caller) {
    SearchParameterMap byNct =
        InternalSearch.map("identifier", new TokenParam(CtgovStudyMapper.NCT_SYSTEM, nct));
    List<IBaseResource> found =
        daos.getResourceDao(ResearchStudy.class).search(byNct, caller).getAllResources();
    return found.isEmpty() ? null : (ResearchStudy) found.get(0);
  }

  /**
   * The registry does not know how this server randomises a study or schedules its visits: a
   * re-import keeps the study's randomisation extension, the arms' allocation ratios (matched by
   * arm name) and its schedule of activities.
   */
  private static void keepLocalSettings(ResearchStudy existing, ResearchStudy mapped) {
    if (existing == null) {
      return;
    }
    existing.getExtensionsByUrl(RANDOMISATION).forEach(e -> mapped.addExtension(e.copy()));
    // The schedule of activities is the protocol's, not the registry's.
    if (!mapped.hasProtocol()) {
      existing.getProtocol().forEach(p -> mapped.addProtocol(p.copy()));
    }
    for (ResearchStudy.ResearchStudyArmComponent arm : existing.getArm()) {
      mapped.getArm().stream()
          .filter(m -> m.getName() != null && m.getName().equals(arm.getName()))
          .forEach(
              m -> arm.getExtensionsByUrl(ALLOCATION_RATIO).forEach(e -> m.addExtension(e.copy())));
    }
  }

  /** The existing study's eligibility Group, if it has one. */
  private Group heldGroup(ResearchStudy existing, RequestDetails caller) {
    if (existing == null || !existing.hasEnrollment()) {
      return null;
    }
    try {
      return daos.getResourceDao(Group.class)
          .read(new IdType(existing.getEnrollmentFirstRep().getReference()), caller);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return null;
    }
  }

  private Map<String, String> versions(List<Resource> resources, RequestDetails caller) {
    Map<String, String> versions = new HashMap<>();
    for (Resource resource : resources) {
      String id = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
      try {
        IBaseResource current =
            daos.getResourceDao(resource.fhirType()).read(new IdType(id), caller);
        versions.put(id, current.getIdElement().getVersionIdPart());
      } catch (ResourceNotFoundException | ResourceGoneException e) {
        // new
      }
    }
    return versions;
  }

  private static Bundle transaction(List<Resource> resources) {
    Bundle bundle = new Bundle().setType(BundleType.TRANSACTION);
    for (Resource resource : resources) {
      String url = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
      bundle
          .addEntry()
          .setFullUrl(url)
          .setResource(resource)
          .getRequest()
          .setMethod(HTTPVerb.PUT)
          .setUrl(url);
    }
    return bundle;
  }

  /** created if the study is new; updated if any resource got a new version; else unchanged. */
  private static String status(Map<String, String> before, Bundle response) {
    boolean changed = false;
    boolean studyCreated = false;
    for (Bundle.BundleEntryComponent entry : response.getEntry()) {
      IdType location = new IdType(entry.getResponse().getLocation());
      String id = location.getResourceType() + "/" + location.getIdPart();
      String previous = before.get(id);
      if (previous == null) {
        changed = true;
        studyCreated |= "ResearchStudy".equals(location.getResourceType());
      } else if (!previous.equals(location.getVersionIdPart())) {
        changed = true;
      }
    }
    return studyCreated ? "created" : changed ? "updated" : "unchanged";
  }

  private static OperationOutcome warnings(List<String> warnings) {
    return outcome(
        OperationOutcome.IssueSeverity.WARNING, OperationOutcome.IssueType.INFORMATIONAL, warnings);
  }

  private static Result error(String nct, String message) {
    return new Result(nct, null, "error", error(message));
  }

  static OperationOutcome error(String message) {
    return outcome(
        OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueType.INVALID, List.of(message));
  }

  private static OperationOutcome outcome(
      OperationOutcome.IssueSeverity severity,
      OperationOutcome.IssueType type,
      List<String> messages) {
    OperationOutcome outcome = new OperationOutcome();
    messages.forEach(m -> outcome.addIssue().setSeverity(severity).setCode(type).setDiagnostics(m));
    return outcome;
  }
}
