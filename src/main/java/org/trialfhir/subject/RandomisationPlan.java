package org.trialfhir.subject;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.Type;
import org.trialfhir.study.StudyDesign;
import org.trialfhir.subject.PermutedBlocks.Arm;

/**
 * How a study randomises, read from its data: extension {@link #URL} (block size, optional seed and
 * stratification) and each arm's optional {@link #RATIO_URL}. See fhir-profiles/README.md.
 */
record RandomisationPlan(
    List<Arm> arms, int blockSize, String seed, List<String> stratifyBy, List<BigDecimal> cutoffs) {

  static final String URL = org.trialfhir.study.StudyDesign.RANDOMISATION;
  static final String RATIO_URL = "http://trialfhir.org/fhir/StructureDefinition/allocation-ratio";

  /**
   * The study's plan; empty for a study that does not randomise. A study whose design says
   * RANDOMIZED but whose plan is missing or inconsistent cannot enrol (422): guessing a block size
   * would be a protocol decision taken by the server.
   */
  static Optional<RandomisationPlan> of(ResearchStudy study) {
    Extension plan = study.getExtensionByUrl(URL);
    if (plan == null) {
      if (StudyDesign.codes(study, StudyDesign.ALLOCATION).stream()
          .anyMatch(c -> "RANDOMIZED".equals(c.getCode()))) {
        throw refused(
            study,
            "its design is RANDOMIZED but it has no randomisation extension ("
                + URL
                + ") giving the block size");
      }
      return Optional.empty();
    }
    List<Arm> arms = new ArrayList<>();
    for (ResearchStudy.ResearchStudyArmComponent arm : study.getArm()) {
      Extension ratio = arm.getExtensionByUrl(RATIO_URL);
      arms.add(
          new Arm(
              arm.getName(),
              ratio != null && ratio.getValue() instanceof PositiveIntType p ? p.getValue() : 1));
    }
    if (arms.size() < 2 || arms.stream().anyMatch(a -> a.name() == null || a.name().isBlank())) {
      throw refused(study, "randomisation needs at least two arms, each with a name");
    }
    Type size = value(plan, "blockSize");
    int ratioSum = arms.stream().mapToInt(Arm::ratio).sum();
    if (!(size instanceof PositiveIntType block) || block.getValue() % ratioSum != 0) {
      throw refused(
          study,
          "its randomisation block size must be a positive multiple of the sum of the arms'"
              + " allocation ratios ("
              + ratioSum
              + ")");
    }
    Type seed = value(plan, "seed");
    List<String> factors =
        plan.getExtensionsByUrl("stratifyBy").stream()
            .map(e -> e.getValue().primitiveValue())
            .toList();
    List<BigDecimal> cutoffs =
        plan.getExtensionsByUrl("ageCutoff").stream()
            .map(e -> new BigDecimal(e.getValue().primitiveValue()))
            .sorted()
            .toList();
    for (String factor : factors) {
      if (!factor.equals("sex") && !factor.equals("age-group")) {
        throw refused(study, "unknown stratification factor '" + factor + "' (sex, age-group)");
      }
    }
    if (factors.contains("age-group") && cutoffs.isEmpty()) {
      throw refused(study, "it stratifies by age-group but gives no ageCutoff");
    }
    return Optional.of(
        new RandomisationPlan(
            arms, block.getValue(), seed == null ? null : seed.primitiveValue(), factors, cutoffs));
  }

  static boolean masked(ResearchStudy study) {
    return StudyDesign.masked(study);
  }

  /** The patient's stratum, e.g. {@code all} or {@code sex=female|age-group=[12,)}. */
  String stratum(Patient patient, LocalDate date) {
    if (stratifyBy.isEmpty()) {
      return "all";
    }
    return stratifyBy.stream()
        .map(factor -> factor + "=" + level(factor, patient, date))
        .collect(Collectors.joining("|"));
  }

  private String level(String factor, Patient patient, LocalDate date) {
    if (factor.equals("sex")) {
      if (!patient.hasGender()) {
        throw new UnprocessableEntityException(
            "The study stratifies by sex but Patient/"
                + patient.getIdElement().getIdPart()
                + " has no gender recorded");
      }
      return patient.getGender().toCode();
    }
    if (!patient.hasBirthDate() || patient.getBirthDateElement().getValueAsString().length() < 10) {
      throw new UnprocessableEntityException(
          "The study stratifies by age but Patient/"
              + patient.getIdElement().getIdPart()
              + " has no full birth date recorded");
    }
    LocalDate birth = LocalDate.parse(patient.getBirthDateElement().getValueAsString());
    BigDecimal age = BigDecimal.valueOf(Period.between(birth, date).getYears());
    BigDecimal low = null;
    for (BigDecimal cutoff : cutoffs) {
      if (age.compareTo(cutoff) < 0) {
        return "[" + (low == null ? "" : low.toPlainString()) + "," + cutoff.toPlainString() + ")";
      }
      low = cutoff;
    }
    return "[" + low.toPlainString() + ",)";
  }

  private static Type value(Extension parent, String url) {
    Extension child = parent.getExtensionByUrl(url);
    return child == null ? null : child.getValue();
  }

  private static UnprocessableEntityException refused(ResearchStudy study, String why) {
    return new UnprocessableEntityException(
        "ResearchStudy/" + study.getIdElement().getIdPart() + " cannot randomise: " + why);
  }
}
