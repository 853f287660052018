package org.trialfhir.ctgov;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.trialfhir.eligibility.TimeUnit;

/**
 * Turns a few common criterion phrasings into computable criteria, only where the reading is
 * unambiguous: BMI outside two bounds, an HbA1c range, and "diagnosed within N months" when the
 * diagnosis is of type 1 diabetes. Everything else stays a manual-review item.
 */
final class CriteriaRecogniser {

  private static final String NUMBER = "(\\d+(?:\\.\\d+)?)";
  // "BMI <14 or >35": a lower and an upper bound joined by "or" (outside a range).
  private static final Pattern BMI_OUTSIDE =
      Pattern.compile(
          "\\bBMI\\b[^<>≤≥]{0,20}(<=?|≤)\\s*"
              + NUMBER
              + "[^<>≤≥]{0,20}?\\bor\\b[^<>≤≥]{0,20}?(>=?|≥)\\s*"
              + NUMBER,
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
  private static final Pattern DIABETES = Pattern.compile("diabet", Pattern.CASE_INSENSITIVE);
  private static final Pattern STARTS_WITH_DIAGNOSIS =
      Pattern.compile("^\\s*(?:newly\\s+)?diagnos", Pattern.CASE_INSENSITIVE);

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
                      "BMI " + bmi.group(1) + " " + bmi.group(2),
                      comparator(bmi.group(1)),
                      new BigDecimal(bmi.group(2))),
                  criteria.bmi(
                      id + "-high",
                      "BMI " + bmi.group(3) + " " + bmi.group(4),
                      comparator(bmi.group(3)),
                      new BigDecimal(bmi.group(4))))));
    }
    Matcher hba1c = HBA1C_BETWEEN.matcher(text);
    if (hba1c.find()) {
      return Optional.of(
          criteria.hba1cBetween(
              id, item, new BigDecimal(hba1c.group(1)), new BigDecimal(hba1c.group(2))));
    }
    Matcher within = DIAGNOSED_WITHIN.matcher(text);
    // Only a diagnosis of diabetes itself: named in the item, or the item's subject in a type 1
    // diabetes study ("Diagnosed within ..."). "Malignancy diagnosed within 5 years" is not one.
    boolean t1dStudy = studyConditions.stream().anyMatch(c -> TYPE_1_DIABETES.matcher(c).find());
    boolean aboutType1 =
        TYPE_1_DIABETES.matcher(text).find()
            || (t1dStudy
                && (DIABETES.matcher(text).find() || STARTS_WITH_DIAGNOSIS.matcher(text).find()));
    if (within.find() && aboutType1) {
      String unit = TimeUnit.ofWord(within.group(2)).orElse(TimeUnit.MONTH).ucum();
      return Optional.of(
          criteria.onsetWithin(
              id, item, "type-1-diabetes", Integer.parseInt(within.group(1)), unit));
    }
    return Optional.empty();
  }

  private static QuantityComparator comparator(String symbol) {
    return switch (symbol) {
      case "<" -> QuantityComparator.LESS_THAN;
      case "<=", "≤" -> QuantityComparator.LESS_OR_EQUAL;
      case ">" -> QuantityComparator.GREATER_THAN;
      default -> QuantityComparator.GREATER_OR_EQUAL;
    };
  }
}
