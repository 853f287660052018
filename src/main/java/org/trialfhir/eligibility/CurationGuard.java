package org.trialfhir.eligibility;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirInterceptor;

/**
 * A machine's reading of registry text gains the power to exclude only through a coordinator's
 * recorded decision ({@link CriterionCuration}, which writes the Provenance with it). A storage
 * rule, so PUT, PATCH, transactions and imports meet it. Outside that operation a write of an
 * eligibility Group may not:
 *
 * <ul>
 *   <li>give a criterion the origin {@code confirmed} (only a coordinator's decision confirms);
 *   <li>hold, as a criterion that can exclude (any origin but machine-derived, any kind but
 *       manual-review), the same computable form as one of the previous version's machine-derived
 *       criteria, whatever its id, origin or wording now;
 * </ul>
 *
 * and no one but that operation writes a Provenance of a curation. Moving the other way (back to
 * machine-derived, or to a person's judgement) makes no criterion stricter and is left alone.
 */
@Component
@Interceptor
class CurationGuard implements FhirInterceptor {

  private final FhirContext fhir;

  CurationGuard(FhirContext fhir) {
    this.fhir = fhir;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    check(null, resource, request);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    check(previous, resource, request);
  }

  private void check(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    Object curating =
        request == null ? null : request.getUserData().get(CriterionCuration.CURATING);
    if (resource instanceof Provenance provenance && curating == null && isCuration(provenance)) {
      throw new UnprocessableEntityException(
          "A Provenance of a criterion's curation is written by"
              + " ResearchStudy/[id]/$curate-criterion only");
    }
    if (!(resource instanceof Group after)) {
      return;
    }
    Set<String> confirmedBefore = new HashSet<>();
    Set<String> machineForms = new HashSet<>();
    Set<String> excludingFormsBefore = new HashSet<>();
    if (previous instanceof Group before) {
      for (GroupCharacteristicComponent criterion : before.getCharacteristic()) {
        String origin = CriterionCuration.origin(criterion);
        if (CriterionCuration.CONFIRMED.equals(origin)) {
          confirmedBefore.add(criterion.getId());
        }
        if (CriteriaReader.MACHINE_DERIVED.equals(origin)) {
          machineForms.add(form(before, criterion));
        } else if (canExclude(criterion)) {
          excludingFormsBefore.add(form(before, criterion));
        }
      }
    }
    // A form that already excluded under a person's or the registry's authority (the registry's
    // own age range, read again from the text by machine) gains nothing.
    machineForms.removeAll(excludingFormsBefore);
    for (GroupCharacteristicComponent criterion : after.getCharacteristic()) {
      String id = criterion.getId();
      if (id != null && id.equals(curating)) {
        continue;
      }
      String origin = CriterionCuration.origin(criterion);
      boolean newlyConfirmed =
          CriterionCuration.CONFIRMED.equals(origin) && !confirmedBefore.contains(id);
      boolean machineFormNowExcluding =
          !CriteriaReader.MACHINE_DERIVED.equals(origin)
              && canExclude(criterion)
              && machineForms.contains(form(after, criterion));
      if (newlyConfirmed || machineFormNowExcluding) {
        throw new UnprocessableEntityException(
            "Criterion '"
                + id
                + "': a criterion read by machine from registry text is confirmed or edited with"
                + " ResearchStudy/[id]/$curate-criterion, which records who decided and when,"
                + " not by writing the Group");
      }
    }
  }

  private static boolean isCuration(Provenance provenance) {
    for (Coding coding : provenance.getActivity().getCoding()) {
      if (CriterionCuration.ACTIVITY.equals(coding.getSystem())
          && coding.getCode() != null
          && coding.getCode().startsWith("criterion-")) {
        return true;
      }
    }
    return false;
  }

  private static boolean canExclude(GroupCharacteristicComponent criterion) {
    return criterion.getCode().getCoding().stream()
        .filter(c -> CriteriaReader.KIND_SYSTEM.equals(c.getSystem()))
        .map(Coding::getCode)
        .findFirst()
        .flatMap(CriterionKind::of)
        .filter(kind -> kind != CriterionKind.MANUAL_REVIEW)
        .isPresent();
  }

  /**
   * The computable form of a criterion: what decides its outcome (kind, value, side, ValueSet,
   * window and an any-of's parts), without its id, origin or wording.
   */
  private String form(Group group, GroupCharacteristicComponent criterion) {
    GroupCharacteristicComponent copy = criterion.copy();
    copy.setId(null);
    copy.removeExtension(CriteriaReader.EXT_ORIGIN);
    copy.removeExtension(CriteriaReader.EXT_DESCRIPTION);
    copy.getCode().setText(null);
    StringBuilder form = new StringBuilder();
    if (copy.getValue() instanceof Reference reference
        && reference.getReference() != null
        && reference.getReference().startsWith("#")) {
      String local = reference.getReference().substring(1);
      copy.setValue(null);
      for (Resource contained : group.getContained()) {
        if (contained instanceof Group parts
            && (local.equals(contained.getIdElement().getIdPart())
                || ("#" + local).equals(contained.getId()))) {
          for (GroupCharacteristicComponent part : parts.getCharacteristic()) {
            form.append('|').append(form(parts, part));
          }
        }
      }
    }
    Group holder = new Group();
    holder.addCharacteristic(copy);
    // A parser per use: HAPI's parsers are not to be shared between threads.
    IParser json = fhir.newJsonParser();
    return json.encodeResourceToString(holder) + form;
  }
}
