package org.trialfhir.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.trialfhir.subject.PermutedBlocks.Arm;

class RandomisationPlanTest {

  private static final String DESIGN =
      "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign";

  private static ResearchStudy study(String allocation, String masking) {
    ResearchStudy study = new ResearchStudy();
    study.setId("s1");
    study.addArm().setName("UCMSC");
    study.addArm().setName("Placebo");
    study.addExtension(
        DESIGN,
        new CodeableConcept(
            new Coding("http://trialfhir.org/fhir/CodeSystem/ctgov-allocation", allocation, null)));
    if (masking != null) {
      study.addExtension(
          DESIGN,
          new CodeableConcept(
              new Coding("http://trialfhir.org/fhir/CodeSystem/ctgov-masking", masking, null)));
    }
    return study;
  }

  private static Extension plan(ResearchStudy study, int blockSize) {
    Extension plan = study.addExtension().setUrl(RandomisationPlan.URL);
    plan.addExtension("blockSize", new PositiveIntType(blockSize));
    return plan;
  }

  @Test
  void aStudyThatDoesNotRandomiseHasNoPlan() {
    assertThat(RandomisationPlan.of(study("NA", "NONE"))).isEmpty();
  }

  @Test
  void aRandomisedDesignWithoutBlockSizeCannotEnrol() {
    assertThatThrownBy(() -> RandomisationPlan.of(study("RANDOMIZED", "QUADRUPLE")))
        .isInstanceOf(UnprocessableEntityException.class)
        .hasMessageContaining("block size");
  }

  @Test
  void readsBlockSizeSeedAndRatios() {
    ResearchStudy study = study("RANDOMIZED", "QUADRUPLE");
    study.getArmFirstRep().addExtension(RandomisationPlan.RATIO_URL, new PositiveIntType(2));
    plan(study, 6).addExtension("seed", new StringType("s"));
    RandomisationPlan plan = RandomisationPlan.of(study).orElseThrow();
    assertThat(plan.arms()).containsExactly(new Arm("UCMSC", 2), new Arm("Placebo", 1));
    assertThat(plan.blockSize()).isEqualTo(6);
    assertThat(plan.seed()).isEqualTo("s");
    assertThat(plan.stratum(new Patient(), LocalDate.of(2026, 6, 15))).isEqualTo("all");
  }

  @Test
  void aBlockSizeThatIsNoMultipleOfTheRatiosIsRefused() {
    ResearchStudy study = study("RANDOMIZED", null);
    plan(study, 3);
    assertThatThrownBy(() -> RandomisationPlan.of(study))
        .isInstanceOf(UnprocessableEntityException.class)
        .hasMessageContaining("multiple");
  }

  @Test
  void strataCombineSexAndAgeGroupAtTheEnrolmentDate() {
    ResearchStudy study = study("RANDOMIZED", "QUADRUPLE");
    Extension ext = plan(study, 4);
    ext.addExtension("stratifyBy", new CodeType("sex"));
    ext.addExtension("stratifyBy", new CodeType("age-group"));
    ext.addExtension("ageCutoff", new DecimalType(12));
    RandomisationPlan plan = RandomisationPlan.of(study).orElseThrow();
    Patient girl = new Patient().setGender(AdministrativeGender.FEMALE);
    girl.getBirthDateElement().setValueAsString("2014-06-16");
    assertThat(plan.stratum(girl, LocalDate.of(2026, 6, 15)))
        .isEqualTo("sex=female|age-group=[,12)");
    assertThat(plan.stratum(girl, LocalDate.of(2026, 6, 16)))
        .isEqualTo("sex=female|age-group=[12,)");
  }

  @Test
  void stratifyingByAPatientsUnknownSexIsRefused() {
    ResearchStudy study = study("RANDOMIZED", "QUADRUPLE");
    plan(study, 4).addExtension("stratifyBy", new CodeType("sex"));
    RandomisationPlan plan = RandomisationPlan.of(study).orElseThrow();
    assertThatThrownBy(() -> plan.stratum(new Patient(), LocalDate.of(2026, 6, 15)))
        .isInstanceOf(UnprocessableEntityException.class)
        .hasMessageContaining("no gender");
  }

  @Test
  void aStudyIsMaskedUnlessItSaysNone() {
    assertThat(RandomisationPlan.masked(study("RANDOMIZED", "QUADRUPLE"))).isTrue();
    assertThat(RandomisationPlan.masked(study("RANDOMIZED", null))).isTrue();
    assertThat(RandomisationPlan.masked(study("RANDOMIZED", "NONE"))).isFalse();
  }
}
