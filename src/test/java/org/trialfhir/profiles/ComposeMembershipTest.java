package org.trialfhir.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.r4.model.ValueSet.FilterOperator;
import org.junit.jupiter.api.Test;

class ComposeMembershipTest {

  private static final String ICD = ComposeMembership.ICD_10_CM;
  private static final String SCT = "http://snomed.info/sct";

  private static ValueSet t1d() {
    ValueSet vs = new ValueSet().setUrl("urn:vs:t1d");
    vs.getCompose().addInclude().setSystem(SCT).addConcept().setCode("46635009");
    vs.getCompose()
        .addInclude()
        .setSystem(ICD)
        .addFilter()
        .setProperty("concept")
        .setOp(FilterOperator.ISA)
        .setValue("E10");
    return vs;
  }

  private static ValueSet hematologic() {
    ValueSet vs = new ValueSet().setUrl("urn:vs:heme");
    vs.getCompose()
        .addInclude()
        .setSystem(ICD)
        .addFilter()
        .setProperty("code")
        .setOp(FilterOperator.REGEX)
        .setValue("^D[5-8][0-9](\\..*)?$");
    return vs;
  }

  private final ComposeMembership membership =
      new ComposeMembership(Map.of("urn:vs:t1d", t1d(), "urn:vs:heme", hematologic())::get);

  @Test
  void icd10CmIsAIncludesTheCodeAndEveryCodeBelowIt() {
    assertThat(membership.contains(t1d(), ICD, "E10")).contains(true);
    assertThat(membership.contains(t1d(), ICD, "E10.9")).contains(true);
    assertThat(membership.contains(t1d(), ICD, "E10.10")).contains(true);
    assertThat(membership.contains(t1d(), ICD, "E11.9")).contains(false);
    assertThat(membership.contains(t1d(), ICD, "E1")).contains(false);
  }

  @Test
  void enumeratedCodesMatchExactlyAndOnlyInTheirSystem() {
    assertThat(membership.contains(t1d(), SCT, "46635009")).contains(true);
    assertThat(membership.contains(t1d(), SCT, "44054006")).contains(false);
    assertThat(membership.contains(t1d(), ICD, "46635009")).contains(false);
  }

  @Test
  void regexRangesAndNestedValueSets() {
    ValueSet either = new ValueSet();
    either.getCompose().addInclude().addValueSet("urn:vs:t1d");
    either.getCompose().addInclude().addValueSet("urn:vs:heme");
    assertThat(membership.contains(either, ICD, "D50.0")).contains(true);
    assertThat(membership.contains(either, ICD, "D89.9")).contains(true);
    assertThat(membership.contains(either, ICD, "D49")).contains(false);
    assertThat(membership.contains(either, ICD, "D90")).contains(false);
    assertThat(membership.contains(either, ICD, "E10.65")).contains(true);
  }

  @Test
  void excludesRemoveCodes() {
    ValueSet vs = t1d();
    vs.getCompose().addExclude().setSystem(ICD).addConcept().setCode("E10.9");
    assertThat(membership.contains(vs, ICD, "E10.9")).contains(false);
    assertThat(membership.contains(vs, ICD, "E10.1")).contains(true);
  }

  @Test
  void wholeCodeSystemsAndUnknownFiltersAreLeftToHapi() {
    ValueSet whole = new ValueSet();
    whole.getCompose().addInclude().setSystem("http://hl7.org/fhir/administrative-gender");
    assertThat(membership.decidable(whole)).isFalse();
    assertThat(membership.contains(whole, "http://hl7.org/fhir/administrative-gender", "xyz"))
        .isEqualTo(Optional.empty());

    ValueSet snomedIsA = new ValueSet();
    snomedIsA
        .getCompose()
        .addInclude()
        .setSystem(SCT)
        .addFilter()
        .setProperty("concept")
        .setOp(FilterOperator.ISA)
        .setValue("46635009");
    assertThat(membership.decidable(snomedIsA)).isFalse();
    ValueSet missingNested = new ValueSet();
    missingNested.getCompose().addInclude().addValueSet("urn:vs:nowhere");
    assertThat(membership.decidable(missingNested)).isFalse();
  }
}
