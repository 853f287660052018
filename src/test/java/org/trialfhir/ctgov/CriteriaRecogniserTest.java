package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.hl7.fhir.r4.model.Range;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shapes the recogniser reads, each with real sentences of the registry sample (issue #21), and
 * sentences that must stay for a person because reading them would be wrong.
 */
class CriteriaRecogniserTest {

  private static final String VS = CriterionFactory.BASE + "ValueSet/";
  private static final String SD = CriterionFactory.BASE + "StructureDefinition/";
  private static final List<String> T1D_STUDY = List.of("Type 1 Diabetes Mellitus");

  private final Group group = new Group();

  private Optional<GroupCharacteristicComponent> read(boolean exclusion, String text) {
    return read(exclusion, text, T1D_STUDY);
  }

  private Optional<GroupCharacteristicComponent> read(
      boolean exclusion, String text, List<String> conditions) {
    return CriteriaRecogniser.recognise(
        exclusion ? "exc-1" : "inc-1",
        new CriteriaText.Item(exclusion, text),
        conditions,
        new CriterionFactory(group));
  }

  private static String kind(GroupCharacteristicComponent c) {
    return c.getCode().getCodingFirstRep().getCode();
  }

  private static String valueSet(GroupCharacteristicComponent c) {
    return c.getExtensionByUrl(SD + "criterion-valueset").getValue().primitiveValue();
  }

  private static String remainder(GroupCharacteristicComponent c) {
    return c.hasExtension(SD + "criterion-manual-review")
        ? c.getExtensionByUrl(SD + "criterion-manual-review").getValue().primitiveValue()
        : null;
  }

  private List<GroupCharacteristicComponent> parts(GroupCharacteristicComponent anyOf) {
    assertThat(kind(anyOf)).isEqualTo("any-of");
    return ((Group) group.getContained().get(group.getContained().size() - 1)).getCharacteristic();
  }

  private static void assertMachineDerivedWithItsWords(
      GroupCharacteristicComponent c, String text) {
    assertThat(c.getExtensionByUrl(SD + "criterion-origin").getValue().primitiveValue())
        .isEqualTo("machine-derived");
    assertThat(c.getExtensionByUrl(SD + "criterion-description").getValue().primitiveValue())
        .isEqualTo(text);
  }

  private static void assertThreshold(
      GroupCharacteristicComponent c, QuantityComparator comparator, String value, String unit) {
    Quantity q = (Quantity) c.getValue();
    assertThat(q.getComparator()).isEqualTo(comparator);
    assertThat(q.getValue()).isEqualByComparingTo(value);
    assertThat(q.getCode()).isEqualTo(unit);
  }

  // ------------------------------------------------------------------ labs and vitals

  @Test
  void aLabWithASymbolComparatorAndUnit() {
    String text = "Fasting plasma C-peptide concentration >0.12 nmol/L.";
    GroupCharacteristicComponent c = read(false, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    assertThat(kind(c)).isEqualTo("observation-value");
    assertThat(valueSet(c)).isEqualTo(VS + "c-peptide-fasting");
    assertThreshold(c, QuantityComparator.GREATER_THAN, "0.12", "nmol/L");
    assertThat(remainder(c)).isNull();
    assertThat(c.getExclude()).isFalse();
  }

  @Test
  void anExclusionOnAVitalAndOnEgfrWithItsUnitWords() {
    GroupCharacteristicComponent weight =
        read(true, "Subjects with body weight >100 kg").orElseThrow();
    assertThat(valueSet(weight)).isEqualTo(VS + "body-weight");
    assertThreshold(weight, QuantityComparator.GREATER_THAN, "100", "kg");
    assertThat(weight.getExclude()).isTrue();
    GroupCharacteristicComponent egfr =
        read(true, "Subjects with GFR <60 ml/min/1.73 m2 body surface.").orElseThrow();
    assertThat(valueSet(egfr)).isEqualTo(VS + "egfr");
    assertThreshold(egfr, QuantityComparator.LESS_THAN, "60", "mL/min/{1.73_m2}");
  }

  @Test
  void comparatorsInWords() {
    GroupCharacteristicComponent c =
        read(false, "Age between 6 and 21 years and weight at least 20kg at Visit 1").orElseThrow();
    assertThreshold(c, QuantityComparator.GREATER_OR_EQUAL, "20", "kg");
    // "and ... at Visit 1": the weight failing fails the item; the rest is for a person.
    assertThat(remainder(c))
        .isEqualTo("Age between 6 and 21 years and weight at least 20kg at Visit 1");
  }

  @Test
  void aRangeWithComparatorsAndFillerIsARangeInclusive() {
    GroupCharacteristicComponent hba1c =
        read(
                false,
                "Currently undergoing insulin therapy and possesses HbA1c levels between ≥7.0% and ≤12%.")
            .orElseThrow();
    Range r = (Range) hba1c.getValue();
    assertThat(r.getLow().getValue()).isEqualByComparingTo("7.0");
    assertThat(r.getHigh().getValue()).isEqualByComparingTo("12");
    assertThat(r.getHigh().getCode()).isEqualTo("%");
    assertThat(remainder(hba1c)).isNotNull();
    GroupCharacteristicComponent bmi =
        read(
                false,
                "Possess a body mass index (BMI) between at the time of screening ≥18.0 kg/m2 and ≤ 35.0 kg/m2.")
            .orElseThrow();
    assertThat(kind(bmi)).isEqualTo("bmi");
    assertThat(((Range) bmi.getValue()).getLow().getValue()).isEqualByComparingTo("18.0");
    assertThat(remainder(bmi)).isNull();
  }

  @Test
  void twoLabsJoinedByOrAreAnyOfWithTheirOwnWords() {
    String text =
        "Fasting C-peptide ≥0.10 nmol/L (0.30 ng/ml) or post-MMTT peak C-peptide ≥0.2 pmol/mL (0.6 ng/mL).";
    GroupCharacteristicComponent c = read(false, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    List<GroupCharacteristicComponent> parts = parts(c);
    assertThat(parts)
        .extracting(CriteriaRecogniserTest::valueSet)
        .containsExactly(VS + "c-peptide-fasting", VS + "c-peptide-mmtt-peak");
    assertThreshold(parts.get(1), QuantityComparator.GREATER_OR_EQUAL, "0.2", "pmol/mL");
    assertThat(
            parts
                .get(0)
                .getExtensionByUrl(SD + "criterion-description")
                .getValue()
                .primitiveValue())
        .isEqualTo("Fasting C-peptide ≥0.10 nmol/L (0.30 ng/ml)");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        // Multiples of the upper limit of normal joined by "and" (Hy's law): neither alone
        // excludes
        "ALT or AST > 3 × ULN and total bilirubin > 2 × ULN",
        // A limit for one sex only, or sex-specific limits of another shape
        "Hemoglobin < 100 g/L in women",
        "Hemoglobin < 120 g/L (male) or < 110 g/L (female)",
        // Two values: which one an interrupted phrase is about is not certain
        "C-peptide level over 0.2 nmol/L or over 0.1 nmol/L in the MMTT test",
        // A dose per weight is not a body weight
        "Average daily total insulin use was >1.0IU/kg(international unit) per day or <15IU per day 7 days before screening."
      })
  void labShapesThatMustStayForAPerson(String text) {
    assertThat(read(true, text)).isEmpty();
  }

  @Test
  void aChangeOrAMultipleOfNormalIsNotAValue() {
    assertThat(read(false, "HbA1c reduction of at least 0.5 % from baseline")).isEmpty();
    assertThat(read(true, "eGFR > 2 x ULN mL/min/1.73 m2")).isEmpty();
  }

  // ------------------------------------------------------------------ diagnoses with a time frame

  @Test
  void aDiagnosisWithinAPeriod() {
    GroupCharacteristicComponent c =
        read(
                false,
                "Clinical history compatible with type 1 diabetes diagnosed less than 6 months before enrolment")
            .orElseThrow();
    assertThat(kind(c)).isEqualTo("condition-onset");
    assertThat(valueSet(c)).isEqualTo(VS + "type-1-diabetes");
    assertThat(((Quantity) c.getValue()).getValue()).isEqualByComparingTo("6");
    assertThat(((Quantity) c.getValue()).getCode()).isEqualTo("mo");
  }

  @Test
  void theStudysOwnDiagnosisWhenTheItemDoesNotNameIt() {
    GroupCharacteristicComponent c =
        read(
                false,
                "Diabetes mellitus diagnosed according to ADA criteria (53) within 100 days of Visit 2",
                List.of("Type 1 Diabetes", "Diabetes Mellitus, Type 1"))
            .orElseThrow();
    assertThat(valueSet(c)).isEqualTo(VS + "type-1-diabetes");
    assertThat(((Quantity) c.getValue()).getCode()).isEqualTo("d");
    assertThat(remainder(c)).isNotNull();
    GroupCharacteristicComponent interval =
        read(
                false,
                "An interval of ≤100 days between the diagnosis and the first dose of the study drug.")
            .orElseThrow();
    assertThat(kind(interval)).isEqualTo("condition-onset");
    // In a study of another condition, "diagnosed" names nothing the recogniser knows.
    assertThat(read(false, "Celiac disease diagnosed within 1 year", T1D_STUDY)).isEmpty();
  }

  @Test
  void aWindowWithALowerBoundKeepsTheLowerBoundForAPerson() {
    GroupCharacteristicComponent c =
        read(
                false,
                "Diagnosed with T1D within 3 to 6 months before screening, based on the 2021 version of the Chinese Guidelines for Diagnosis and Treatment of Type 1 Diabetes, with positive pancreatic autoantibodies:")
            .orElseThrow();
    assertThat(((Quantity) c.getValue()).getValue()).isEqualByComparingTo("6");
    assertThat(remainder(c)).isNotNull();
  }

  @Test
  void anExclusionOnARecentDiagnosisWithAFurtherAlternative() {
    GroupCharacteristicComponent c =
        read(
                true,
                "Diagnosed with DKA(Diabetic Ketoacidosis) or hyperosmotic hyperglycemia syndrome 1 month before screening.")
            .orElseThrow();
    assertThat(kind(c)).isEqualTo("condition-onset");
    assertThat(valueSet(c)).isEqualTo(VS + "diabetic-ketoacidosis");
    assertThat(((Quantity) c.getValue()).getValue()).isEqualByComparingTo("1");
    assertThat(remainder(c)).isNotNull();
  }

  // ------------------------------------------------------------------ exclusion families

  @ParameterizedTest
  @ValueSource(
      strings = {
        "History of malignancy.",
        "Subjects with known, or previous, malignancy.",
        "Previously reported malignant tumors (whether cured or not)."
      })
  void malignancyEverIsExcluded(String text) {
    GroupCharacteristicComponent c = read(true, text).orElseThrow();
    assertThat(kind(c)).isEqualTo("condition");
    assertThat(valueSet(c)).isEqualTo(VS + "malignant-neoplasm");
    assertThat(remainder(c)).isNull();
    assertThat(c.getExclude()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "History of malignancy within 5 years except basal cell carcinoma",
        "History of malignancy within the past 5 years",
        "Malignancy other than adequately treated basal cell carcinoma of the skin",
        "Have a serious/uncontrolled autoimmune disease in addition to T1D at the time of screening.",
        "Subjects with serological evidence of infection with HIV, Treponema pallidum, hepatitis B antigen (subjects with serology consistent with previous vaccination and a history of vaccination are acceptable), or hepatitis C.",
        "Clinical or laboratory evidence of active infection other than localised skin infection, including viral hepatitis, EBV, CMV or tuberculosis",
        "HIV and hepatitis B co-infection"
      })
  void exclusionsWithAnExceptionASeverityOrATimeFrameStayForAPerson(String text) {
    assertThat(read(true, text)).isEmpty();
  }

  @Test
  void otherAutoimmuneDiseasePancreatitisAndPregnancy() {
    assertThat(valueSet(read(true, "Other auto-immune diseases;").orElseThrow()))
        .isEqualTo(VS + "autoimmune-disease");
    assertThat(valueSet(read(true, "History of acute or chronic pancreatitis.").orElseThrow()))
        .isEqualTo(VS + "pancreatitis");
    GroupCharacteristicComponent pregnant =
        read(true, "Pregnant or lactating women.").orElseThrow();
    assertThat(kind(pregnant)).isEqualTo("pregnancy");
    assertThat(remainder(pregnant)).isEqualTo("Pregnant or lactating women.");
  }

  @Test
  void aDiagnosisAsInclusion() {
    GroupCharacteristicComponent c =
        read(
                false,
                "A diagnosis of type 1 diabetes mellitus in accordance with the ADA/CDA criteria.")
            .orElseThrow();
    assertThat(kind(c)).isEqualTo("condition");
    assertThat(valueSet(c)).isEqualTo(VS + "type-1-diabetes");
  }

  @Test
  void aPermissionIsNoRequirement() {
    assertThat(
            read(
                false,
                "Patients who have had another malignancy but with no evidence of disease for greater than 5 years from accrual to the current trial will be eligible if it is felt they are likely to be cured."))
        .isEmpty();
  }

  @Test
  void criteriaOfOneCohortAreNotEveryones() {
    assertThat(
            read(
                false,
                "T1D Group: children diagnosed with T1D, according to internationally defined criteria, with at least one positive pancreatic antibody and under functional insulin."))
        .isEmpty();
  }

  // ------------------------------------------------------------------ positive tests

  @Test
  void atLeastOneIsletAutoantibody() {
    GroupCharacteristicComponent c =
        read(false, "Positive for at least one diabetes-related autoantibody.").orElseThrow();
    assertThat(kind(c)).isEqualTo("observation-positive");
    assertThat(valueSet(c)).isEqualTo(VS + "islet-autoantibody");
    assertThat(remainder(c)).isNull();
  }

  @Test
  void anAntibodyCountedOnlyUnderAConditionIsLeftToAPersonAndNeverFails() {
    GroupCharacteristicComponent c =
        read(
                false,
                "Presence of at least one antibody against insulin (if <10 days since starting insulin therapy), GAD, IA2 or ZnT8")
            .orElseThrow();
    assertThat(parts(c))
        .extracting(CriteriaRecogniserTest::kind)
        .containsExactly(
            "observation-positive",
            "observation-positive",
            "observation-positive",
            "manual-review");
    assertThat(parts(c).subList(0, 3))
        .extracting(CriteriaRecogniserTest::valueSet)
        .containsExactly(VS + "gad65-antibody", VS + "ia2-antibody", VS + "znt8-antibody");
  }

  @Test
  void aPositiveTestAtAnotherTimeStaysForAPerson() {
    assertThat(read(false, "Must be tested IAA-positive at the time of diagnosis.")).isEmpty();
  }

  @Test
  void anyOfSeveralPositiveSerologiesExcludes() {
    GroupCharacteristicComponent c =
        read(
                true,
                "HIV-Ab or HBsAg or HCV-Ab(Hepatitis C virus) or treponema pallidum positive at screening")
            .orElseThrow();
    assertThat(c.getExclude()).isTrue();
    assertThat(parts(c))
        .extracting(CriteriaRecogniserTest::valueSet)
        .containsExactly(VS + "hiv-antibody-test", VS + "hbsag-test", VS + "hcv-antibody-test");
    assertThat(remainder(c)).isNotNull();
  }

  // ------------------------------------------------------------------ age

  @Test
  void agesInTheText() {
    Range r =
        (Range)
            read(
                    false,
                    "Males and females aged between ≥18 and ≤40 years old at the time of screening.")
                .orElseThrow()
                .getValue();
    assertThat(r.getLow().getValue()).isEqualByComparingTo("18");
    assertThat(r.getHigh().getValue()).isEqualByComparingTo("40");
    assertThat(r.getHigh().getCode()).isEqualTo("a");
    GroupCharacteristicComponent adult = read(false, "Age ≥ 18 years").orElseThrow();
    assertThat(((Range) adult.getValue()).hasHigh()).isFalse();
    assertThat(read(false, "Age at diagnosis ≥ 18 years")).isEmpty();
  }

  @Test
  void anAgeOfOneOfSeveralGroupsStaysForAPerson() {
    assertThat(
            read(
                false,
                "Children aged 5-8 years must have received at least 2 doses of seasonal trivalent or quadrivalent influenza vaccine prior to the current influenza season. Children 9-11 years must have received at least 1 dose of seasonal trivalent or quadrivalent influenza vaccine prior to the current influenza season."))
        .isEmpty();
  }

  @Test
  void outsideARangeIsTwoAlternativesAndBmiNeedsNoUnit() {
    GroupCharacteristicComponent c = read(true, "BMI <14 or >35.").orElseThrow();
    List<GroupCharacteristicComponent> parts = parts(c);
    assertThat(parts).extracting(CriteriaRecogniserTest::kind).containsExactly("bmi", "bmi");
    assertThreshold(parts.get(0), QuantityComparator.LESS_THAN, "14", "kg/m2");
    assertThreshold(parts.get(1), QuantityComparator.GREATER_THAN, "35", "kg/m2");
    assertThat(c.getExclude()).isTrue();
  }

  // ------------------------------------------------------------------ medications

  @Test
  void aMedicationInAPeriodAlwaysKeepsAPartForAPerson() {
    String text = "Used immunosuppressants 3 months prior to screening.";
    GroupCharacteristicComponent c = read(true, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    assertThat(kind(c)).isEqualTo("medication");
    assertThat(valueSet(c)).isEqualTo(VS + "immunosuppressant");
    assertThat(((Quantity) c.getValue()).getValue()).isEqualByComparingTo("3");
    assertThat(((Quantity) c.getValue()).getCode()).isEqualTo("mo");
    // A clinical-drug code the package's list does not hold is for a person to see.
    assertThat(remainder(c)).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Used systemic glucocorticoid therapy 2 weeks prior to screening or during the study period (except for inhaled and topical glucocorticoid therapies).",
        "Immunodeficiency or chronic use of immunosuppressive drugs other than topical or inhaled glucocorticoid",
        "Subjects with any systemic immune suppressive treatment"
      })
  void medicationsWithAnExceptionOrWithoutAPeriodStayForAPerson(String text) {
    assertThat(read(true, text)).isEmpty();
  }

  @Test
  void aBracketListingWhatTheTestIsKeepsTheTest() {
    GroupCharacteristicComponent c =
        read(
                false,
                "At least one positive islet autoantibody (GAD65, IA-2, ZnT8 or insulin autoantibody)")
            .orElseThrow();
    assertThat(kind(c)).isEqualTo("observation-positive");
    assertThat(valueSet(c)).isEqualTo(VS + "islet-autoantibody");
  }

  @Test
  void aListOfDiagnosesExcludesOnAnyOfThem() {
    GroupCharacteristicComponent c =
        read(true, "Hypothyroidism, adrenal insufficiency or hypercortisolism;").orElseThrow();
    assertThat(parts(c))
        .extracting(CriteriaRecogniserTest::valueSet)
        .containsExactly(
            VS + "hypothyroidism", VS + "adrenal-insufficiency", VS + "hypercortisolism");
    assertThat(remainder(c)).isNull();
  }

  @Test
  void aFurtherReasonToExcludeWithADefinitionStillExcludesOnPregnancy() {
    GroupCharacteristicComponent c =
        read(
                true,
                "Pregnant or nursing (lactating) women, where pregnancy is defined as the state of a female after conception and until the termination of gestation, confirmed by a positive hCG laboratory test.")
            .orElseThrow();
    assertThat(kind(c)).isEqualTo("pregnancy");
    assertThat(remainder(c)).isNotNull();
  }

  // ------------------------------------------------------------------ shapes of issue #21, part 2

  @Test
  void aMultipleOfTheUpperLimitOfNormalForEachNamedTest() {
    String text = "Alanine aminotransferase (ALT) or aspartate aminotransferase (AST) >2 of ULN";
    GroupCharacteristicComponent c = read(true, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    assertThat(c.getExclude()).isTrue();
    assertThat(remainder(c)).isNull();
    List<GroupCharacteristicComponent> parts = parts(c);
    assertThat(parts).extracting(CriteriaRecogniserTest::kind).containsOnly("observation-uln");
    assertThat(parts)
        .extracting(CriteriaRecogniserTest::valueSet)
        .containsExactly(VS + "alanine-aminotransferase", VS + "aspartate-aminotransferase");
    for (GroupCharacteristicComponent p : parts) {
      assertThreshold(p, QuantityComparator.GREATER_THAN, "2", "1");
    }
    GroupCharacteristicComponent bilirubin =
        read(true, "Total bilirubin >1.5 of ULN").orElseThrow();
    assertThat(kind(bilirubin)).isEqualTo("observation-uln");
    assertThat(valueSet(bilirubin)).isEqualTo(VS + "total-bilirubin");
    assertThreshold(bilirubin, QuantityComparator.GREATER_THAN, "1.5", "1");
    GroupCharacteristicComponent creatinine =
        read(true, "Serum creatinine >1.5 of ULN(Upper limits of normal).").orElseThrow();
    assertThat(valueSet(creatinine)).isEqualTo(VS + "creatinine");
    assertThat(remainder(creatinine)).isNull();
    GroupCharacteristicComponent words =
        read(true, "AST greater than 3 times the upper limit of normal").orElseThrow();
    assertThreshold(words, QuantityComparator.GREATER_THAN, "3", "1");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"AST/ALT ≤ 2.5 × ULN", "ALT, AST ≤ 2.5 x ULN", "ALT and/or AST ≤ 2.5 x ULN"})
  void anInclusionListingTestsWithoutALiteralOrNeedsEachOfThem(String text) {
    // A patient with ALT 10 × ULN and a normal AST must not pass: the first test is computable
    // (it fails the item when above the limit), the others are for a person; never any-of.
    GroupCharacteristicComponent c = read(false, text).orElseThrow();
    assertThat(kind(c)).isEqualTo("observation-uln");
    assertThat(c.getExclude()).isFalse();
    assertThreshold(c, QuantityComparator.LESS_OR_EQUAL, "2.5", "1");
    assertThat(remainder(c)).isEqualTo(text);
    assertMachineDerivedWithItsWords(c, text);
  }

  @Test
  void anInclusionListingTestsWithALiteralOrIsAnyOf() {
    GroupCharacteristicComponent c = read(false, "ALT or AST ≤ 2.5 × ULN").orElseThrow();
    assertThat(parts(c))
        .extracting(CriteriaRecogniserTest::valueSet)
        .containsExactly(VS + "alanine-aminotransferase", VS + "aspartate-aminotransferase");
  }

  @Test
  void anExclusionListingTestsWithASlashExcludesOnEither() {
    GroupCharacteristicComponent c = read(true, "AST/ALT > 3 × ULN").orElseThrow();
    assertThat(c.getExclude()).isTrue();
    assertThat(parts(c))
        .extracting(CriteriaRecogniserTest::valueSet)
        .containsExactly(VS + "aspartate-aminotransferase", VS + "alanine-aminotransferase");
  }

  @Test
  void aVaccinationWithLiveOrDeadVirusExcludesOnAWholeVirusVaccineTheRestForAPerson() {
    String text = "Vaccination with live or dead virus within 4 weeks of Visit 2";
    GroupCharacteristicComponent c = read(true, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    assertThat(c.getExclude()).isTrue();
    assertThat(kind(c)).isEqualTo("medication");
    assertThat(valueSet(c)).isEqualTo(VS + "virus-vaccine");
    assertThreshold(c, null, "4", "wk");
    // Split, subunit and mRNA vaccines, and vaccinations coded otherwise, are not in the ValueSet.
    assertThat(remainder(c)).isEqualTo(text);
    // A live vaccine is any live vaccine, also a bacterial one: still the live-vaccine ValueSet.
    assertThat(valueSet(read(true, "Vaccination with live vaccines within 30 days").orElseThrow()))
        .isEqualTo(VS + "live-vaccine");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Hemoglobin/eGFR ≥ 60 mL/min/1.73 m2",
        "Hemoglobin, eGFR ≥ 60 mL/min/1.73 m2",
        "Hemoglobin and eGFR ≥ 60 mL/min/1.73 m2"
      })
  void anInclusionListingLabsSharingOneValueNeverGivesTheValueToTheFirstAlone(String text) {
    // The value is the last name's; a test named before it is never read with it, and the item
    // needs every test, so the computable part leaves the rest for a person.
    read(false, text)
        .ifPresent(
            c -> {
              assertThat(valueSet(c)).isEqualTo(VS + "egfr");
              assertThat(remainder(c)).isEqualTo(text);
            });
    assertThat(read(true, "Hemoglobin or eGFR < 60 mL/min/1.73 m2")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ALT ≤ 2.5 × ULN (≤ 5 × ULN if liver metastases)",
        "Total bilirubin ≤ 1.5 × ULN unless Gilbert's syndrome",
        "Total bilirubin ≤ 1.5 × ULN (except patients with Gilbert's syndrome)",
        "HbA1c ≤ 10% (≤ 12% if treated with insulin)",
        "Fasting C-peptide ≥0.10 nmol/L, other than in patients on insulin pumps"
      })
  void anInclusionWithAnExceptionNeverFailsOnTheComputablePartAlone(String text) {
    // An eligible patient under the exception fails the computable part: only an any-of with a
    // part for a person, or nothing computable, is safe.
    Optional<GroupCharacteristicComponent> read = read(false, text);
    read.ifPresent(
        c -> {
          assertThat(kind(c)).isEqualTo("any-of");
          assertThat(parts(c)).extracting(CriteriaRecogniserTest::kind).contains("manual-review");
        });
  }

  @Test
  void aPhraseInterruptedByItsValueAndASentenceSayingHowTheOneBeforeIsAssessed() {
    String text =
        "Evidence of residual functioning β cells. This will be assessed by a C-peptide level over 0.2nmol/L in the MMTT test.";
    GroupCharacteristicComponent c = read(false, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    assertThat(kind(c)).isEqualTo("observation-value");
    assertThat(valueSet(c)).isEqualTo(VS + "c-peptide-mmtt-peak");
    assertThreshold(c, QuantityComparator.GREATER_THAN, "0.2", "nmol/L");
    // Fails when the MMTT peak is not above 0.2 nmol/L; "residual β cells" is for a person.
    assertThat(remainder(c)).isEqualTo(text);
    GroupCharacteristicComponent alone =
        read(false, "C-peptide level over 0.2nmol/L in the MMTT test.").orElseThrow();
    assertThat(remainder(alone)).isNull();
    // A second sentence that is not the first one's measure still leaves the item to a person.
    assertThat(
            read(
                false,
                "Evidence of residual functioning β cells. Patients will be enrolled if their C-peptide level over 0.2nmol/L in the MMTT test."))
        .isEmpty();
    assertThat(
            read(false, "C-peptide level over 0.2 nmol/L in the MMTT test at diagnosis").isEmpty())
        .isTrue();
  }

  @Test
  void sexSpecificLimitsExcludeOnWhatExcludesEitherSexTheRestForAPerson() {
    String text = "Hemoglobin <120g/L or > 165g/L (male), or < 110g/L or > 160g/L (female).";
    GroupCharacteristicComponent c = read(true, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    List<GroupCharacteristicComponent> parts = parts(c);
    assertThat(parts).extracting(CriteriaRecogniserTest::valueSet).containsOnly(VS + "hemoglobin");
    // Below 110 g/L or above 165 g/L is out of range for a man and for a woman alike; 110 to
    // 120 and 160 to 165 depend on the sex.
    assertThreshold(parts.get(0), QuantityComparator.LESS_THAN, "110", "g/L");
    assertThreshold(parts.get(1), QuantityComparator.GREATER_THAN, "165", "g/L");
    assertThat(remainder(c)).isEqualTo(text);
    // As an inclusion the same words would need the sex: for a person.
    assertThat(read(false, text)).isEmpty();
  }

  @Test
  void aNegatedExclusionWithAFurtherNegatedReasonAndAnAnchoredPeriod() {
    String text =
        "Have not received any live vaccines within 30 days prior to the first study drug dose and are not expected to need to receive a vaccine during the study.";
    GroupCharacteristicComponent c = read(true, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    assertThat(kind(c)).isEqualTo("medication");
    assertThat(valueSet(c)).isEqualTo(VS + "live-vaccine");
    assertThat(((Quantity) c.getValue()).getValue()).isEqualByComparingTo("30");
    assertThat(((Quantity) c.getValue()).getCode()).isEqualTo("d");
    assertThat(remainder(c)).isEqualTo(text);
    // A wish to postpone vaccines is no vaccine received.
    assertThat(
            read(
                false,
                "Willing to postpone any live vaccine immunisations for 3 months after treatment"))
        .isEmpty();
  }

  @Test
  void pregnancyIsAStateOfNowWhateverPeriodTheOtherReasonsHave() {
    for (String text :
        List.of(
            "Not pregnant, breastfeeding or planning to become pregnant during the 60 days after the last dose of the study drug.",
            "Currently pregnant or plans to become pregnant within the next 8 weeks")) {
      GroupCharacteristicComponent c = read(true, text).orElseThrow();
      assertThat(kind(c)).as(text).isEqualTo("pregnancy");
      assertThat(remainder(c)).as(text).isEqualTo(text);
    }
    // A time frame beside a diagnosis still may bound it.
    assertThat(read(true, "History of malignancy or radiotherapy within the past 5 years"))
        .isEmpty();
  }

  @Test
  void aDiagnosisJudgedByAStandardIsTheRecordedDiagnosisWithTheStandardForAPerson() {
    GroupCharacteristicComponent obesity =
        read(true, "Obesity, according to WHO standards for pediatrics;").orElseThrow();
    assertThat(valueSet(obesity)).isEqualTo(VS + "obesity");
    assertThat(remainder(obesity)).isEqualTo("Obesity, according to WHO standards for pediatrics;");
    GroupCharacteristicComponent hypertension =
        read(true, "Hypertension, as ≥95th percentile according to International Consensus;")
            .orElseThrow();
    assertThat(kind(hypertension)).isEqualTo("condition");
    assertThat(valueSet(hypertension)).isEqualTo(VS + "hypertension");
    assertThat(remainder(hypertension)).isNotNull();
    // A standard with a time frame may bound the diagnosis.
    assertThat(read(true, "Hypertension, according to ESC guidelines, within the last 6 months"))
        .isEmpty();
  }

  @Test
  void examplesOfAClassExcludeEachTheClassForAPerson() {
    String text =
        "Possess pre-existing diseases affecting erythrocyte production and stability, including glucose-6-phosphate dehydrogenase (G6PD) deficiency, autoimmune hemolytic anemia, paroxysmal sleep hemoglobinuria, hereditary spherocytosis, hemoglobinopathy, pyruvate kinase deficiency etc.";
    GroupCharacteristicComponent c = read(true, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    assertThat(parts(c))
        .extracting(CriteriaRecogniserTest::valueSet)
        .containsExactly(
            VS + "g6pd-deficiency",
            VS + "autoimmune-hemolytic-anemia",
            VS + "paroxysmal-nocturnal-hemoglobinuria",
            VS + "hereditary-spherocytosis",
            VS + "hemoglobinopathy",
            VS + "pyruvate-kinase-deficiency");
    assertThat(remainder(c)).isEqualTo(text);
    // A class with a qualifier bounds its examples: "active" hepatitis B is not any hepatitis B.
    assertThat(read(true, "Active infection, including hepatitis B, HIV etc.")).isEmpty();
    assertThat(read(true, "Diseases diagnosed within 6 months, such as hypothyroidism")).isEmpty();
  }

  @Test
  void furtherReasonsBesideRecognisedDiagnosesAreForAPerson() {
    String bleeding =
        "History of hereditary bleeding tendency or coagulation dysfunction, or have a history of thrombosis, hemolysis or bleeding.";
    GroupCharacteristicComponent c = read(true, bleeding).orElseThrow();
    assertThat(parts(c))
        .extracting(CriteriaRecogniserTest::valueSet)
        .containsExactly(VS + "hereditary-bleeding-disorder", VS + "coagulation-defect");
    assertThat(remainder(c)).isEqualTo(bleeding);
    String demyelinating =
        "Subjects with a known demyelinating disease or with symptoms or physical examination findings consistent with possible demyelinating disease.";
    GroupCharacteristicComponent d = read(true, demyelinating).orElseThrow();
    assertThat(valueSet(d)).isEqualTo(VS + "demyelinating-disease");
    assertThat(remainder(d)).isEqualTo(demyelinating);
    GroupCharacteristicComponent transplant =
        read(false, "Kidney transplant recipient with ongoing immunosuppression").orElseThrow();
    assertThat(kind(transplant)).isEqualTo("condition");
    assertThat(valueSet(transplant)).isEqualTo(VS + "kidney-transplant");
    assertThat(remainder(transplant)).isNotNull();
  }

  @Test
  void theConsentItselfIsTheStudysResearchConsentTheAbilityToConsentIsNot() {
    String text =
        "Written informed consent for participation of the study (for subjects below 18 years of age also from both caregivers), given before undergoing any study-specific procedures";
    GroupCharacteristicComponent c = read(false, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    assertThat(kind(c)).isEqualTo("research-consent");
    assertThat(remainder(c)).isEqualTo(text);
    assertThat(remainder(read(false, "Written informed consent").orElseThrow())).isNull();
    assertThat(read(false, "Ability to provide documented informed consent.")).isEmpty();
    assertThat(
            read(
                false,
                "Must be capable of providing written, signed, and dated informed consent and willing to comply with research requirements in the study."))
        .isEmpty();
    assertThat(read(true, "Unable to give written informed consent")).isEmpty();
  }

  @Test
  void activeTuberculosisNowOrEverAndLatentTuberculosisAreDifferentCriteria() {
    String text =
        "No history of current or past active tuberculosis infection and no latent tuberculosis as per CDC guidelines.";
    GroupCharacteristicComponent c = read(true, text).orElseThrow();
    assertMachineDerivedWithItsWords(c, text);
    List<GroupCharacteristicComponent> parts = parts(c);
    // "current or past active": the disease at any time, not only an active Condition now.
    assertThat(parts).extracting(CriteriaRecogniserTest::kind).containsOnly("condition");
    assertThat(parts)
        .extracting(CriteriaRecogniserTest::valueSet)
        .containsExactly(VS + "active-tuberculosis", VS + "latent-tuberculosis");
    assertThat(remainder(c)).isEqualTo(text);
    GroupCharacteristicComponent now = read(true, "Active tuberculosis").orElseThrow();
    assertThat(kind(now)).isEqualTo("condition-active");
    assertThat(valueSet(now)).isEqualTo(VS + "active-tuberculosis");
    assertThat(kind(read(true, "History of active tuberculosis").orElseThrow()))
        .isEqualTo("condition");
    assertThat(valueSet(read(true, "Latent tuberculosis").orElseThrow()))
        .isEqualTo(VS + "latent-tuberculosis");
  }

  @Test
  void aRandomCPeptideIsDecidedByUntimedResultsOnly() {
    GroupCharacteristicComponent c =
        read(
                false,
                "Random C-peptide >0.3nmol/l, measured by a NATA-accredited pathology laboratory within 2 weeks of Visit 2")
            .orElseThrow();
    // Not the ValueSet of every C-peptide: a fasting or stimulated value says nothing certain
    // about a random one.
    assertThat(valueSet(c)).isEqualTo(VS + "c-peptide-random");
    assertThreshold(c, QuantityComparator.GREATER_THAN, "0.3", "nmol/L");
    assertThat(remainder(c)).isNotNull();
  }
}
