package org.trialfhir.outcome;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupPopulationComponent;
import org.hl7.fhir.r4.model.MeasureReport.StratifierGroupComponent;
import org.hl7.fhir.r4.model.MeasureReport.StratifierGroupPopulationComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Type;

/**
 * The pieces the report's tables are built of, written the same way in every table: population
 * counts, {@link #STATISTIC} extensions, quantities in UCUM and rounded numbers.
 */
final class ReportParts {

  static final String STATISTIC =
      "http://trialfhir.org/fhir/StructureDefinition/endpoint-statistic";
  private static final String POPULATION =
      "http://terminology.hl7.org/CodeSystem/measure-population";
  private static final MathContext PRECISION = MathContext.DECIMAL64;

  private ReportParts() {}

  static void population(MeasureReportGroupPopulationComponent population, String code, int count) {
    population.setCode(populationCode(code));
    population.setCount(count);
  }

  static void population(StratifierGroupPopulationComponent population, String code, int count) {
    population.setCode(populationCode(code));
    population.setCount(count);
  }

  private static CodeableConcept populationCode(String code) {
    // initial-population is HL7's; counts of events and of subjects with any are ours.
    String system =
        "initial-population".equals(code)
            ? POPULATION
            : "http://trialfhir.org/fhir/CodeSystem/report-population";
    return new CodeableConcept(new Coding(system, code, null)).setText(code);
  }

  static void statistic(StratifierGroupComponent stratum, String name, Type value) {
    Extension statistic = stratum.addExtension().setUrl(STATISTIC);
    statistic.addExtension("name", new CodeType(name));
    statistic.addExtension("value", value);
  }

  static Quantity quantity(BigDecimal value, String unit) {
    return new Quantity()
        .setValue(round(value, 3))
        .setUnit(unit)
        .setSystem("http://unitsofmeasure.org")
        .setCode(unit);
  }

  static DecimalType percent(int part, int whole) {
    return new DecimalType(
        round(BigDecimal.valueOf(part * 100L).divide(BigDecimal.valueOf(whole), PRECISION), 1));
  }

  static BigDecimal round(BigDecimal value, int scale) {
    BigDecimal rounded = value.setScale(scale, RoundingMode.HALF_UP).stripTrailingZeros();
    return rounded.scale() < 0 ? rounded.setScale(0) : rounded;
  }
}
