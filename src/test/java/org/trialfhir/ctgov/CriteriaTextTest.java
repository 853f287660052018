package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.trialfhir.ctgov.CriteriaText.Item;

/** Splitting a registry's free-text eligibility criteria, and undoing its markdown escapes. */
class CriteriaTextTest {

  private static Item inclusion(String text) {
    return new Item(false, text);
  }

  private static Item exclusion(String text) {
    return new Item(true, text);
  }

  // ============================================================================ unescape

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiterString = "=>",
      value = {
        "BMI \\<18 or \\>35 kg/m2         => BMI <18 or >35 kg/m2",
        "C-peptide \\>=0.2 nmol/L          => C-peptide >=0.2 nmol/L",
        "any \\*biologic\\* agent          => any *biologic* agent",
        "\\_underscored\\_                 => _underscored_",
        "1\\. not a list                   => 1. not a list",
        "\\[brackets\\] and \\(parens\\)   => [brackets] and (parens)",
        "\\# hash \\+ plus \\- minus \\!   => # hash + plus - minus !",
        "a \\| b \\~ c \\` d \\{ e \\}     => a | b ~ c ` d { e }",
        "back\\\\slash                     => back\\slash"
      })
  void unescapeUndoesTheRegistrysMarkdownEscapes(String escaped, String plain) {
    assertThat(CriteriaText.unescape(escaped)).isEqualTo(plain);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "no escapes at all",
        "HbA1c ≥ 7.5% and < 10%",
        "a backslash before a letter stays: C:\\temp\\new",
        "a trailing backslash \\",
        ""
      })
  void unescapeLeavesEverythingElseAsItIs(String text) {
    assertThat(CriteriaText.unescape(text)).isEqualTo(text);
  }

  @Test
  void unescapeTakesAnEscapedBackslashOnlyOnce() {
    // "\\\<" is an escaped backslash followed by an escaped "<".
    assertThat(CriteriaText.unescape("\\\\\\<")).isEqualTo("\\<");
  }

  // =============================================================================== split

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"   ", "\n\n", " \r\n \t "})
  void nothingToSplitGivesNoItems(String criteria) {
    assertThat(CriteriaText.split(criteria)).isEmpty();
  }

  @Test
  void headingsSortItemsIntoInclusionAndExclusion() {
    String criteria =
        """
        Inclusion Criteria:

        1. Type 1 diabetes diagnosed within the past 6 months
        2. Ages 8 to 18 years

        Exclusion Criteria:

        1. Diabetic ketoacidosis is not under control.
        2. Known or suspected tumors.
        """;

    assertThat(CriteriaText.split(criteria))
        .containsExactly(
            inclusion("Type 1 diabetes diagnosed within the past 6 months"),
            inclusion("Ages 8 to 18 years"),
            exclusion("Diabetic ketoacidosis is not under control."),
            exclusion("Known or suspected tumors."));
  }

  @ParameterizedTest(name = "\"{0}\" / \"{1}\"")
  @CsvSource(
      delimiter = '|',
      value = {
        "Inclusion Criteria:   | Exclusion Criteria:",
        "INCLUSION CRITERIA    | EXCLUSION CRITERIA",
        "inclusion criteria :  | exclusion criteria :",
        "  Inclusion  Criteria | \tExclusion Criteria:  "
      })
  void headingsAreRecognisedWhateverTheirCaseColonAndSpacing(String include, String exclude) {
    String criteria = include + "\n* A\n" + exclude + "\n* B\n";

    assertThat(CriteriaText.split(criteria)).containsExactly(inclusion("A"), exclusion("B"));
  }

  @Test
  void anExclusionHeadingMayComeFirstAndAnInclusionHeadingSwitchesBack() {
    String criteria = "Exclusion Criteria:\n* Pregnancy\nInclusion Criteria:\n* Signed consent\n";

    assertThat(CriteriaText.split(criteria))
        .containsExactly(exclusion("Pregnancy"), inclusion("Signed consent"));
  }

  @Test
  void textBeforeAnyHeadingIsInclusion() {
    assertThat(CriteriaText.split("* Adults\n* Able to swallow tablets"))
        .containsExactly(inclusion("Adults"), inclusion("Able to swallow tablets"));
  }

  @Test
  void numberedItemsWithADotOrAParenthesisAndEveryBulletStartAnItem() {
    String criteria =
        String.join(
            "\n",
            "Inclusion Criteria:",
            "1. numbered with a dot",
            "2) numbered with a parenthesis",
            "10. two digits",
            "* star bullet",
            "- dash bullet",
            "• round bullet",
            "   * indented bullet");

    assertThat(CriteriaText.split(criteria))
        .extracting(Item::text)
        .containsExactly(
            "numbered with a dot",
            "numbered with a parenthesis",
            "two digits",
            "star bullet",
            "dash bullet",
            "round bullet",
            "indented bullet");
  }

  @Test
  void aLineWithoutABulletContinuesTheItemBeforeIt() {
    String criteria =
        "Inclusion Criteria:\n\n"
            + "5. Willing to wear a continuous glucose monitor for the\n"
            + "   whole study and to keep\n"
            + "\ta dosing diary\n"
            + "6. Next item\n";

    assertThat(CriteriaText.split(criteria))
        .containsExactly(
            inclusion(
                "Willing to wear a continuous glucose monitor for the whole study and to keep a"
                    + " dosing diary"),
            inclusion("Next item"));
  }

  @Test
  void aContinuationNeverCrossesAHeading() {
    String criteria =
        "Inclusion Criteria:\n* Adults aged\n18 or over\nExclusion Criteria:\nPregnancy";

    assertThat(CriteriaText.split(criteria))
        .containsExactly(inclusion("Adults aged 18 or over"), exclusion("Pregnancy"));
  }

  @Test
  void unbulletedTextAfterAHeadingIsAnItem() {
    assertThat(CriteriaText.split("Exclusion Criteria:\nPrior islet transplantation"))
        .containsExactly(exclusion("Prior islet transplantation"));
  }

  @Test
  void windowsAndOldMacLineBreaksSplitLinesToo() {
    assertThat(CriteriaText.split("Inclusion Criteria:\r\n* A\r\n* B\rExclusion Criteria:\r* C"))
        .containsExactly(inclusion("A"), inclusion("B"), exclusion("C"));
  }

  @Test
  void itemsHaveTheRegistrysEscapesUndone() {
    String criteria =
        "Inclusion Criteria:\n\n"
            + "* HbA1c between 7% and 10%\n"
            + "* Fasting C-peptide \\>=0.1 nmol/L\n\n"
            + "Exclusion Criteria:\n\n"
            + "* BMI \\<18 or \\>35 kg/m2\n"
            + "* Prior \\*biologic\\* therapy\n";

    assertThat(CriteriaText.split(criteria))
        .containsExactly(
            inclusion("HbA1c between 7% and 10%"),
            inclusion("Fasting C-peptide >=0.1 nmol/L"),
            exclusion("BMI <18 or >35 kg/m2"),
            exclusion("Prior *biologic* therapy"));
  }

  @Test
  void theSeedRecordsCriteriaSplitIntoItsSixInclusionAndElevenExclusionItems() {
    String criteria =
        "Inclusion Criteria:\n\n"
            + "1. Meets the diagnostic criteria for diabetes according to the World Health"
            + " Organization (WHO) guidelines from 1999.\n"
            + "2. Presence of at least one pancreatic autoantibody, or idiopathic type 1 diabetes"
            + " mellitus (T1DM) with negative autoantibody testing.\n"
            + "3. Ages 8 to 18 years, regardless of gender.\n"
            + "4. Newly diagnosed T1DM within the past 6 months.\n"
            + "5. Fasting C-peptide ≥0.1 nmol/L and postprandial 2-hour C-peptide \\>0.2 nmol/L.\n"
            + "6. Voluntary acceptance of stem cell transplantation therapy by the individual,"
            + " their family members, or legal guardians, and signing of an informed consent"
            + " form.\n\n"
            + "Exclusion Criteria:\n\n"
            + "1. Diabetic ketoacidosis is not under control.\n"
            + "2. Severe allergic constitution.\n"
            + "3. BMI \\<14 or \\>35.\n"
            + "4. History of other autoimmune diseases, hematologic disorders.\n"
            + "5. HIV positive, carrier of viral hepatitis, active phase of viral hepatitis, or"
            + " other uncontrolled infectious diseases.\n"
            + "6. History of acute pancreatitis, pulmonary embolism, or other thrombotic"
            + " diseases.\n"
            + "7. Suffering from gestational diabetes, monogenic diabetes, or other secondary"
            + " diabetes;\n"
            + "8. Pregnancy or planning pregnancy within 3 months before or after treatment.\n"
            + "9. Mental illness, alcohol or drug abuse, inability to comply with treatment.\n"
            + "10. Known or suspected tumors.\n"
            + "11. According to the investigator's judgment, there are other clinical conditions"
            + " that may endanger the safety of the subjects.";

    List<Item> items = CriteriaText.split(criteria);

    assertThat(items).hasSize(17);
    assertThat(items.subList(0, 6)).allMatch(i -> !i.exclusion());
    assertThat(items.subList(6, 17)).allMatch(Item::exclusion);
    assertThat(items.get(4).text())
        .isEqualTo("Fasting C-peptide ≥0.1 nmol/L and postprandial 2-hour C-peptide >0.2 nmol/L.");
    assertThat(items.get(8).text()).isEqualTo("BMI <14 or >35.");
    assertThat(items.get(15).text()).isEqualTo("Known or suspected tumors.");
  }

  @Test
  void keyInclusionAndKeyExclusionHeadingsAreHeadingsToo() {
    // A common registry phrasing: the exclusion items must not end up as inclusion criteria.
    String criteria =
        "Key Inclusion Criteria:\n\n* Adults with type 2 diabetes\n\n"
            + "Key Exclusion Criteria:\n\n* Pregnancy\n";

    assertThat(CriteriaText.split(criteria))
        .containsExactly(inclusion("Adults with type 2 diabetes"), exclusion("Pregnancy"));
  }

  @Test
  void aHeadingWrittenAsAListItemIsStillAHeading() {
    // NCT06546436 repeats its inclusion criteria under "Exclusion Criteria:" behind a bullet.
    assertThat(
            CriteriaText.split(
                "Exclusion Criteria:\n\n* Inclusion Criteria\n\n1. Aged 18 to 40 years.\n\n"
                    + "Exclusion Criteria\n\n1. Pregnant or lactating women."))
        .containsExactly(
            inclusion("Aged 18 to 40 years."), exclusion("Pregnant or lactating women."));
  }
}
