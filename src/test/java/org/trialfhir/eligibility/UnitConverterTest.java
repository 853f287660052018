package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** UCUM conversions of lab values, mass to substance through the molar mass and back. */
class UnitConverterTest {

  private static final BigDecimal C_PEPTIDE = new BigDecimal("3020.3");

  /** A new UCUM annotation for each conversion, so that UCUM computes it and no cache answers. */
  private static final AtomicLong ANNOTATION = new AtomicLong(System.nanoTime());

  private static String annotated(String unit) {
    return unit + "{run" + ANNOTATION.incrementAndGet() + "}";
  }

  @Test
  void sameKindUnitsConvertByAnExactFactor() {
    assertThat(UnitConverter.convert(new BigDecimal("100"), "mg/dL", "g/L", null).orElseThrow())
        .isEqualByComparingTo("1");
    assertThat(UnitConverter.convert(new BigDecimal("140"), "cm", "m", null).orElseThrow())
        .isEqualByComparingTo("1.4");
    assertThat(UnitConverter.convert(new BigDecimal("0.1"), "nmol/L", "nmol/L", null))
        .contains(new BigDecimal("0.1"));
  }

  @Test
  void anAnnotatedUnitConvertsAsItsUnit() {
    // UCUM ignores annotations ("mg{total}"): the factor is the plain unit's.
    assertThat(
            UnitConverter.convert(new BigDecimal("250"), annotated("mg"), annotated("g"), null)
                .orElseThrow())
        .isEqualByComparingTo("0.25");
    assertThat(UnitConverter.convert(new BigDecimal("1"), annotated("kg"), annotated("m"), null))
        .isEmpty();
  }

  @Test
  void massAndSubstanceConvertThroughTheMolarMassBothWays() {
    assertThat(
            UnitConverter.convert(new BigDecimal("1"), "nmol/L", "ng/mL", C_PEPTIDE).orElseThrow())
        .isEqualByComparingTo("3.0203");
    assertThat(
            UnitConverter.convert(new BigDecimal("3.0203"), "ng/mL", "nmol/L", C_PEPTIDE)
                .orElseThrow())
        .isCloseTo(BigDecimal.ONE, Offset.offset(new BigDecimal("1e-20")));
    assertThat(
            UnitConverter.convert(
                    new BigDecimal("99.09"), "mg/dL", "mmol/L", new BigDecimal("180.16"))
                .orElseThrow())
        .isCloseTo(new BigDecimal("5.5"), Offset.offset(new BigDecimal("0.001")));
  }

  @Test
  void noMolarMassOrAMeaninglessOneConvertsNothingBetweenMassAndSubstance() {
    assertThat(UnitConverter.convert(BigDecimal.ONE, "ng/mL", "nmol/L", null)).isEmpty();
    assertThat(UnitConverter.convert(BigDecimal.ONE, "ng/mL", "nmol/L", BigDecimal.ZERO)).isEmpty();
    assertThat(UnitConverter.convert(BigDecimal.ONE, "ng/mL", "nmol/L", new BigDecimal("-1")))
        .isEmpty();
  }

  @Test
  void unknownOrUnrelatedUnitsAndMissingValuesConvertNothing() {
    assertThat(UnitConverter.convert(BigDecimal.ONE, "mg", "nmol/L", C_PEPTIDE)).isEmpty();
    assertThat(UnitConverter.convert(BigDecimal.ONE, "kg", "m", null)).isEmpty();
    assertThat(UnitConverter.convert(BigDecimal.ONE, "not a unit", "g", null)).isEmpty();
    assertThat(UnitConverter.convert(BigDecimal.ONE, "g", "not a unit", null)).isEmpty();
    assertThat(UnitConverter.convert(null, "g", "mg", null)).isEmpty();
    assertThat(UnitConverter.convert(BigDecimal.ONE, null, "mg", null)).isEmpty();
    assertThat(UnitConverter.convert(BigDecimal.ONE, "g", null, null)).isEmpty();
  }
}
