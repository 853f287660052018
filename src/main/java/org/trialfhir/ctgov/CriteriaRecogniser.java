package org.trialfhir.ctgov;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;

/**
 * Turns a few common criterion phrasings into computable criteria, only where the reading is
 * unambiguous: BMI bounds, an HbA1c range, and "diagnosed within N months" for a study whose
 * condition the server has a ValueSet for. Everything else stays a manual-review item.
 */
final class CriteriaRecogniser {

  private static final String NUMBER = "(\\d+(?:\\.\\d+)?)";
  private static final Pattern BMI_OUTSIDE =
      Pattern.compile(
          "\\bBMI\\b[^<>≤≥]{0,20}[<≤]\\s*" + NUMBER + "[^<>≤≥]{0,30}[>≥]\\s*" + NUMBER,
          Pattern.CASE_INSENSITIVE);
  private static final Pattern HBA1C_BETWEEN =
      Pattern.compile(
          "\\b(?:HbA1c|A1c|glycated ha?emoglobin)\\b[^\\d]{0,30}between\\s*"
              + NUMBER
              + "\\s*%?\\s*and\\s*"
              + NUMBER
              + "\\s*%",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern DIAGNOSED_WITHIN =
      Pattern.compile(
          "diagnos\\w*[^.;]{0,40}?within\\s+(?:the\\s+)?(?:past|last|previous|preceding)?\\s*(\\d+)\\s+(month|week|day|year)s?",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern TYPE_1_DIABETES =
      Pattern.compile("type\\s*1\\s+diabetes|\\bT1DM?\\b", Pattern.CASE_INSENSITIVE);

  private CriteriaRecogniser() {}

  static Optional<GroupCharacteristicComponent> recognise(
      String id, CriteriaText.Item item, List<String> studyConditions, CriterionFactory criteria) {
    String text = item.text();
    Matcher bmi = BMI_OUTSIDE.matcher(text);
    if (bmi.find()) {
      return Optional.of(
          criteria.anyOf(
              id,
              item,
              List.of(
                  criteria.bmi(
                      id + "-low",
                      "BMI below " + bmi.group(1),
                      QuantityComparator.LESS_THAN,
                      new BigDecimal(bmi.group(1))),
                  criteria.bmi(
                      id + "-high",
                      "BMI above " + bmi.group(2),
                      QuantityComparator.GREATER_THAN,
                      new BigDecimal(bmi.group(2))))));
    }
    Matcher hba1c = HBA1C_BETWEEN.matcher(text);
    if (hba1c.find()) {
      return Optional.of(
          criteria.hba1cBetween(
              id, item, new BigDecimal(hba1c.group(1)), new BigDecimal(hba1c.group(2))));
    }
    Matcher within = DIAGNOSED_WITHIN.matcher(text);
    boolean aboutType1 =
        TYPE_1_DIABETES.matcher(text).find()
            || studyConditions.stream().anyMatch(c -> TYPE_1_DIABETES.matcher(c).find());
    if (within.find() && aboutType1) {
      String unit =
          switch (within.group(2).toLowerCase()) {
            case "week" -> "wk";
            case "day" -> "d";
            case "year" -> "a";
            default -> "mo";
          };
      return Optional.of(
          criteria.onsetWithin(
              id, item, "type-1-diabetes", Integer.parseInt(within.group(1)), unit));
    }
    return Optional.empty();
  }
}
