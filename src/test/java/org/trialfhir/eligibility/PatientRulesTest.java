package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.criterion;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.quantity;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.range;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Range;
import org.junit.jupiter.api.Test;

/**
 * Age and administrative gender, which the Patient resource alone decides
 * (docs/eligibility-contract.md §3).
 */
class PatientRulesTest {

  private final RecordFixture record = new RecordFixture();

  private CriterionResult ageOf(String birthDate, Criterion criterion) {
    record.patient.setBirthDateElement(new DateType(birthDate));
    return record.evaluate(criterion);
  }

  @Test
  void anExactBirthDateGivesOneAgeInCompletedYearsNamedInTheReason() {
    Criterion age = criterion("inc-age", "age", false, null, range(8, 18, "a"));
    CriterionResult within = ageOf("2014-01-10", age);
    assertThat(within.outcome()).isEqualTo(Outcome.PASS);
    assertThat(within.reason())
        .isEqualTo("Age 12 a on 2026-06-15 (born 2014-01-10) is within 8 to 18 a");
    assertThat(within.evidence()).extracting(r -> r.getReference()).containsExactly("Patient/p1");
    CriterionResult outside = ageOf("2007-06-15", age);
    assertThat(outside.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(outside.reason())
        .isEqualTo("Age 19 a on 2026-06-15 (born 2007-06-15) is outside 8 to 18 a");
  }

  @Test
  void aLowerBoundAlone() {
    Criterion adult =
        criterion("inc-adult", "age", false, null, new Range().setLow(quantity(null, 18, "a")));
    CriterionResult child = ageOf("2014-01-10", adult);
    assertThat(child.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(child.reason())
        .isEqualTo("Age 12 a on 2026-06-15 (born 2014-01-10) is outside at least 18 a");
    assertThat(ageOf("2008-06-15", adult).outcome()).as("18th birthday").isEqualTo(Outcome.PASS);
    assertThat(ageOf("2008-06-16", adult).outcome()).isEqualTo(Outcome.FAIL);
  }

  @Test
  void anUpperBoundAloneCountsInItsOwnUnit() {
    Criterion infant =
        criterion("inc-infant", "age", false, null, new Range().setHigh(quantity(null, 12, "mo")));
    CriterionResult toddler = ageOf("2025-01-10", infant);
    assertThat(toddler.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(toddler.reason())
        .isEqualTo("Age 17 mo on 2026-06-15 (born 2025-01-10) is outside at most 12 mo");
    CriterionResult baby = ageOf("2025-07-15", infant);
    assertThat(baby.outcome()).isEqualTo(Outcome.PASS);
    assertThat(baby.reason()).startsWith("Age 11 mo on 2026-06-15");
  }

  @Test
  void anAgeCriterionWithoutARangeOrAPatientWithoutABirthDateLacksData() {
    Criterion noRange = criterion("inc-age", "age", false, null, quantity(null, 18, "a"));
    CriterionResult result = record.evaluate(noRange);
    assertThat(result.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(result.reason()).isEqualTo("The age criterion has no age range");
    Criterion emptyRange = criterion("inc-age", "age", false, null, new Range());
    assertThat(record.evaluate(emptyRange).reason())
        .isEqualTo("The age criterion has no age range");
    record.patient.setBirthDate(null);
    CriterionResult noBirth =
        record.evaluate(criterion("inc-age", "age", false, null, range(8, 18, "a")));
    assertThat(noBirth.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(noBirth.reason()).isEqualTo("No birth date is recorded");
  }

  @Test
  void aBirthMonthGivingOnePossibleAgeDecides() {
    Criterion age = criterion("inc-age", "age", false, null, range(8, 18, "a"));
    CriterionResult result = ageOf("2008-03", age);
    assertThat(result.outcome()).isEqualTo(Outcome.PASS);
    assertThat(result.reason())
        .isEqualTo(
            "Age 18 a on 2026-06-15 (born 2008-03, known only to the month) is within 8 to 18 a");
    CriterionResult older = ageOf("2007-03", age);
    assertThat(older.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(older.reason()).endsWith("is outside 8 to 18 a");
  }

  @Test
  void aBirthMonthStraddlingABoundIsForAPerson() {
    Criterion age = criterion("inc-age", "age", false, null, range(8, 17, "a"));
    CriterionResult result = ageOf("2008-06", age);
    assertThat(result.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(result.reason())
        .isEqualTo(
            "Age 17 or 18 a on 2026-06-15 (born 2008-06, known only to the month) may be within"
                + " or outside 8 to 17 a: confirm the exact birth date");
  }

  @Test
  void aBirthYearCountedInMonthsIsARangeOfAges() {
    Criterion infant = criterion("inc-infant", "age", false, null, range(6, 24, "mo"));
    CriterionResult result = ageOf("2025", infant);
    assertThat(result.outcome()).isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(result.reason())
        .startsWith("Age 5 to 17 mo on 2026-06-15 (born 2025, known only to the year) may be");
    assertThat(ageOf("2024", infant).outcome())
        .as("17 to 29 months")
        .isEqualTo(Outcome.MANUAL_REVIEW);
    assertThat(ageOf("2023", criterion("i", "age", false, null, range(6, 60, "mo"))).outcome())
        .as("29 to 41 months")
        .isEqualTo(Outcome.PASS);
  }

  @Test
  void aBoundInAUnitThatCountsNoDatesCountsYears() {
    Criterion hours = criterion("inc-age", "age", false, null, range(8, 18, "h"));
    assertThat(ageOf("2014-01-10", hours).outcome()).as("12 years").isEqualTo(Outcome.PASS);
  }

  @Test
  void administrativeGender() {
    Criterion female =
        criterion(
            "inc-sex",
            "sex",
            false,
            null,
            new CodeableConcept()
                .addCoding(
                    new Coding("http://hl7.org/fhir/administrative-gender", "female", null)));
    CriterionResult none = record.evaluate(female);
    assertThat(none.outcome()).isEqualTo(Outcome.MISSING_DATA);
    assertThat(none.reason()).isEqualTo("No administrative gender is recorded");
    record.patient.setGender(AdministrativeGender.UNKNOWN);
    assertThat(record.evaluate(female).outcome()).isEqualTo(Outcome.MISSING_DATA);
    record.patient.setGender(AdministrativeGender.FEMALE);
    CriterionResult match = record.evaluate(female);
    assertThat(match.outcome()).isEqualTo(Outcome.PASS);
    assertThat(match.reason()).isEqualTo("Recorded gender female is female");
    assertThat(match.evidence()).extracting(r -> r.getReference()).containsExactly("Patient/p1");
    record.patient.setGender(AdministrativeGender.MALE);
    CriterionResult other = record.evaluate(female);
    assertThat(other.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(other.reason()).isEqualTo("Recorded gender male is not female");
  }
}
