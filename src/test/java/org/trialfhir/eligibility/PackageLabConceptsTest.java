package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.math.BigDecimal;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;
import org.trialfhir.PackageFiles;

/** Lab concepts as the package states them on its ValueSets, and as a site's ValueSet inherits. */
class PackageLabConceptsTest {

  @Test
  void thePackageStatesMolarMassesAndTimedTestsOnTheirValueSets() {
    LabConcept fasting = LabConcept.of(PackageFiles.valueSet("c-peptide-fasting"));
    assertThat(fasting.molarMass()).isEqualByComparingTo("3020.3");
    assertThat(fasting.analyte()).isEqualTo("http://trialfhir.org/fhir/ValueSet/c-peptide");
    assertThat(fasting.timed()).isEqualTo("http://trialfhir.org/fhir/ValueSet/c-peptide-timed");
    assertThat(fasting.sampling()).isEqualTo("fasting");
    assertThat(LabConcept.of(PackageFiles.valueSet("fasting-glucose")).molarMass())
        .isEqualByComparingTo("180.16");
    assertThat(LabConcept.of(PackageFiles.valueSet("bmi"))).isSameAs(LabConcept.NONE);
    // 1 ng/mL of C-peptide is 0.331 nmol/L; 1 mmol/L of glucose is 18.016 mg/dL
    // (docs/eligibility-contract.md §3)
    assertThat(fasting.convert(BigDecimal.ONE, "ng/mL", "nmol/L").orElseThrow())
        .isCloseTo(
            new BigDecimal("0.3311"),
            org.assertj.core.data.Offset.offset(new BigDecimal("0.0001")));
  }

  @Test
  void theMasterEquationIsHbA1csOnlyRelationBetweenPercentAndMmolPerMol() {
    LabConcept hba1c = LabConcept.of(PackageFiles.valueSet("hba1c"));
    assertThat(hba1c.relations()).hasSize(1);
    assertThat(hba1c.convert(new BigDecimal("97"), "mmol/mol", "%").orElseThrow())
        .isCloseTo(
            new BigDecimal("11.03"), org.assertj.core.data.Offset.offset(new BigDecimal("0.01")));
    assertThat(hba1c.convert(new BigDecimal("48"), "mmol/mol", "%").orElseThrow())
        .isCloseTo(
            new BigDecimal("6.54"), org.assertj.core.data.Offset.offset(new BigDecimal("0.01")));
    assertThat(hba1c.convert(new BigDecimal("6.5"), "%", "mmol/mol").orElseThrow())
        .isCloseTo(
            new BigDecimal("47.54"), org.assertj.core.data.Offset.offset(new BigDecimal("0.01")));
    assertThat(hba1c.convert(new BigDecimal("7"), "%", "%")).contains(new BigDecimal("7"));
    // Without the relation UCUM relates them as plain ratios: the error the relation prevents.
    assertThat(LabConcept.NONE.convert(new BigDecimal("97"), "mmol/mol", "%").orElseThrow())
        .isEqualByComparingTo("9.7");
  }

  @Test
  void aSitesValueSetIncludingThePackagesKeepsItsConcept() {
    PrePopulatedValidationSupport support =
        new PrePopulatedValidationSupport(FhirContext.forR4Cached());
    ValueSet packageSet = PackageFiles.valueSet("hba1c");
    support.addValueSet(packageSet);
    ValueSet site = new ValueSet();
    site.setUrl("http://hospital.example.org/fhir/ValueSet/hba1c");
    site.getCompose().addInclude().addValueSet(packageSet.getUrl());
    site.getCompose()
        .addInclude()
        .setSystem("http://hospital.example.org/lab")
        .addConcept()
        .setCode("A1C");
    support.addValueSet(site);
    ValidationSupportMembership membership = new ValidationSupportMembership(support);
    assertThat(membership.concept(site.getUrl()).relations()).hasSize(1);
    assertThat(membership.concept("http://hospital.example.org/fhir/ValueSet/none"))
        .isSameAs(LabConcept.NONE);
  }
}
