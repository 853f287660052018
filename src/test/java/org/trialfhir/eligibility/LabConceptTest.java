package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import org.assertj.core.data.Offset;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;
import org.trialfhir.PackageFiles;

/** Lab concepts as the package's ValueSets state them, and conversions between their units. */
class LabConceptTest {

  private static final String VS = CriterionEvaluator.VS;
  private static final Offset<BigDecimal> CENTI = Offset.offset(new BigDecimal("0.01"));

  @Test
  void aTimedTestNamesItsMolarMassAnalyteTimedCodesAndSamplingTime() {
    LabConcept fasting = LabConcept.of(PackageFiles.valueSet("c-peptide-fasting"));
    assertThat(fasting.molarMass()).isEqualByComparingTo("3020.3");
    assertThat(fasting.analyte()).isEqualTo(VS + "c-peptide");
    assertThat(fasting.timed()).isEqualTo(VS + "c-peptide-timed");
    assertThat(fasting.sampling()).isEqualTo("fasting");
    assertThat(fasting.relations()).isEmpty();
    assertThat(fasting.isTimed()).isTrue();
  }

  @Test
  void anAnalyteWithoutASamplingTimeIsNotTimed() {
    LabConcept glucose = LabConcept.of(PackageFiles.valueSet("glucose"));
    assertThat(glucose.molarMass()).isEqualByComparingTo("180.16");
    assertThat(glucose.isTimed()).isFalse();
    assertThat(new LabConcept(null, List.of(), VS + "glucose", null, null).isTimed()).isFalse();
    assertThat(new LabConcept(null, List.of(), null, VS + "glucose-timed", null).isTimed())
        .isFalse();
    assertThat(LabConcept.NONE.isTimed()).isFalse();
  }

  @Test
  void aValueSetStatingNothingIsNoConcept() {
    assertThat(LabConcept.of(null)).isSameAs(LabConcept.NONE);
    assertThat(LabConcept.of(new ValueSet().setUrl(VS + "x"))).isSameAs(LabConcept.NONE);
    assertThat(LabConcept.of(PackageFiles.valueSet("hba1c")).molarMass()).isNull();
  }

  @Test
  void hba1cConvertsByTheIfccNgspMasterEquationBothWays() {
    LabConcept hba1c = LabConcept.of(PackageFiles.valueSet("hba1c"));
    assertThat(hba1c.relations()).hasSize(1);
    // % NGSP = mmol/mol IFCC / 10.929 + 2.15
    assertThat(hba1c.convert(new BigDecimal("48"), "mmol/mol", "%").orElseThrow())
        .isCloseTo(new BigDecimal("6.54"), CENTI);
    assertThat(hba1c.convert(new BigDecimal("53"), "mmol/mol", "%").orElseThrow())
        .isCloseTo(new BigDecimal("7.00"), CENTI);
    assertThat(hba1c.convert(new BigDecimal("7.0"), "%", "mmol/mol").orElseThrow())
        .isCloseTo(new BigDecimal("53.0"), Offset.offset(new BigDecimal("0.1")));
    assertThat(hba1c.convert(new BigDecimal("7.0"), "%", "%")).contains(new BigDecimal("7.0"));
    assertThat(hba1c.convert(null, "%", "mmol/mol")).isEmpty();
    assertThat(hba1c.convert(BigDecimal.ONE, null, "%")).isEmpty();
    assertThat(hba1c.convert(BigDecimal.ONE, "%", null)).isEmpty();
  }

  @Test
  void aUnitRelationAppliesOnlyBetweenItsOwnUnits() {
    LabConcept.UnitRelation ifcc =
        new LabConcept.UnitRelation(
            "mmol/mol", "%", new BigDecimal("10.929"), new BigDecimal("2.15"));
    assertThat(ifcc.apply(new BigDecimal("10.929"), "mmol/mol", "%").orElseThrow())
        .isEqualByComparingTo("3.15");
    assertThat(ifcc.apply(new BigDecimal("3.15"), "%", "mmol/mol").orElseThrow())
        .isEqualByComparingTo("10.929");
    assertThat(ifcc.apply(BigDecimal.ONE, "mmol/mol", "1")).isEmpty();
    assertThat(ifcc.apply(BigDecimal.ONE, "1", "%")).isEmpty();
    assertThat(ifcc.apply(BigDecimal.ONE, "%", "%")).isEmpty();
    assertThat(ifcc.names("mmol/mol")).isTrue();
    assertThat(ifcc.names("%")).isTrue();
    assertThat(ifcc.names("1")).isFalse();
  }

  @Test
  void unitsNoRelationNamesStillConvertByUcumButARelationsUnitIsNeverGuessed() {
    // Haemoglobin: g/dL to mmol/L (monomer) is a stated relation; g/L to g/dL is plain UCUM.
    LabConcept haemoglobin =
        new LabConcept(
            null,
            List.of(
                new LabConcept.UnitRelation(
                    "g/dL", "mmol/L", new BigDecimal("1.6114"), BigDecimal.ZERO)),
            null,
            null,
            null);
    assertThat(haemoglobin.convert(new BigDecimal("120"), "g/L", "mg/mL").orElseThrow())
        .isEqualByComparingTo("120");
    assertThat(haemoglobin.convert(new BigDecimal("16.114"), "g/dL", "mmol/L").orElseThrow())
        .isEqualByComparingTo("10");
    assertThat(haemoglobin.convert(new BigDecimal("120"), "g/L", "g/dL"))
        .as("g/dL only by its relation")
        .isEmpty();
    assertThat(haemoglobin.convert(new BigDecimal("10"), "mmol/L", "umol/L"))
        .as("mmol/L only by its relation")
        .isEmpty();
  }

  @Test
  void aCriterionsMolarMassIsUsedOnlyWhenTheConceptHasNone() {
    LabConcept glucose = LabConcept.of(PackageFiles.valueSet("glucose"));
    assertThat(glucose.withMolarMass(new BigDecimal("1"))).isSameAs(glucose);
    assertThat(LabConcept.NONE.withMolarMass(null)).isSameAs(LabConcept.NONE);
    LabConcept stated = LabConcept.NONE.withMolarMass(new BigDecimal("180.16"));
    assertThat(stated.molarMass()).isEqualByComparingTo("180.16");
    assertThat(stated.convert(new BigDecimal("5.5"), "mmol/L", "mg/dL").orElseThrow())
        .isCloseTo(new BigDecimal("99.09"), CENTI);
    assertThat(LabConcept.NONE.convert(new BigDecimal("5.5"), "mmol/L", "mg/dL")).isEmpty();
  }
}
