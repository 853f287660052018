package org.trialfhir.cds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

class TrialCardsTest {

  private static Bundle matches(String... verdicts) {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.SEARCHSET);
    int i = 0;
    for (String verdict : verdicts) {
      ResearchStudy study = new ResearchStudy();
      study.setId("study-" + i++);
      study.setTitle("A study with a title long enough ".repeat(6).trim());
      study.addIdentifier().setValue("NCT0640729" + i);
      Parameters eligibility = new Parameters();
      eligibility.setId("eligibility");
      eligibility.addParameter().setName("verdict").setValue(new CodeType(verdict));
      criterion(eligibility, "inclusion", "Ages 8 to 18 years", "pass", "12 years old");
      criterion(
          eligibility,
          "inclusion",
          "Fasting C-peptide \u22650.1 nmol/L",
          "missing-data",
          "no result within 90 days");
      criterion(eligibility, "exclusion", "Investigator *judgement*", "manual-review", "a person");
      criterion(eligibility, "exclusion", "Pregnancy.", "pass", "no pregnancy recorded");
      study.addContained(eligibility);
      study.addExtension("http://trialfhir.org/x", new Reference("#eligibility"));
      bundle.addEntry().setResource(study);
    }
    return bundle;
  }

  private static void criterion(
      Parameters p, String type, String description, String outcome, String reason) {
    var c = p.addParameter().setName("criterion");
    c.addPart().setName("type").setValue(new CodeType(type));
    c.addPart().setName("description").setValue(new StringType(description));
    c.addPart().setName("outcome").setValue(new CodeType(outcome));
    c.addPart().setName("reason").setValue(new StringType(reason));
  }

  @Test
  void aCardForEachStudyWorthALookAndNoneForAnIneligibleOne() {
    List<TrialCards.Card> cards =
        TrialCards.of(
            matches("eligible", "ineligible", "needs-review", "insufficient-data"),
            "p1",
            "https://trials.example.org/");
    assertThat(cards)
        .extracting(TrialCards.Card::verdict)
        .containsExactly("eligible", "needs-review", "insufficient-data");
    assertThat(cards)
        .extracting(TrialCards.Card::study)
        .containsExactly("ResearchStudy/study-0", "ResearchStudy/study-2", "ResearchStudy/study-3");
  }

  @Test
  void theSummaryFitsAndTheDetailSaysWhatPassedWhatToJudgeAndWhatWouldDecide() {
    TrialCards.Card card =
        TrialCards.of(matches("insufficient-data"), "p1", "https://trials.example.org").get(0);
    assertThat(card.json().getSummary()).hasSizeLessThanOrEqualTo(TrialCards.MAX_SUMMARY);
    assertThat(card.json().getDetail())
        .contains("**Would decide (order or record these)**")
        .contains("- Fasting C-peptide \u22650.1 nmol/L — no result within 90 days")
        .contains("**For a person to judge**")
        .contains("Investigator \\*judgement\\*")
        .contains("**Met**\n\n- Ages 8 to 18 years\n")
        .contains("**Not excluded by**\n\n- Pregnancy.");
    assertThat(card.json().getSource().getLabel()).startsWith("NCT06407291 ");
    assertThat(card.json().getSource().getUrl())
        .isEqualTo("https://clinicaltrials.gov/study/NCT06407291");
    assertThat(card.json().getLinks())
        .singleElement()
        .satisfies(
            l -> {
              // CDS Hooks 2.0 SMART app link: the page's launch URL, the study in appContext
              assertThat(l.getType()).isEqualTo("smart");
              assertThat(l.getUrl()).isEqualTo("https://trials.example.org/");
              assertThat(l.getAppContext()).isEqualTo("{\"study\":\"ResearchStudy/study-0\"}");
            });
    assertThat(card.json().getUuid()).isNotBlank();
  }

  @Test
  void summariesNameTheVerdict() {
    assertThat(TrialCards.summary("eligible", "NCT1 T", 0, List.of())).startsWith("Eligible");
    assertThat(TrialCards.summary("needs-review", "NCT1 T", 1, List.of()))
        .contains("1 criterion to review");
    assertThat(TrialCards.summary("insufficient-data", "NCT1 T", 0, List.of("x")))
        .contains("more data would decide");
  }
}
