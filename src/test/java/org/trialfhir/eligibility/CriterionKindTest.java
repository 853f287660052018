package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.trialfhir.PackageFiles;

/** The engine's kinds and the package's CodeSystem criterion-kind describe the same kinds. */
class CriterionKindTest {

  private final CodeSystem kinds = PackageFiles.codeSystem("criterion-kind");

  @Test
  void everyKindOfTheEngineIsAConceptOfThePackageAndBack() {
    assertThat(kinds.getUrl()).isEqualTo(CriteriaReader.KIND_SYSTEM);
    assertThat(kinds.getConcept().stream().map(ConceptDefinitionComponent::getCode))
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(CriterionKind.values()).map(CriterionKind::code).toList());
  }

  @Test
  void eachKindIsFoundByItsCodeAndAnUnknownCodeByNone() {
    for (CriterionKind kind : CriterionKind.values()) {
      assertThat(CriterionKind.of(kind.code())).contains(kind);
    }
    assertThat(CriterionKind.of("lab-value")).isEmpty();
  }

  @Test
  void theDefinitionsStateTheLookBackTheKindsUse() {
    for (CriterionKind kind : CriterionKind.values()) {
      String definition =
          kinds.getConcept().stream()
              .filter(c -> c.getCode().equals(kind.code()))
              .findFirst()
              .orElseThrow()
              .getDefinition();
      if (kind.defaultLookback() == CriterionKind.Lookback.LABS) {
        assertThat(definition).as(kind.code()).contains("look-back window");
      }
    }
    assertThat(CriterionKind.PREGNANCY.defaultLookback().describe()).isEqualTo("270 days");
    assertThat(CriterionKind.OBSERVATION_VALUE.defaultLookback().describe()).isEqualTo("90 days");
    assertThat(CriterionKind.CONDITION_ONSET.defaultLookback()).isNull();
  }

  @Test
  void eachKindReadsOnlyWhatItsRuleNeeds() {
    assertThat(CriterionKind.AGE.reads(Condition.class)).isFalse();
    assertThat(CriterionKind.AGE.reads(Observation.class)).isFalse();
    assertThat(CriterionKind.CONDITION_ONSET.reads(Condition.class)).isTrue();
    assertThat(CriterionKind.CONDITION_ONSET.reads(Observation.class)).isFalse();
    assertThat(CriterionKind.PREGNANCY.reads(Condition.class)).isTrue();
    assertThat(CriterionKind.PREGNANCY.reads(Observation.class)).isTrue();
    assertThat(CriterionKind.BMI.reads(Observation.class)).isTrue();
    assertThat(CriterionKind.RESEARCH_CONSENT.reads(org.hl7.fhir.r4.model.Consent.class)).isTrue();
    assertThat(
            CriterionKind.ALLERGY_CRITICALITY.reads(org.hl7.fhir.r4.model.AllergyIntolerance.class))
        .isTrue();
  }

  @Test
  void populationScreeningDecidesOnlyFromTheKindsThatAllowIt() {
    assertThat(
            Arrays.stream(CriterionKind.values())
                .filter(k -> k.screening() == CriterionKind.Screening.PATIENT_ONLY))
        .containsExactlyInAnyOrder(CriterionKind.AGE, CriterionKind.SEX);
    assertThat(
            Arrays.stream(CriterionKind.values())
                .filter(k -> k.screening() == CriterionKind.Screening.NEEDS_CONDITION))
        .containsExactlyInAnyOrder(
            CriterionKind.CONDITION, CriterionKind.CONDITION_ACTIVE, CriterionKind.CONDITION_ONSET);
    assertThat(
            Arrays.stream(CriterionKind.values())
                .filter(k -> k.screening() == CriterionKind.Screening.OWN_CODES))
        .containsExactlyInAnyOrder(
            CriterionKind.OBSERVATION_VALUE,
            CriterionKind.OBSERVATION_POSITIVE,
            CriterionKind.OBSERVATION_ALL_NEGATIVE);
  }
}
