package org.trialfhir.eligibility;

import java.io.InputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.fhir.ucum.Decimal;
import org.fhir.ucum.UcumEssenceService;
import org.fhir.ucum.UcumException;
import org.fhir.ucum.UcumService;

/**
 * UCUM conversions for lab values, with mass ↔ substance conversions through the analyte's molar
 * mass. Converts by an exact factor and never rounds the value.
 */
public final class UnitConverter {

  private static final MathContext PRECISION = MathContext.DECIMAL128;
  private static final UcumService UCUM = load();

  private UnitConverter() {}

  /** value in {@code from} expressed in {@code to}; empty when the units cannot be converted. */
  public static Optional<BigDecimal> convert(
      BigDecimal value, String from, String to, BigDecimal molarMass) {
    if (value == null || from == null || to == null) {
      return Optional.empty();
    }
    if (from.equals(to)) {
      return Optional.of(value);
    }
    Optional<BigDecimal> direct = factor(from, to).map(f -> value.multiply(f, PRECISION));
    if (direct.isPresent() || molarMass == null || molarMass.signum() <= 0) {
      return direct;
    }
    // Mass concentration (g/L) = substance concentration (mol/L) × molar mass (g/mol).
    Optional<BigDecimal> massToSubstance =
        factor(from, "g/L")
            .flatMap(
                toGram ->
                    factor("mol/L", to)
                        .map(
                            fromMol ->
                                value
                                    .multiply(toGram, PRECISION)
                                    .divide(molarMass, PRECISION)
                                    .multiply(fromMol, PRECISION)));
    if (massToSubstance.isPresent()) {
      return massToSubstance;
    }
    return factor(from, "mol/L")
        .flatMap(
            toMol ->
                factor("g/L", to)
                    .map(
                        fromGram ->
                            value
                                .multiply(toMol, PRECISION)
                                .multiply(molarMass, PRECISION)
                                .multiply(fromGram, PRECISION)));
  }

  /** A value in UCUM's canonical form of its unit (mmol/L → mol.m-3), e.g. for the projection. */
  public record Canonical(BigDecimal value, String unit) {}

  /**
   * {@code value} in the canonical UCUM unit of {@code unit}; empty when {@code unit} is no valid
   * UCUM unit (a unit UCUM cannot read is never guessed at).
   */
  public static Optional<Canonical> canonical(BigDecimal value, String unit) {
    if (value == null || unit == null) {
      return Optional.empty();
    }
    Optional<String> canonicalUnit =
        CANONICAL_UNITS.computeIfAbsent(unit, UnitConverter::ucumCanonical);
    return canonicalUnit.flatMap(
        to -> factor(unit, to).map(f -> new Canonical(value.multiply(f, PRECISION), to)));
  }

  private static final Map<String, Optional<String>> CANONICAL_UNITS = new ConcurrentHashMap<>();

  private static Optional<String> ucumCanonical(String unit) {
    try {
      if (unit.isBlank() || UCUM.validate(unit) != null) {
        return Optional.empty();
      }
      String canonical = UCUM.getCanonicalUnits(unit);
      // UCUM writes a dimensionless canonical unit (mmol/mol, %) as nothing: that is unity, "1".
      return Optional.of(canonical == null || canonical.isEmpty() ? "1" : canonical);
    } catch (UcumException | RuntimeException | AssertionError e) {
      // UCUM asserts on some input it cannot read: not a unit it relates, never a failed write.
      return Optional.empty();
    }
  }

  /** UCUM's parsing and conversion is slow next to a multiplication; units are few. */
  private static final Map<String, Optional<BigDecimal>> FACTORS = new ConcurrentHashMap<>();

  private static Optional<BigDecimal> factor(String from, String to) {
    if (from == null || to == null) {
      return Optional.empty();
    }
    return FACTORS.computeIfAbsent(from + "\u0000" + to, key -> ucumFactor(from, to));
  }

  private static Optional<BigDecimal> ucumFactor(String from, String to) {
    try {
      if (UCUM.validate(from) != null
          || UCUM.validate(to) != null
          || !UCUM.isComparable(from, to)) {
        return Optional.empty();
      }
      Decimal one = new Decimal("1.00000000000000000000000000000000", 34);
      return Optional.of(new BigDecimal(UCUM.convert(one, from, to).asDecimal()));
    } catch (UcumException | RuntimeException | AssertionError e) {
      return Optional.empty();
    }
  }

  private static UcumService load() {
    try (InputStream essence = UcumEssenceService.class.getResourceAsStream("/ucum-essence.xml")) {
      return new UcumEssenceService(essence);
    } catch (Exception e) {
      throw new IllegalStateException("The UCUM essence file is missing from the classpath", e);
    }
  }
}
