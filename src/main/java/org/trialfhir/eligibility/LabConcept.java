package org.trialfhir.eligibility;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * What the package knows about a laboratory concept, kept as data on the concept's ValueSet
 * (extension {@link #URL}; fhir-profiles/README.md, "Lab concepts"): the analyte's molar mass, unit
 * relations UCUM cannot express (HbA1c: % NGSP = mmol/mol IFCC ÷ 10.929 + 2.15), and for a timed
 * test (fasting, 2 hours after a meal) the ValueSets of the analyte's codes whatever the sampling
 * time and of the codes that state one.
 *
 * @param molarMass g/mol, or null
 * @param analyte ValueSet of every code of the analyte, timed or not; null when not a timed test
 * @param timed ValueSet of the codes that say when the sample was taken; null likewise
 * @param sampling the sampling time in words ("fasting"), for reasons
 */
public record LabConcept(
    BigDecimal molarMass,
    List<UnitRelation> relations,
    List<UnitAlias> aliases,
    String analyte,
    String timed,
    String sampling) {

  /** A concept without unit aliases. */
  public LabConcept(
      BigDecimal molarMass,
      List<UnitRelation> relations,
      String analyte,
      String timed,
      String sampling) {
    this(molarMass, relations, List.of(), analyte, timed, sampling);
  }

  /**
   * A UCUM unit atom that, for this concept, stands for another: insulin's {@code U} is the
   * international unit {@code [IU]} (to UCUM, U is the enzyme unit, µmol/min).
   */
  public record UnitAlias(String from, String to) {

    String apply(String unit) {
      return unit.replaceAll(
          "(?<![A-Za-z\\[])" + Pattern.quote(from) + "(?![A-Za-z\\]])",
          Matcher.quoteReplacement(to));
    }
  }

  public static final String URL = "http://trialfhir.org/fhir/StructureDefinition/lab-concept";
  public static final LabConcept NONE =
      new LabConcept(null, List.of(), List.of(), null, null, null);

  /**
   * A linear relation between two units of one concept: {@code to = from ÷ divideBy + add}. Applied
   * only between exactly these unit codes, never inferred.
   */
  public record UnitRelation(String from, String to, BigDecimal divideBy, BigDecimal add) {

    Optional<BigDecimal> apply(BigDecimal value, String fromUnit, String toUnit) {
      MathContext precision = MathContext.DECIMAL128;
      if (from.equals(fromUnit) && to.equals(toUnit)) {
        return Optional.of(value.divide(divideBy, precision).add(add, precision));
      }
      if (to.equals(fromUnit) && from.equals(toUnit)) {
        return Optional.of(value.subtract(add, precision).multiply(divideBy, precision));
      }
      return Optional.empty();
    }

    boolean names(String unit) {
      return from.equals(unit) || to.equals(unit);
    }
  }

  /** The concept as its ValueSet states it; {@link #NONE} when it states nothing. */
  public static LabConcept of(ValueSet valueSet) {
    Extension ext = valueSet == null ? null : valueSet.getExtensionByUrl(URL);
    if (ext == null) {
      return NONE;
    }
    BigDecimal molarMass =
        ext.getExtensionByUrl("molarMass") != null
                && ext.getExtensionByUrl("molarMass").getValue() instanceof Quantity q
            ? q.getValue()
            : null;
    List<UnitRelation> relations =
        ext.getExtensionsByUrl("unitRelation").stream()
            .map(
                r ->
                    new UnitRelation(
                        string(r, "from"),
                        string(r, "to"),
                        new BigDecimal(string(r, "divideBy")),
                        new BigDecimal(string(r, "add"))))
            .toList();
    List<UnitAlias> aliases =
        ext.getExtensionsByUrl("unitAlias").stream()
            .map(a -> new UnitAlias(string(a, "from"), string(a, "to")))
            .toList();
    return new LabConcept(
        molarMass,
        relations,
        aliases,
        string(ext, "analyte"),
        string(ext, "timed"),
        string(ext, "sampling"));
  }

  /** This concept with a molar mass stated elsewhere (a criterion's own), when it has none. */
  public LabConcept withMolarMass(BigDecimal fallback) {
    return molarMass != null || fallback == null
        ? this
        : new LabConcept(fallback, relations, aliases, analyte, timed, sampling);
  }

  boolean isTimed() {
    return analyte != null && timed != null;
  }

  /**
   * {@code value} in {@code from} expressed in {@code to}: the concept's own relations between
   * exactly those units first (UCUM would relate % and mmol/mol as plain ratios, which for HbA1c is
   * wrong), else UCUM through the molar mass. Empty when the units cannot be related: never a
   * guess. A unit of a relation converts only to the other unit of a relation.
   */
  public Optional<BigDecimal> convert(BigDecimal value, String fromUnit, String toUnit) {
    if (value == null || fromUnit == null || toUnit == null) {
      return Optional.empty();
    }
    String aliasedFrom = fromUnit;
    String aliasedTo = toUnit;
    for (UnitAlias alias : aliases) {
      aliasedFrom = alias.apply(aliasedFrom);
      aliasedTo = alias.apply(aliasedTo);
    }
    String from = aliasedFrom;
    String to = aliasedTo;
    if (from.equals(to)) {
      return Optional.of(value);
    }
    for (UnitRelation relation : relations) {
      Optional<BigDecimal> related = relation.apply(value, from, to);
      if (related.isPresent()) {
        return related;
      }
    }
    if (relations.stream().anyMatch(r -> r.names(from) || r.names(to))) {
      return Optional.empty();
    }
    return UnitConverter.convert(value, from, to, molarMass);
  }

  private static String string(Extension parent, String url) {
    Extension ext = parent.getExtensionByUrl(url);
    return ext == null || ext.getValue() == null ? null : ext.getValue().primitiveValue();
  }
}
