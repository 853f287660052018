package org.trialfhir.eligibility;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Duration;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.SecurityProperties;
import org.trialfhir.server.VersionedReferences;

/**
 * A coordinator's decision on one criterion of a study's eligibility Group: confirm a machine
 * reading as it stands, edit its computable form with the package's kinds, ValueSets and units, or
 * reject it for a person to judge from its text. The Group's new version and the Provenance of the
 * decision are written together, as the caller, so authorisation, validation and audit apply.
 */
@Service
class CriterionCuration {

  /** Request user data naming the criterion being curated: what {@link CurationGuard} lets by. */
  static final String CURATING = CriterionCuration.class.getName() + ".criterion";

  static final String ACTIVITY = "http://trialfhir.org/fhir/CodeSystem/provenance-activity";
  static final String CURATED = CriteriaReader.BASE + "StructureDefinition/curated-criterion";
  static final String CONFIRMED = "confirmed";
  static final String AUTHORED = "authored";
  private static final String UCUM = "http://unitsofmeasure.org";
  private static final String PARTICIPANT =
      "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

  enum Action {
    CONFIRM,
    EDIT,
    REJECT;

    String code() {
      return name().toLowerCase();
    }

    static Action of(String code) {
      return Arrays.stream(values())
          .filter(a -> a.code().equals(code))
          .findFirst()
          .orElseThrow(
              () ->
                  new InvalidRequestException(
                      "Parameter 'action' must be confirm, edit or reject (was '" + code + "')"));
    }
  }

  /** What an edit changes; null keeps the current value. */
  record Edit(String kind, String valueSet, Type value, Duration lookback) {}

  private final DaoRegistry daos;
  private final IValidationSupport terminology;
  private final SecurityProperties security;
  private final TransactionTemplate transaction;

  CriterionCuration(
      DaoRegistry daos,
      IValidationSupport terminology,
      SecurityProperties security,
      PlatformTransactionManager transactions,
      FhirContext fhir) {
    this.daos = daos;
    this.terminology = terminology;
    this.security = security;
    this.transaction = new TransactionTemplate(transactions);
    // A Provenance names the Group version it produced and the one before.
    VersionedReferences.keep(fhir, "Provenance.target");
    VersionedReferences.keep(fhir, "Provenance.entity.what");
  }

  Group curate(
      IdType studyId,
      String criterionId,
      Action action,
      Edit edit,
      String reason,
      RequestDetails request) {
    return transaction.execute(
        status -> curateInTransaction(studyId, criterionId, action, edit, reason, request));
  }

  private Group curateInTransaction(
      IdType studyId,
      String criterionId,
      Action action,
      Edit edit,
      String reason,
      RequestDetails request) {
    ResearchStudy study =
        daos.getResourceDao(ResearchStudy.class).read(studyId.toUnqualifiedVersionless(), request);
    if (!study.hasEnrollment() || !study.getEnrollmentFirstRep().hasReference()) {
      throw new UnprocessableEntityException(
          "ResearchStudy/" + studyId.getIdPart() + " has no eligibility Group (enrollment)");
    }
    IFhirResourceDao<Group> groups = daos.getResourceDao(Group.class);
    IdType groupId =
        new IdType(study.getEnrollmentFirstRep().getReference()).toUnqualifiedVersionless();
    Group group = groups.read(groupId, request);
    String before = group.getIdElement().toUnqualified().getValue();
    GroupCharacteristicComponent criterion = find(group, criterionId);
    String origin = origin(criterion);
    switch (action) {
      case CONFIRM -> {
        requireMachineDerived(criterionId, origin, action);
        setOrigin(criterion, CONFIRMED);
      }
      case REJECT -> {
        requireMachineDerived(criterionId, origin, action);
        toManualReview(group, criterion);
        setOrigin(criterion, "registry");
      }
      case EDIT -> {
        apply(group, criterion, edit);
        setOrigin(criterion, AUTHORED);
      }
    }
    // The whole definition must still read as criteria (e.g. an onset period in whole units), and
    // the decided criterion must evaluate: tried on an empty record, nothing read or stored.
    for (Criterion read : CriteriaReader.read(group)) {
      if (read.id().equals(criterionId)) {
        new CriterionEvaluator(
                new PatientRecord(new Patient(), List.of(), List.of(), List.of(), List.of()),
                LocalDate.now(),
                "ResearchStudy/" + studyId.getIdPart(),
                new ValidationSupportMembership(terminology))
            .evaluate(read);
      }
    }
    // Marks this request's writes as the curation (CurationGuard lets them by), for both writes.
    request.getUserData().put(CURATING, criterionId);
    try {
      Group saved = (Group) groups.update(group, request).getResource();
      daos.getResourceDao(Provenance.class)
          .create(provenance(saved, before, criterionId, action, reason), request);
      return saved;
    } finally {
      request.getUserData().remove(CURATING);
    }
  }

  private static GroupCharacteristicComponent find(Group group, String id) {
    return group.getCharacteristic().stream()
        .filter(c -> id.equals(c.getId()))
        .findFirst()
        .orElseThrow(
            () ->
                new UnprocessableEntityException(
                    "Criterion '"
                        + id
                        + "' is not in "
                        + group.getIdElement().toUnqualifiedVersionless().getValue()
                        + "; its criteria are "
                        + String.join(
                            ", ",
                            group.getCharacteristic().stream()
                                .map(GroupCharacteristicComponent::getId)
                                .toList())));
  }

  static String origin(GroupCharacteristicComponent criterion) {
    var extension = criterion.getExtensionByUrl(CriteriaReader.EXT_ORIGIN);
    return extension == null || extension.getValue() == null
        ? null
        : extension.getValue().primitiveValue();
  }

  private static void setOrigin(GroupCharacteristicComponent criterion, String origin) {
    criterion.removeExtension(CriteriaReader.EXT_ORIGIN);
    criterion.addExtension(CriteriaReader.EXT_ORIGIN, new CodeType(origin));
  }

  private static void requireMachineDerived(String id, String origin, Action action) {
    if (!CriteriaReader.MACHINE_DERIVED.equals(origin)) {
      throw new UnprocessableEntityException(
          "Criterion '"
              + id
              + "' is not machine-derived (its origin is "
              + (origin == null ? "not stated" : "'" + origin + "'")
              + "): there is nothing to "
              + action.code()
              + "; use 'edit' to change it");
    }
  }

  /** A person judges it from its text, as an unrecognised registry criterion. */
  private static void toManualReview(Group group, GroupCharacteristicComponent criterion) {
    dropParts(group, criterion);
    setKind(criterion, CriterionKind.MANUAL_REVIEW);
    criterion.setValue(new BooleanType(true));
    for (String url :
        List.of(
            CriteriaReader.EXT_VALUESET,
            CriteriaReader.EXT_LOOKBACK,
            CriteriaReader.EXT_MOLAR_MASS,
            CriteriaReader.EXT_MANUAL)) {
      criterion.removeExtension(url);
    }
  }

  private void apply(Group group, GroupCharacteristicComponent criterion, Edit edit) {
    if (edit.kind() != null) {
      CriterionKind kind =
          CriterionKind.of(edit.kind())
              .filter(k -> k != CriterionKind.ANY_OF && k != CriterionKind.MANUAL_REVIEW)
              .orElseThrow(
                  () ->
                      new UnprocessableEntityException(
                          "Parameter 'kind': '"
                              + edit.kind()
                              + "' is not a criterion kind an edit can set (see CodeSystem"
                              + " criterion-kind; any-of and manual-review are not: use 'reject'"
                              + " for a person to judge it)"));
      dropParts(group, criterion);
      setKind(criterion, kind);
    }
    if (edit.valueSet() != null) {
      if (terminology.fetchValueSet(edit.valueSet()) == null) {
        throw new UnprocessableEntityException(
            "Parameter 'valueSet': " + edit.valueSet() + " is not a ValueSet this server holds");
      }
      criterion.removeExtension(CriteriaReader.EXT_VALUESET);
      criterion.addExtension(CriteriaReader.EXT_VALUESET, new CanonicalType(edit.valueSet()));
    }
    if (edit.value() instanceof Quantity quantity) {
      criterion.setValue(ucum(quantity, "threshold"));
    } else if (edit.value() instanceof Range range) {
      ucum(range.getLow(), "range.low");
      ucum(range.getHigh(), "range.high");
      criterion.setValue(range);
    }
    if (edit.lookback() != null) {
      criterion.removeExtension(CriteriaReader.EXT_LOOKBACK);
      criterion.addExtension(CriteriaReader.EXT_LOOKBACK, ucum(edit.lookback(), "lookback"));
    }
  }

  /** A value with a unit UCUM knows, stated as a UCUM code (the unit text defaults to it). */
  private static <T extends Quantity> T ucum(T quantity, String parameter) {
    if (quantity == null || quantity.isEmpty()) {
      return quantity;
    }
    String code = quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
    if (!quantity.hasValue()
        || code == null
        || UnitConverter.canonical(quantity.getValue(), code).isEmpty()) {
      throw new UnprocessableEntityException(
          "Parameter '"
              + parameter
              + "' needs a number and a UCUM unit (was "
              + (quantity.hasValue() ? quantity.getValue().toPlainString() : "no number")
              + " '"
              + code
              + "')");
    }
    quantity.setSystem(UCUM).setCode(code);
    if (!quantity.hasUnit()) {
      quantity.setUnit(code);
    }
    return quantity;
  }

  private static void setKind(GroupCharacteristicComponent criterion, CriterionKind kind) {
    criterion.getCode().getCoding().removeIf(c -> CriteriaReader.KIND_SYSTEM.equals(c.getSystem()));
    criterion.getCode().addCoding(new Coding(CriteriaReader.KIND_SYSTEM, kind.code(), null));
  }

  /** An any-of criterion's alternatives live in a contained Group; a new form has none. */
  private static void dropParts(Group group, GroupCharacteristicComponent criterion) {
    if (criterion.getValue() instanceof Reference reference
        && reference.getReference() != null
        && reference.getReference().startsWith("#")) {
      String local = reference.getReference().substring(1);
      group
          .getContained()
          .removeIf(
              r -> local.equals(r.getIdElement().getIdPart()) || ("#" + local).equals(r.getId()));
      criterion.setValue(null);
    }
  }

  private Provenance provenance(
      Group saved, String before, String criterionId, Action action, String reason) {
    Provenance provenance = new Provenance();
    provenance.addTarget(new Reference(saved.getIdElement().toUnqualified().getValue()));
    provenance.setRecorded(new Date());
    provenance
        .getActivity()
        .addCoding(
            new Coding(ACTIVITY, "criterion-" + action.code(), "Criterion " + action.code()));
    Provenance.ProvenanceAgentComponent agent = provenance.addAgent();
    agent.getType().addCoding(new Coding(PARTICIPANT, "author", "Author"));
    Reference caller = CurrentCaller.agent(security);
    agent.setWho(
        caller != null
            ? caller
            : new Reference().setDisplay("not identified: security is off on this server"));
    provenance
        .addEntity()
        .setRole(Provenance.ProvenanceEntityRole.REVISION)
        .setWhat(new Reference(before));
    if (reason != null) {
      provenance.addReason().setText(reason);
    }
    provenance.addExtension(CURATED, new StringType(criterionId));
    return provenance;
  }
}
