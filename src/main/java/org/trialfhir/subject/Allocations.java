package org.trialfhir.subject;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.InternalSearch;
import org.trialfhir.subject.PermutedBlocks.Arm;

/**
 * Stores randomisation: per study one allocation sequence (its seed, parameters and every slot with
 * the subject that took it) and per subject one allocation (the arm). Both are Basic resources
 * carrying the security label {@link #LABEL_CODE}, so that access control can hide them from
 * blinded users while the ResearchSubject stays visible.
 */
@Component
class Allocations {

  static final String KIND = "http://trialfhir.org/fhir/CodeSystem/allocation-kind";
  static final String SEQUENCE_URL =
      "http://trialfhir.org/fhir/StructureDefinition/allocation-sequence";
  static final String ALLOCATION_URL = "http://trialfhir.org/fhir/StructureDefinition/allocation";
  static final String LABEL_SYSTEM = "http://trialfhir.org/fhir/CodeSystem/security-label";
  static final String LABEL_CODE = "treatment-allocation";

  /** A slot taken by a patient: the allocation resource and the slot to mark with the subject. */
  record Allocation(Basic sequence, Extension slot, IdType allocationId, String arm) {}

  private final DaoRegistry daos;
  private final SecureRandom seeds = new SecureRandom();

  Allocations(DaoRegistry daos) {
    this.daos = daos;
  }

  /** Takes the next free slot of the patient's stratum. The caller holds the study's lock. */
  Allocation allocate(ResearchStudy study, RandomisationPlan plan, Patient patient, LocalDate day) {
    Basic sequence = sequenceOf(study, plan, day);
    Extension stored = sequence.getExtensionByUrl(SEQUENCE_URL);
    String stratum = plan.stratum(patient, day);
    Extension slot = nextFreeSlot(stored, stratum);
    if (slot == null) {
      int blocks = EnrolmentGuard.targetNumber(study).orElse(1);
      appendSlots(stored, stratum, blocks);
      slot = nextFreeSlot(stored, stratum);
    }
    String studyRef = EnrolmentGuard.reference(study);
    Basic allocation = labelled(new Basic(), "allocation", "Treatment allocation");
    allocation.setSubject(new Reference("Patient/" + patient.getIdElement().getIdPart()));
    allocation.setCreatedElement(new DateType(day.toString()));
    Extension detail = allocation.addExtension().setUrl(ALLOCATION_URL);
    detail.addExtension("arm", slot.getExtensionByUrl("arm").getValue().copy());
    detail.addExtension("stratum", new StringType(stratum));
    detail.addExtension("position", slot.getExtensionByUrl("position").getValue().copy());
    detail.addExtension("block", slot.getExtensionByUrl("block").getValue().copy());
    detail.addExtension("sequence", new Reference("Basic/" + sequence.getIdElement().getIdPart()));
    detail.addExtension("study", new Reference(studyRef));
    IdType id =
        new IdType(
            dao()
                .create(allocation, new SystemRequestDetails())
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
    return new Allocation(
        sequence, slot, id, slot.getExtensionByUrl("arm").getValue().primitiveValue());
  }

  /** Marks the slot with the subject that took it, completing the sequence's audit trail. */
  void assign(Allocation allocation, IdType subject) {
    allocation
        .slot()
        .addExtension("subject", new Reference(subject.toUnqualifiedVersionless().getValue()));
    dao().update(allocation.sequence(), new SystemRequestDetails());
  }

  private Basic sequenceOf(ResearchStudy study, RandomisationPlan plan, LocalDate day) {
    SearchParameterMap map =
        InternalSearch.map("code", new TokenParam(KIND, "allocation-sequence"))
            .add("subject", new ReferenceParam(EnrolmentGuard.reference(study)));
    List<?> found = dao().search(map, new SystemRequestDetails()).getAllResources();
    if (!found.isEmpty()) {
      return (Basic) found.get(0);
    }
    Basic sequence = labelled(new Basic(), "allocation-sequence", "Allocation sequence");
    sequence.setSubject(new Reference(EnrolmentGuard.reference(study)));
    sequence.setCreatedElement(new DateType(day.toString()));
    Extension stored = sequence.addExtension().setUrl(SEQUENCE_URL);
    stored.addExtension("algorithm", new StringType(PermutedBlocks.ALGORITHM));
    stored.addExtension(
        "seed",
        new StringType(
            plan.seed() != null ? plan.seed() : HexFormat.of().formatHex(seeds.generateSeed(16))));
    stored.addExtension("blockSize", new PositiveIntType(plan.blockSize()));
    plan.arms().forEach(arm -> stored.addExtension("arm", new StringType(arm.toString())));
    sequence.setId(
        dao().create(sequence, new SystemRequestDetails()).getId().toUnqualifiedVersionless());
    return sequence;
  }

  private static Extension nextFreeSlot(Extension stored, String stratum) {
    return stored.getExtensionsByUrl("slot").stream()
        .filter(s -> stratum.equals(s.getExtensionByUrl("stratum").getValue().primitiveValue()))
        .filter(s -> s.getExtensionByUrl("subject") == null)
        .findFirst()
        .orElse(null);
  }

  /**
   * Extends the stratum's sequence to cover {@code atLeast} more subjects, drawing the blocks from
   * the stored seed and parameters (not the study's current ones, which may have been edited).
   */
  private static void appendSlots(Extension stored, String stratum, int atLeast) {
    List<Arm> arms =
        stored.getExtensionsByUrl("arm").stream()
            .map(e -> e.getValue().primitiveValue())
            .map(
                text ->
                    new Arm(
                        text.substring(0, text.lastIndexOf(':')),
                        Integer.parseInt(text.substring(text.lastIndexOf(':') + 1))))
            .toList();
    int blockSize = ((PositiveIntType) stored.getExtensionByUrl("blockSize").getValue()).getValue();
    PermutedBlocks blocks =
        new PermutedBlocks(
            arms, blockSize, stored.getExtensionByUrl("seed").getValue().primitiveValue());
    long have =
        stored.getExtensionsByUrl("slot").stream()
            .filter(s -> stratum.equals(s.getExtensionByUrl("stratum").getValue().primitiveValue()))
            .count();
    int haveBlocks = (int) (have / blockSize);
    int wantBlocks = haveBlocks + Math.max(1, (atLeast + blockSize - 1) / blockSize);
    List<String> sequence = blocks.sequence(stratum, wantBlocks);
    for (int i = haveBlocks * blockSize; i < sequence.size(); i++) {
      Extension slot = stored.addExtension().setUrl("slot");
      slot.addExtension("stratum", new StringType(stratum));
      slot.addExtension("position", new IntegerType(i + 1));
      slot.addExtension("block", new IntegerType(i / blockSize + 1));
      slot.addExtension("arm", new StringType(sequence.get(i)));
    }
  }

  private static Basic labelled(Basic basic, String code, String display) {
    basic.getCode().addCoding(new Coding(KIND, code, display));
    basic
        .getMeta()
        .addSecurity("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R", "restricted");
    basic.getMeta().addSecurity(LABEL_SYSTEM, LABEL_CODE, "Treatment allocation");
    return basic;
  }

  private IFhirResourceDao<Basic> dao() {
    return daos.getResourceDao(Basic.class);
  }
}
