package org.trialfhir.ctgov;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;

/**
 * The grammar words of criteria, none of them clinical: comparators in symbols and words, units as
 * registries write them, the filler that adds nothing, and the words that make a reading unsafe
 * (negation, exceptions, conditions). The clinical words are in the package ({@link
 * CriteriaVocabulary}).
 */
final class CriterionWords {

  static final String NUMBER = "(\\d+(?:\\.\\d+)?)";

  /** Longest first, so that "greater than or equal to" is not read as "greater than". */
  static final String COMPARATOR =
      "(≥|≤|>=|=>|<=|=<|>|<"
          + "|greater than or equal to|more than or equal to|equal to or greater than"
          + "|equal to or more than|at least|not less than|no less than"
          + "|less than or equal to|equal to or less than|at most|not more than|no more than"
          + "|not greater than|no greater than"
          + "|greater than|more than|higher than|above|over|exceeding"
          + "|less than|lower than|below|under)";

  /** Units as written, to their UCUM code; a unit not here is not read. */
  private static final Map<String, String> UNITS =
      Map.ofEntries(
          Map.entry("nmol/l", "nmol/L"),
          Map.entry("pmol/ml", "pmol/mL"),
          Map.entry("pmol/l", "pmol/L"),
          Map.entry("ng/ml", "ng/mL"),
          Map.entry("%", "%"),
          Map.entry("mmol/mol", "mmol/mol"),
          Map.entry("mmol/l", "mmol/L"),
          Map.entry("mg/dl", "mg/dL"),
          Map.entry("kg/m2", "kg/m2"),
          Map.entry("kg", "kg"),
          Map.entry("ml/min/1.73m2", "mL/min/{1.73_m2}"),
          Map.entry("g/l", "g/L"),
          Map.entry("g/dl", "g/dL"));

  static final String UNIT =
      "(nmol/[lL]|pmol/m[lL]|pmol/[lL]|ng/m[lL]|%|mmol/mol|mmol/[lL]|mg/d[lL]"
          + "|kg/m(?:2|²|\\^2)|kg|m[lL]/min/1\\.73\\s*m(?:2|²|\\^2)(?:\\s+body\\s+surface(?:\\s+area)?)?"
          + "|g/[lL]|g/d[lL])"
          + "(?![\\p{L}/])";

  /** Words that add nothing to a criterion's meaning, removed before judging what is left. */
  private static final Pattern FILLER =
      Pattern.compile(
          "\\b(?:whether cured or not|male or female|males and females|men and women|both sexes"
              + "|at least one"
              + "|one or more|one of|in accordance|a|an|the|of|for|with|to|in|at|by|on|as|any|all"
              + "|known|history|previous|previously|prior|past|diagnosis|diagnosed|evidence"
              + "|documented|presence|positive|subjects?|patients?|participants?|individuals?"
              + "|persons?|women|woman|men|man|males?|females?|who|have|has|had|having|be|is|are"
              + "|was|were|been|must|possess|possesses|level|levels|concentration|concentrations"
              + "|value|values|serum|plasma|screening|time|tested|test|result|results|confirmed"
              + "|clinical|inclusive|enrol(?:l)?ment|inclusion|study|entry|according|criteria"
              + "|reported|old)\\b|[\\s,.;:()/*\\-]+",
          Pattern.CASE_INSENSITIVE);

  /** A negation: the criterion says the opposite of the phrase it names. */
  static final Pattern NEGATION =
      Pattern.compile(
          "\\b(?:no|not|non|without|never|negative|free of|absence|absent|lack|none)\\b",
          Pattern.CASE_INSENSITIVE);

  /** Words after which the named concept is only part of what is meant: for a person. */
  static final Pattern EXCEPTION =
      Pattern.compile(
          "\\b(?:except|exception|exceptions|other than|unless|excluding|apart from|but not"
              + "|acceptable|allowed|permitted|eligible|if|provided)\\b",
          Pattern.CASE_INSENSITIVE);

  /** Words that make what follows an alternative to the computable part. */
  static final Pattern ALTERNATIVE =
      Pattern.compile("\\b(?:or|either|otherwise|alternatively)\\b", Pattern.CASE_INSENSITIVE);

  /** Filler of several words that holds a word read elsewhere ("or", "not"). */
  static final Pattern NEUTRAL =
      Pattern.compile(
          "whether cured or not|male or female|not less than|no less than|not more than"
              + "|no more than|not greater than|no greater than|and/or"
              + "|(?:current|present)\\s+or\\s+(?:past|previous|prior)"
              + "|(?:past|previous|prior)\\s+or\\s+(?:current|present)",
          Pattern.CASE_INSENSITIVE);

  /** A permission, not a requirement: "... will be eligible if ...", "... can be accrued". */
  static final Pattern PERMISSION =
      Pattern.compile(
          "\\b(?:eligible|allowed|permitted|acceptable|may be|can be|will be|are accepted)\\b",
          Pattern.CASE_INSENSITIVE);

  /** A time frame: beside an exclusion, it may bound what the exclusion names. */
  static final Pattern TIME =
      Pattern.compile(
          "\\b(?:within|recent\\w*|since|prior to|before|ago|in the (?:past|last)"
              + "|\\d+\\s*(?:days?|weeks?|months?|years?))\\b",
          Pattern.CASE_INSENSITIVE);

  /** A second sentence: items of several sentences often hold alternatives of their own. */
  static final Pattern SENTENCES = Pattern.compile("[.;]\\s+\\p{Lu}");

  /** Words before a lab name that say the criterion is about something else than its value. */
  static final Pattern NOT_A_VALUE =
      Pattern.compile(
          "\\b(?:no|not|change|changes|increase|decrease|reduction|reduced|drop|rise|fall|loss"
              + "|gain|variability|difference|ratio|times|ULN|upper|lower|normal|baseline|from"
              + "|average|mean|median|daily|per|dose|slope|AUC|area)\\b|×",
          Pattern.CASE_INSENSITIVE);

  /** After a value: a multiple of the upper limit of normal, which is not a unit. */
  static final Pattern OF_NORMAL =
      Pattern.compile(
          "^\\s*(?:x|×|times|of)?\\s*(?:the\\s+)?(?:ULN|upper limit|normal|institutional)",
          Pattern.CASE_INSENSITIVE);

  /**
   * The event a period is counted back from ("prior to the first study drug dose", "of Visit 2").
   * Criteria are evaluated at a reference date standing for it (the contract's {@code date}).
   */
  static final String ANCHOR =
      "(?:the\\s+)?(?:first\\s+(?:study\\s+)?(?:drug\\s+)?(?:dose|administration|infusion|treatment)"
          + "|screening|enrol(?:l)?ment|randomi[sz]ation|baseline|visit\\s*\\d+|day\\s*1"
          + "|study\\s+entry|inclusion)";

  /**
   * A sentence that says how the one before it is assessed ("Evidence of residual functioning β
   * cells. This will be assessed by a C-peptide level ..."): what follows is its measure.
   */
  static final Pattern ASSESSED_BY =
      Pattern.compile(
          "[.;]\\s+(?:this|which|it|that)\\s+(?:will\\s+be|is|is\\s+to\\s+be|shall\\s+be)\\s+"
              + "(?:assessed|defined|measured|determined|evaluated|confirmed)\\s+(?:by|as)"
              + "(?:\\s+(?:a|an|the))?\\s*$",
          Pattern.CASE_INSENSITIVE);

  /**
   * After a diagnosis, the standard it is judged by ("Obesity, according to WHO standards for
   * pediatrics", "Hypertension, as ≥95th percentile according to International Consensus"): a
   * recorded diagnosis is that judgement; the standard is for a person to check.
   */
  static final Pattern DEFINED =
      Pattern.compile(
          "^\\s*,?\\s*(?:according\\s+to|as\\s+defined\\s+by|as\\s+per|defined\\s+as|as\\s+per"
              + "|based\\s+on|as\\s+diagnosed\\s+by|as\\s+(?=[≥>]?\\s*\\d))",
          Pattern.CASE_INSENSITIVE);

  /**
   * A multiple of the upper limit of normal after a lab name: "> 2 × ULN", ">1.5 of ULN(Upper
   * limits of normal)", "greater than 3 times the upper limit of normal".
   */
  static final Pattern TIMES_ULN =
      Pattern.compile(
          "\\s*(?<c>"
              + COMPARATOR
              + ")\\s*(?<v>\\d+(?:\\.\\d+)?)\\s*(?:x|×|times|fold|-fold)?\\s*(?:of\\s+)?(?:the\\s+)?"
              + "(?:institutional\\s+)?(?:ULN|upper\\s+limits?\\s+of\\s+(?:the\\s+)?normal"
              + "(?:\\s+range)?)(?:\\s*\\((?:upper\\s+limits?\\s+of\\s+normal|ULN)\\))?",
          Pattern.CASE_INSENSITIVE);

  /** "X, Y or Z" after a concept: further items of the same list. */
  static final Pattern LIST_OR =
      Pattern.compile(
          "^\\s*,\\s*[^,;.()]+(?:,\\s*[^,;.()]+)*?,?\\s+or\\b", Pattern.CASE_INSENSITIVE);

  /** What may stand before "informed consent" for the item to be the consent itself. */
  static final Pattern CONSENT_GIVEN =
      Pattern.compile(
          "^[\\s,]*(?:(?:must|have|has|provide|provides|provided|give|gives|given|obtain|obtained"
              + "|a|an|the|and)[\\s,]+)*$",
          Pattern.CASE_INSENSITIVE);

  /**
   * Before the concepts of an exclusion: a class they are examples of ("diseases affecting
   * erythrocyte production and stability, including G6PD deficiency, ..."). Each example is
   * excluded; the class is for a person.
   */
  static final Pattern EXAMPLES =
      Pattern.compile(
          "(?:^|[\\s,(])(?:including|such\\s+as|e\\.\\s?g\\.|for\\s+example|for\\s+instance|especially"
              + "|in\\s+particular)\\s*[:,]?\\s*$",
          Pattern.CASE_INSENSITIVE);

  /** Words that bound the class the examples belong to: they would bound the examples too. */
  static final Pattern QUALIFIER =
      Pattern.compile(
          "\\b(?:active|current|currently|ongoing|on-going|uncontrolled|unstable|severe|serious"
              + "|significant|clinically|acute|chronic|untreated|treated|recent|recently|poorly"
              + "|requiring|newly)\\b",
          Pattern.CASE_INSENSITIVE);

  /** After a list of examples: "etc.", "and others". */
  static final Pattern ET_CETERA =
      Pattern.compile(
          "^\\s*,?\\s*(?:etc\\.?|and\\s+so\\s+on|and\\s+others|or\\s+others|\\.\\.\\.)?\\s*[.;)]?\\s*$",
          Pattern.CASE_INSENSITIVE);

  /** A limit that differs by sex: "(male)", "for women". */
  static final Pattern SEXED =
      Pattern.compile(
          "\\(\\s*(?:males?|females?|men|women|boys|girls)\\s*\\)"
              + "|\\b(?:for|in)\\s+(?:males?|females?|men|women|boys|girls)\\b",
          Pattern.CASE_INSENSITIVE);

  /** Before a diagnosis: any time, whatever status words follow ("current or past active TB"). */
  static final Pattern EVER =
      Pattern.compile(
          "\\b(?:(?:current|present)\\s+or\\s+(?:past|previous|prior)|(?:past|previous|prior)\\s+or"
              + "\\s+(?:current|present)|past|previous|prior|former|history\\s+of)\\s*$",
          Pattern.CASE_INSENSITIVE);

  private CriterionWords() {}

  /** Whether the text says nothing once its filler is removed. */
  static boolean isFiller(String text) {
    return FILLER.matcher(text).replaceAll("").isBlank();
  }

  static Optional<String> ucumUnit(String written) {
    String key =
        written
            .toLowerCase()
            .replaceAll("\\s*body\\s+surface(\\s+area)?", "")
            .replaceAll("\\s+", "")
            .replace("²", "2")
            .replace("^2", "2");
    return Optional.ofNullable(UNITS.get(key));
  }

  static QuantityComparator comparator(String written) {
    String c = written.toLowerCase();
    return switch (c) {
      case "≥",
          ">=",
          "=>",
          "greater than or equal to",
          "more than or equal to",
          "equal to or greater than",
          "equal to or more than",
          "at least",
          "not less than",
          "no less than" ->
          QuantityComparator.GREATER_OR_EQUAL;
      case "≤",
          "<=",
          "=<",
          "less than or equal to",
          "equal to or less than",
          "at most",
          "not more than",
          "no more than",
          "not greater than",
          "no greater than" ->
          QuantityComparator.LESS_OR_EQUAL;
      case "<", "less than", "lower than", "below", "under" -> QuantityComparator.LESS_THAN;
      default -> QuantityComparator.GREATER_THAN;
    };
  }

  static boolean found(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    return m.find();
  }
}
