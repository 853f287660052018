package org.trialfhir.cds;

import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceIndicatorEnum;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseCardJson;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseCardSourceJson;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseLinkJson;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.Resource;

/**
 * Turns the answer of {@code $match-studies} over a record (a searchset of studies, each with its
 * {@code $eligibility} Parameters contained) into CDS Hooks cards: one per study where the patient
 * is eligible, needs review or lacks data that would decide, never for an ineligible one. The
 * summary fits the 140 characters CDS Hooks allows; the detail (markdown) lists what data is
 * missing (what would decide), what a person must judge, the inclusions met and the exclusions that
 * do not apply; the link (a SMART app link) launches the coordinator page from the EHR on the
 * study's screening of that patient.
 */
final class TrialCards {

  static final int MAX_SUMMARY = 140;
  private static final String CTGOV = "https://clinicaltrials.gov/study/";

  /** One card and what it was about, kept so that feedback on it can name them. */
  record Card(CdsServiceResponseCardJson json, String study, String patient, String verdict) {}

  private TrialCards() {}

  static List<Card> of(Bundle matches, String patientId, String pageUrl) {
    List<Card> cards = new ArrayList<>();
    for (Bundle.BundleEntryComponent entry : matches.getEntry()) {
      if (!(entry.getResource() instanceof ResearchStudy study)) {
        continue;
      }
      Parameters eligibility = contained(study);
      String verdict = eligibility == null ? null : value(eligibility.getParameter("verdict"));
      if (verdict == null || "ineligible".equals(verdict)) {
        continue;
      }
      cards.add(card(study, eligibility, verdict, patientId, pageUrl));
    }
    return cards;
  }

  private static Card card(
      ResearchStudy study,
      Parameters eligibility,
      String verdict,
      String patientId,
      String pageUrl) {
    String studyId = study.getIdElement().getIdPart();
    List<String> passed = new ArrayList<>();
    List<String> notExcluded = new ArrayList<>();
    List<String> review = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (ParametersParameterComponent criterion : eligibility.getParameter()) {
      if (!"criterion".equals(criterion.getName())) {
        continue;
      }
      String description = part(criterion, "description");
      String reason = part(criterion, "reason");
      switch (String.valueOf(part(criterion, "outcome"))) {
        // a passed exclusion reads "Pregnancy.": listed as met it would say the opposite
        case "pass" ->
            ("exclusion".equals(part(criterion, "type")) ? notExcluded : passed).add(description);
        case "manual-review" -> review.add(line(description, reason));
        case "missing-data" -> missing.add(line(description, reason));
        default -> {
          // a failed criterion makes the verdict ineligible: no card is written for those
        }
      }
    }
    String name = label(study);
    CdsServiceResponseCardJson json = new CdsServiceResponseCardJson();
    json.setUuid(UUID.randomUUID().toString());
    json.setIndicator(CdsServiceIndicatorEnum.INFO);
    json.setSummary(summary(verdict, name, review.size(), missing));
    json.setDetail(detail(passed, notExcluded, review, missing));
    json.setSource(new CdsServiceResponseCardSourceJson().setLabel(name).setUrl(studyUrl(study)));
    // A CDS Hooks SMART app link: the EHR launches the page (SMART EHR launch, its launch URL)
    // with the patient in context; appContext names the study, which the EHR hands back in the
    // token response, so the page opens this patient's screening for this study.
    json.setLinks(
        List.of(
            new CdsServiceResponseLinkJson()
                .setLabel("Open this patient's screening for the study")
                .setType("smart")
                .setUrl(pageUrl.endsWith("/") ? pageUrl : pageUrl + "/")
                .setAppContext(appContext(studyId))));
    return new Card(json, "ResearchStudy/" + studyId, patientId, verdict);
  }

  /**
   * The card link's appContext: the study, as JSON the coordinator page reads (a FHIR id holds no
   * character JSON must escape).
   */
  static String appContext(String studyId) {
    return "{\"study\":\"ResearchStudy/" + studyId + "\"}";
  }

  static String summary(String verdict, String study, int toReview, List<String> missing) {
    String text =
        switch (verdict) {
          case "eligible" -> "Eligible for trial " + study;
          case "needs-review" ->
              "Possible trial match, "
                  + toReview
                  + (toReview == 1 ? " criterion" : " criteria")
                  + " to review: "
                  + study;
          default ->
              missing.isEmpty()
                  ? "Possible trial match, data missing: " + study
                  : "Trial " + study + ": more data would decide";
        };
    return text.length() <= MAX_SUMMARY ? text : text.substring(0, MAX_SUMMARY - 1) + "…";
  }

  private static String detail(
      List<String> passed, List<String> notExcluded, List<String> review, List<String> missing) {
    StringBuilder text = new StringBuilder();
    section(text, "Would decide (order or record these)", missing);
    section(text, "For a person to judge", review);
    section(text, "Met", passed);
    section(text, "Not excluded by", notExcluded);
    return text.toString().trim();
  }

  private static void section(StringBuilder text, String title, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    text.append("**").append(title).append("**\n\n");
    lines.forEach(l -> text.append("- ").append(markdown(l)).append('\n'));
    text.append('\n');
  }

  private static String line(String description, String reason) {
    return reason == null || reason.isBlank() ? description : description + " — " + reason;
  }

  /** Escapes what markdown would read as markup in text that came from a study's criteria. */
  static String markdown(String text) {
    // A line break in criterion text would start a new list item or heading: one line per item.
    return text == null
        ? ""
        : text.replaceAll("\\s*[\\r\\n]+\\s*", " ").replaceAll("([\\\\`*_\\[\\]<>#|])", "\\\\$1");
  }

  private static String label(ResearchStudy study) {
    String nct = nct(study);
    String title = study.hasTitle() ? study.getTitle() : study.getIdElement().getIdPart();
    return nct == null ? title : nct + " " + title;
  }

  private static String studyUrl(ResearchStudy study) {
    String nct = nct(study);
    return nct == null ? null : CTGOV + nct;
  }

  private static String nct(ResearchStudy study) {
    for (Identifier identifier : study.getIdentifier()) {
      String value = identifier.getValue();
      if (value != null && value.matches("NCT\\d{8}")) {
        return value;
      }
    }
    return null;
  }

  private static Parameters contained(ResearchStudy study) {
    for (Resource resource : study.getContained()) {
      if (resource instanceof Parameters parameters) {
        return parameters;
      }
    }
    return null;
  }

  private static String part(ParametersParameterComponent parameter, String name) {
    for (ParametersParameterComponent part : parameter.getPart()) {
      if (name.equals(part.getName())) {
        return value(part);
      }
    }
    return null;
  }

  private static String value(ParametersParameterComponent parameter) {
    return parameter == null || parameter.getValue() == null
        ? null
        : parameter.getValue().primitiveValue();
  }
}
