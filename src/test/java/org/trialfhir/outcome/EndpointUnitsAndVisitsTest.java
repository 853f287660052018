package org.trialfhir.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import org.hl7.fhir.r4.model.Measure;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.Test;
import org.trialfhir.PackageFiles;
import org.trialfhir.eligibility.LabConcept;
import org.trialfhir.outcome.EndpointReport.Endpoint;
import org.trialfhir.outcome.VisitSchedule.Visit;

class EndpointUnitsAndVisitsTest {

  /** HbA1c as the package states it, with the IFCC-NGSP master equation. */
  static final LabConcept HBA1C = LabConcept.of(PackageFiles.valueSet("hba1c"));

  /** The daily insulin dose as the package states it: its U is the international unit. */
  static final LabConcept INSULIN = LabConcept.of(PackageFiles.valueSet("insulin-daily-dose"));

  private static Endpoint endpoint(String unit, String molarMass) {
    return new Endpoint(
        new Measure.MeasureGroupComponent(),
        "http://example.org/vs",
        unit,
        molarMass == null ? null : new BigDecimal(molarMass),
        null,
        null);
  }

  private static Quantity quantity(String value, String code) {
    return new Quantity()
        .setValue(new BigDecimal(value))
        .setCode(code)
        .setSystem("http://unitsofmeasure.org");
  }

  @Test
  void hba1cInIfccMmolPerMolBecomesNgspPercent() {
    assertThat(
            EndpointValues.normalise(quantity("64", "mmol/mol"), endpoint("%", null), HBA1C)
                .orElseThrow())
        .isCloseTo(
            new BigDecimal("8.006"), org.assertj.core.data.Offset.offset(new BigDecimal("0.001")));
  }

  @Test
  void glucoseInMilligramsPerDecilitreBecomesMillimolesPerLitre() {
    assertThat(
            EndpointValues.normalise(
                    quantity("275.6448", "mg/dL"), endpoint("mmol/L", "180.16"), LabConcept.NONE)
                .orElseThrow())
        .isCloseTo(
            new BigDecimal("15.3"), org.assertj.core.data.Offset.offset(new BigDecimal("0.0001")));
  }

  @Test
  void cPeptideInPicomolesPerLitreBecomesNanomolesPerLitre() {
    assertThat(
            EndpointValues.normalise(
                    quantity("350", "pmol/L"), endpoint("nmol/L", "3020.3"), LabConcept.NONE)
                .orElseThrow())
        .isEqualByComparingTo("0.35");
  }

  @Test
  void insulinUnitsAndInternationalUnitsAreTheSame() {
    assertThat(
            EndpointValues.normalise(quantity("12.5", "U/d"), endpoint("[IU]/d", null), INSULIN)
                .orElseThrow())
        .isEqualByComparingTo("12.5");
    assertThat(
            EndpointValues.normalise(quantity("0", "[IU]/d"), endpoint("[IU]/d", null), INSULIN)
                .orElseThrow())
        .isEqualByComparingTo("0");
    assertThat(
            EndpointValues.normalise(quantity("25", "U/(24.h)"), endpoint("[IU]/d", null), INSULIN)
                .orElseThrow())
        .isEqualByComparingTo("25");
    // Without the package's alias UCUM reads U as the enzyme unit: no conversion, not a guess.
    assertThat(
            EndpointValues.normalise(
                quantity("12.5", "U/d"), endpoint("[IU]/d", null), LabConcept.NONE))
        .isEmpty();
  }

  @Test
  void aResultOnAWindowsEdgeBelongsToThatVisitAndADayBeyondToNone() {
    VisitSchedule schedule =
        new VisitSchedule(
            List.of(
                new Visit("baseline", "Baseline", -14, 0),
                new Visit("month-1", "1 month", 16, 44)));
    LocalDate start = LocalDate.of(2024, 3, 1);
    assertThat(schedule.visitOf(start, start.minusDays(14))).map(Visit::id).contains("baseline");
    assertThat(schedule.visitOf(start, start)).map(Visit::id).contains("baseline");
    assertThat(schedule.visitOf(start, start.plusDays(16))).map(Visit::id).contains("month-1");
    assertThat(schedule.visitOf(start, start.plusDays(44))).map(Visit::id).contains("month-1");
    assertThat(schedule.visitOf(start, start.plusDays(45))).isEmpty();
    assertThat(schedule.visitOf(start, start.plusDays(15))).isEmpty();
    assertThat(schedule.visitOf(start, start.minusDays(15))).isEmpty();
  }
}
