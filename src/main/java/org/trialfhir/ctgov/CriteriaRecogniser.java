package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CriterionWords.COMPARATOR;
import static org.trialfhir.ctgov.CriterionWords.UNIT;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Type;
import org.trialfhir.eligibility.TimeUnit;

/**
 * Reads the common shapes of registry criteria into computable criteria, only where the reading is
 * safe: lab and vital values with a comparator or a range (also limits that differ by sex, as far
 * as they exclude whatever the sex), multiples of the upper limit of normal, a diagnosis with a
 * time frame, an age range, positive tests, medications in a period, the research consent,
 * diagnoses (also examples of a class) and pregnancy. The concepts come from the package ({@link
 * CriteriaVocabulary}); the grammar from {@link CriterionWords}.
 *
 * <p>What the text says beside the recognised part decides how it is written. Nothing: the
 * criterion is computable. An inclusion that adds a condition ("and ..."): computable with the text
 * as its {@code criterion-manual-review} part (it fails when the computable part fails, else a
 * person decides). An inclusion that offers an alternative ("or", "if", "unless"): an {@code
 * any-of} of the computable parts and a manual-review part, so it never fails on the computable
 * part alone. An exclusion whose other words are a further alternative ("X or Y"): computable with
 * the rest for a person; any other words beside an exclusion (an exception, a severity, a time
 * frame it cannot read) leave it to a person, since excluding on the named concept alone would be
 * wrong.
 */
final class CriteriaRecogniser {

  private static final String NUM = "\\d+(?:\\.\\d+)?";
  private static final Pattern LAB =
      Pattern.compile(
          "(?<filler>[^0-9<>≤≥=;:()]{0,40}?)\\s*(?:between(?<f2>[^0-9<>≤≥;]{0,40}?)"
              + "(?<c1>≥|>=|=>)?\\s*(?<v1>"
              + NUM
              + ")\\s*(?<u1>"
              + UNIT
              + ")?\\s*(?:and|to|-|–)\\s*(?<c2>≤|<=|=<)?\\s*(?<v2>"
              + NUM
              + ")\\s*(?<u2>"
              + UNIT
              + ")|(?<oc1><=?|≤|less than|below)\\s*(?<ov1>"
              + NUM
              + ")\\s*(?<ou1>"
              + UNIT
              + ")?\\s*or\\s*(?<oc2>>=?|≥|greater than|more than|above)\\s*(?<ov2>"
              + NUM
              + ")\\s*(?<ou2>"
              + UNIT
              + ")?|(?<c>"
              + COMPARATOR
              + ")\\s*(?<v>"
              + NUM
              + ")\\s*(?<u>"
              + UNIT
              + "))(?<eq>\\s*\\(\\s*"
              + NUM
              + "\\s*"
              + UNIT
              + "\\s*\\))?",
          Pattern.CASE_INSENSITIVE);

  private static final String LOW_COMPARATOR = "(?:<=?|≤|less than|lower than|below)";
  private static final String HIGH_COMPARATOR =
      "(?:>=?|≥|greater than|more than|higher than|above)";
  private static final String SEX_WORD = "(?:males?|females?|men|women|boys|girls)";

  /** "<120g/L or > 165g/L (male), or < 110g/L or > 160g/L (female)". */
  private static final Pattern SEXED_OUTSIDE =
      Pattern.compile(
          "[^0-9<>≤≥]{0,20}?\\s*(?<c1>"
              + LOW_COMPARATOR
              + ")\\s*(?<v1>"
              + NUM
              + ")\\s*(?<u1>"
              + UNIT
              + ")?\\s*or\\s*(?<c2>"
              + HIGH_COMPARATOR
              + ")\\s*(?<v2>"
              + NUM
              + ")\\s*(?<u2>"
              + UNIT
              + ")?\\s*\\(\\s*(?<s1>"
              + SEX_WORD
              + ")\\s*\\)\\s*,?\\s*or\\s*(?<c3>"
              + LOW_COMPARATOR
              + ")\\s*(?<v3>"
              + NUM
              + ")\\s*(?<u3>"
              + UNIT
              + ")?\\s*or\\s*(?<c4>"
              + HIGH_COMPARATOR
              + ")\\s*(?<v4>"
              + NUM
              + ")\\s*(?<u4>"
              + UNIT
              + ")?\\s*\\(\\s*(?<s2>"
              + SEX_WORD
              + ")\\s*\\)",
          Pattern.CASE_INSENSITIVE);

  /** A value with its comparator and unit, anywhere in the text. */
  private static final Pattern VALUE =
      Pattern.compile(
          "(?<![\\p{L}\\p{N}])(?<c>" + COMPARATOR + ")\\s*(?<v>" + NUM + ")\\s*(?<u>" + UNIT + ")",
          Pattern.CASE_INSENSITIVE);

  private static final Pattern DIAGNOSED =
      Pattern.compile("\\bdiagnos\\w*", Pattern.CASE_INSENSITIVE);
  private static final String TIME_UNIT = "(?<u>day|week|month|year)s?";
  private static final List<Pattern> TIME_FRAMES =
      List.of(
          Pattern.compile(
              "within\\s+(?:the\\s+)?(?:past|last|previous|preceding)?\\s*(?:(?<lo>\\d+)\\s*(?:to|-|–)\\s*)?(?<n>\\d+)\\s+"
                  + TIME_UNIT,
              Pattern.CASE_INSENSITIVE),
          Pattern.compile(
              "(?:less than|<|≤|<=|no more than|not more than|up to)\\s*(?<n>\\d+)\\s+"
                  + TIME_UNIT
                  + "\\s+(?:before|prior to)",
              Pattern.CASE_INSENSITIVE),
          Pattern.compile(
              "(?:interval|period)\\s+of\\s+(?:≤|<=|no more than|at most|up to)\\s*(?<n>\\d+)\\s*"
                  + TIME_UNIT
                  + "\\s+between\\s+the\\s+diagnosis",
              Pattern.CASE_INSENSITIVE),
          Pattern.compile(
              "(?<n>\\d+)\\s+" + TIME_UNIT + "\\s+(?:before|prior to)", Pattern.CASE_INSENSITIVE));

  /** "at least 2 years before": a time frame that is not "within". */
  private static final Pattern NOT_WITHIN =
      Pattern.compile(
          "(?:at least|more than|over|greater than|longer than|>|≥)\\s*$",
          Pattern.CASE_INSENSITIVE);

  private static final Pattern AGE =
      Pattern.compile(
          "\\bage[ds]?\\b(?<filler>[^0-9<>≤≥]{0,25}?)(?:between\\s*(?:≥|>=)?\\s*(?<lo>\\d+)\\s*(?:years?)?\\s*(?:and|to|-|–)\\s*(?:≤|<=)?\\s*(?<hi>\\d+)\\s*years?"
              + "|(?<lo2>\\d+)\\s*(?:-|–|to)\\s*(?<hi2>\\d+)\\s*years?"
              + "|(?<c>≥|>=|≤|<=|at least|not less than|no less than|at most|not more than|no more than)\\s*(?<n>\\d+)\\s*years?)",
          Pattern.CASE_INSENSITIVE);

  /** Criteria of one cohort of a multi-cohort study ("Control group: ...") are not everyone's. */
  private static final Pattern COHORT =
      Pattern.compile("\\b(?:group|cohort|arm|part)\\s*\\w{0,3}\\s*:", Pattern.CASE_INSENSITIVE);

  /** An exclusion written as what the patient must not have: "No history of ...". */
  private static final Pattern LEADING_NEGATION =
      Pattern.compile(
          "^\\s*(?:no|not|have not|has not|must not have)\\b", Pattern.CASE_INSENSITIVE);

  private static final Pattern OR_NO =
      Pattern.compile(
          "\\b(?:and|or)\\s+(?:(?:are|is|do|does|have|has|will|must)\\s+)?(?:no|not)\\b",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern OR_START =
      Pattern.compile("^\\s*,?\\s*(?:and/)?or\\b", Pattern.CASE_INSENSITIVE);
  private static final Pattern TAKEN =
      Pattern.compile(
          "\\b(?:used|using|use of|taking|taken|treated with|treatment with|received|receiving"
              + "|vaccinat(?:ion|ed) with|immuni[sz](?:ation|ed) with)"
              + "\\s+(?:any\\s+)?$",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern MEDICATION_PERIOD =
      Pattern.compile(
          "\\s*(?:within\\s+(?:the\\s+)?(?:past|last|previous|preceding)?\\s*(?<n>\\d+)\\s+"
              + "(?<u>day|week|month|year)s?(?:\\s+(?:prior to|before|of)\\s+"
              + CriterionWords.ANCHOR
              + ")?|(?<n2>\\d+)\\s+(?<u2>day|week|month|year)s?\\s+"
              + "(?:prior to|before)(?:\\s+"
              + CriterionWords.ANCHOR
              + ")?)",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern OR_END =
      Pattern.compile("\\bor\\s*,?\\s*$", Pattern.CASE_INSENSITIVE);
  private static final Pattern ACTIVE =
      Pattern.compile(
          "\\b(?:active|current|currently|ongoing|on-going)\\s*$", Pattern.CASE_INSENSITIVE);
  private static final Pattern ACTIVE_WORD =
      Pattern.compile("(?:active|current|currently|ongoing|on-going)\\b", Pattern.CASE_INSENSITIVE);
  private static final Pattern FUTURE =
      Pattern.compile(
          "\\b(?:become|becoming|get|getting|planning|plan|plans)\\s*$", Pattern.CASE_INSENSITIVE);
  private static final Pattern POSITIVE =
      Pattern.compile("positiv|presence|seropositiv|reactive", Pattern.CASE_INSENSITIVE);

  /** A positive test tied to a time ("at diagnosis"): the look-back window cannot hold it. */
  private static final Pattern WHEN =
      Pattern.compile(
          "\\b(?:time|diagnos\\w*|before|after|within|since|prior|previous\\w*|past|history|ever)\\b",
          Pattern.CASE_INSENSITIVE);

  /** A lab value at another time than now. */
  private static final Pattern LAB_WHEN =
      Pattern.compile(
          "\\b(?:diagnos\\w*|baseline|historical|ever|at any time|previous\\w*|prior)\\b",
          Pattern.CASE_INSENSITIVE);

  private static final Pattern PARENTHESIS = Pattern.compile("\\s*\\(([^()]*)\\)");

  /**
   * One computable part of an item: its span in the text and how to write it. {@code allOf}: the
   * part is the first of a list whose every member must hold ("AST/ALT ≤ 2.5 × ULN" in an
   * inclusion); the others are for a person.
   */
  private record Part(
      int start,
      int end,
      Maker maker,
      boolean needsPerson,
      boolean orPerson,
      boolean state,
      boolean allOf) {
    Part(int start, int end, Maker maker, boolean needsPerson) {
      this(start, end, maker, needsPerson, false, false, false);
    }

    Part(int start, int end, Maker maker, boolean needsPerson, boolean orPerson) {
      this(start, end, maker, needsPerson, orPerson, false, false);
    }

    Part(int start, int end, Maker maker, boolean needsPerson, boolean orPerson, boolean state) {
      this(start, end, maker, needsPerson, orPerson, state, false);
    }
  }

  @FunctionalInterface
  private interface Maker {
    GroupCharacteristicComponent make(String id, String description);
  }

  private final CriteriaVocabulary vocabulary;
  private final List<String> studyConditions;
  private final CriterionFactory criteria;

  private CriteriaRecogniser(
      CriteriaVocabulary vocabulary, List<String> studyConditions, CriterionFactory criteria) {
    this.vocabulary = vocabulary;
    this.studyConditions = studyConditions;
    this.criteria = criteria;
  }

  static Optional<GroupCharacteristicComponent> recognise(
      String id, CriteriaText.Item item, List<String> studyConditions, CriterionFactory criteria) {
    return recognise(id, item, studyConditions, criteria, CriteriaVocabulary.ofPackage());
  }

  static Optional<GroupCharacteristicComponent> recognise(
      String id,
      CriteriaText.Item item,
      List<String> studyConditions,
      CriterionFactory criteria,
      CriteriaVocabulary vocabulary) {
    return new CriteriaRecogniser(vocabulary, studyConditions, criteria).read(id, item);
  }

  private Optional<GroupCharacteristicComponent> read(String id, CriteriaText.Item item) {
    String text = item.text();
    if (COHORT.matcher(text).find()) {
      return Optional.empty();
    }
    String body = text;
    Matcher negated = LEADING_NEGATION.matcher(body);
    if (item.exclusion() && negated.find()) {
      // "No X and no Y" in an exclusion list excludes X or Y; positions are kept for the words.
      body = blank(body, negated.start(), negated.end());
      Matcher orNo = OR_NO.matcher(body);
      StringBuilder b = new StringBuilder(body);
      while (orNo.find()) {
        b.replace(orNo.start(), orNo.end(), "or" + " ".repeat(orNo.end() - orNo.start() - 2));
      }
      body = b.toString();
    }
    List<List<Part>> readings =
        List.of(
            labs(body, item),
            onset(body, item),
            age(body, item),
            upperLimits(body, item),
            positives(body, item),
            medications(body, item),
            consent(body, item),
            conditions(body, item));
    for (List<Part> parts : readings) {
      if (!parts.isEmpty()) {
        return assemble(id, item, body, parts);
      }
    }
    return Optional.empty();
  }

  // ------------------------------------------------------------------ assembling a reading

  private Optional<GroupCharacteristicComponent> assemble(
      String id, CriteriaText.Item item, String body, List<Part> found) {
    List<Part> parts = new ArrayList<>(found);
    parts.sort((a, b) -> Integer.compare(a.start(), b.start()));
    String neutral = blankAll(body, CriterionWords.NEUTRAL);
    String prefix = neutral.substring(0, parts.get(0).start());
    String trailing = neutral.substring(parts.get(parts.size() - 1).end());
    boolean anded = parts.stream().anyMatch(Part::allOf);
    for (int i = 0; i + 1 < parts.size(); i++) {
      String between = neutral.substring(parts.get(i).end(), parts.get(i + 1).start());
      String rest = between.replaceAll("(?i)\\b(?:and/)?or\\b", " ");
      if (CriterionWords.found(CriterionWords.NEGATION, between)) {
        return Optional.empty();
      }
      if (!CriterionWords.isFiller(rest)) {
        if (rest.replaceAll("(?i)\\band\\b", " ").isBlank()
            || CriterionWords.isFiller(rest.replaceAll("(?i)\\band\\b", " "))) {
          anded = true;
        } else {
          return Optional.empty();
        }
      }
    }
    // "Evidence of residual β cells. This will be assessed by a C-peptide level > 0.2 nmol/L":
    // the second sentence is the first one's measure; the words stay for a person.
    Matcher assessed = CriterionWords.ASSESSED_BY.matcher(prefix);
    boolean assessedBy =
        !item.exclusion()
            && assessed.find()
            && !CriterionWords.SENTENCES.matcher(trailing).find()
            && !CriterionWords.found(CriterionWords.ALTERNATIVE, trailing);
    String judged = assessedBy ? blank(neutral, assessed.start(), assessed.end()) : neutral;
    if (CriterionWords.found(CriterionWords.NEGATION, prefix)
        || CriterionWords.found(CriterionWords.PERMISSION, judged)) {
      return Optional.empty();
    }
    boolean needsPerson = parts.stream().anyMatch(Part::needsPerson);
    if (CriterionWords.SENTENCES.matcher(body.strip()).find()
        && !(CriterionWords.isFiller(prefix) && CriterionWords.isFiller(trailing))
        && !assessedBy) {
      return Optional.empty();
    }
    boolean prefixSaysNothing =
        CriterionWords.isFiller(prefix)
            || (item.exclusion()
                && CriterionWords.isFiller(prefix.replaceAll("(?i)\\bor\\b", " ")));
    boolean trailingSaysNothing = CriterionWords.isFiller(trailing);
    if (item.exclusion()) {
      if (parts.stream().anyMatch(Part::orPerson)) {
        return Optional.empty();
      }
      // "X or Y", for a state of now also "X, Y or Z": Y is a further reason to exclude,
      // unless a time frame may bound X as well. A state of now (pregnant) holds in any period
      // ending now, and a period after it ("during the study") is not its bound.
      boolean state = parts.stream().allMatch(Part::state);
      boolean untimed = state || !CriterionWords.found(CriterionWords.TIME, trailing);
      boolean sibling =
          (OR_START.matcher(trailing).find()
                  || (state && CriterionWords.LIST_OR.matcher(trailing).find()))
              && untimed;
      // "Obesity, according to WHO standards": a recorded diagnosis, the standard for a person.
      boolean defined =
          CriterionWords.DEFINED.matcher(trailing).find()
              && !CriterionWords.found(CriterionWords.TIME, trailing);
      // "Diseases affecting erythrocytes, including A, B, C etc.": each example excludes; the
      // class is for a person, unless words in it bound the examples too ("active", "recent").
      boolean examples =
          CriterionWords.EXAMPLES.matcher(prefix).find()
              && !CriterionWords.found(CriterionWords.QUALIFIER, prefix)
              && !CriterionWords.found(CriterionWords.TIME, prefix)
              && !CriterionWords.found(CriterionWords.NEGATION, prefix)
              && (CriterionWords.ET_CETERA.matcher(trailing).matches() || sibling);
      if (anded
          || !(prefixSaysNothing || examples)
          || CriterionWords.found(CriterionWords.EXCEPTION, neutral)
          || !(trailingSaysNothing || sibling || defined || examples)) {
        return Optional.empty();
      }
      if (examples) {
        return Optional.of(forPerson(computable(id, item, parts), item));
      }
      GroupCharacteristicComponent c = computable(id, item, parts);
      return Optional.of(trailingSaysNothing && !needsPerson ? c : forPerson(c, item));
    }
    // "ALT ≤ 2.5 × ULN (≤ 5 × ULN if liver metastases)", "... unless Gilbert's syndrome": a
    // patient under the exception is eligible whatever the computable part says.
    boolean exception = CriterionWords.found(CriterionWords.EXCEPTION, outside(judged, parts));
    // An alternative beside the parts ("X or Y", "Y, or X"): any of them, Y for a person.
    boolean alternative = OR_START.matcher(trailing).find() || OR_END.matcher(prefix).find();
    if (anded) {
      // "A and B": A failing fails the criterion; the rest is for a person. With an alternative
      // or an exception beside them, no part alone decides anything.
      if (exception || alternative || parts.stream().anyMatch(Part::orPerson)) {
        return Optional.empty();
      }
      return Optional.of(forPerson(computable(id, item, List.of(parts.get(0))), item));
    }
    // Any other words say more about X ("and", "at the time of"): X failing fails the item.
    if (parts.stream().anyMatch(Part::orPerson) || alternative || exception) {
      return Optional.of(withManualAlternative(id, item, parts));
    }
    GroupCharacteristicComponent c = computable(id, item, parts);
    return Optional.of(
        prefixSaysNothing && trailingSaysNothing && !needsPerson ? c : forPerson(c, item));
  }

  private GroupCharacteristicComponent computable(
      String id, CriteriaText.Item item, List<Part> parts) {
    if (parts.size() == 1) {
      return parts.get(0).maker().make(id, item.text()).setExclude(item.exclusion());
    }
    List<GroupCharacteristicComponent> made = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      Part p = parts.get(i);
      made.add(
          p.maker().make(id + "-" + (i + 1), item.text().substring(p.start(), p.end()).strip()));
    }
    return criteria.anyOf(id, item, made);
  }

  /** Alternatives the text offers beside the computable parts: a person judges those. */
  private GroupCharacteristicComponent withManualAlternative(
      String id, CriteriaText.Item item, List<Part> parts) {
    List<GroupCharacteristicComponent> made = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      Part p = parts.get(i);
      made.add(
          p.maker().make(id + "-" + (i + 1), item.text().substring(p.start(), p.end()).strip()));
    }
    made.add(criteria.manualPart(id + "-" + (parts.size() + 1), item.text()));
    return criteria.anyOf(id, item, made);
  }

  private static GroupCharacteristicComponent forPerson(
      GroupCharacteristicComponent c, CriteriaText.Item item) {
    return CriterionFactory.withManualReview(c, item.text());
  }

  // ------------------------------------------------------------------ lab and vital values

  private List<Part> labs(String body, CriteriaText.Item item) {
    if (CriterionWords.SEXED.matcher(body).find()) {
      return item.exclusion() ? sexed(body, item) : List.of();
    }
    List<Part> parts = new ArrayList<>();
    List<CriteriaVocabulary.Hit> named =
        vocabulary.find(body, List.of("observation-value", "observation-uln", "bmi"));
    for (CriteriaVocabulary.Hit hit : named) {
      if (hit.kind().equals("observation-uln")) {
        continue;
      }
      Matcher m = LAB.matcher(body);
      m.region(hit.end(), body.length());
      // "Hemoglobin/eGFR ≥ 60 mL/min": the value belongs to the last test named before it.
      if (!m.lookingAt()
          || named.stream().anyMatch(o -> o.start() >= hit.end() && o.start() < m.end())) {
        continue;
      }
      String filler = m.group("filler") + (m.group("f2") == null ? "" : m.group("f2"));
      if (CriterionWords.found(CriterionWords.NOT_A_VALUE, filler)
          || CriterionWords.OF_NORMAL.matcher(body.substring(m.end())).find()
          || parts.stream().anyMatch(p -> p.start() < m.end() && hit.start() < p.end())) {
        continue;
      }
      String label = hit.phrase().words();
      String kind = hit.kind();
      String valueSet = hit.valueSet();
      if (m.group("ov1") != null) {
        // "BMI <18 or >35 kg/m2": outside a range, two alternatives in the unit stated once (BMI
        // is written without its one unit).
        String written = m.group("ou2") != null ? m.group("ou2") : m.group("ou1");
        Optional<String> unit =
            written != null
                ? CriterionWords.ucumUnit(written)
                : kind.equals("bmi") ? Optional.of("kg/m2") : Optional.empty();
        if (unit.isEmpty()
            || (m.group("ou1") != null
                && m.group("ou2") != null
                && !CriterionWords.ucumUnit(m.group("ou1")).equals(unit))) {
          continue;
        }
        Quantity below =
            CriterionFactory.quantity(new BigDecimal(m.group("ov1")), unit.get())
                .setComparator(CriterionWords.comparator(m.group("oc1").strip()));
        Quantity above =
            CriterionFactory.quantity(new BigDecimal(m.group("ov2")), unit.get())
                .setComparator(CriterionWords.comparator(m.group("oc2").strip()));
        int middle = m.start("oc2");
        parts.add(
            new Part(
                hit.start(),
                m.end("ov1") + (m.group("ou1") == null ? 0 : m.end("ou1") - m.end("ov1")),
                (id, description) ->
                    criteria.observation(
                        id,
                        kind,
                        label
                            + " "
                            + below.getComparator().toCode()
                            + " "
                            + below.getValue().toPlainString(),
                        description,
                        valueSet,
                        below),
                false));
        parts.add(
            new Part(
                middle,
                m.end(),
                (id, description) ->
                    criteria.observation(
                        id,
                        kind,
                        label
                            + " "
                            + above.getComparator().toCode()
                            + " "
                            + above.getValue().toPlainString(),
                        description,
                        valueSet,
                        above),
                false));
        continue;
      }
      Type value;
      if (m.group("v2") != null) {
        String unit = CriterionWords.ucumUnit(m.group("u2")).orElse(null);
        if (unit == null
            || (m.group("u1") != null
                && !unit.equals(CriterionWords.ucumUnit(m.group("u1")).orElse(null)))) {
          continue;
        }
        value =
            new Range()
                .setLow(CriterionFactory.quantity(new BigDecimal(m.group("v1")), unit))
                .setHigh(CriterionFactory.quantity(new BigDecimal(m.group("v2")), unit));
      } else {
        Optional<String> unit = CriterionWords.ucumUnit(m.group("u"));
        if (unit.isEmpty()) {
          continue;
        }
        value =
            CriterionFactory.quantity(new BigDecimal(m.group("v")), unit.get())
                .setComparator(CriterionWords.comparator(m.group("c").strip()));
      }
      parts.add(
          new Part(
              hit.start(),
              m.end(),
              (id, description) ->
                  criteria.observation(id, kind, label, description, valueSet, value),
              false));
    }
    if (parts.isEmpty()) {
      parts.addAll(interrupted(body));
    }
    if (!parts.isEmpty() && CriterionWords.found(LAB_WHEN, outside(body, parts))) {
      return List.of();
    }
    return parts;
  }

  /**
   * "Hemoglobin <120g/L or > 165g/L (male), or < 110g/L or > 160g/L (female)": outside a range that
   * differs by sex. What excludes whatever the sex is computable: below the lower of the two lower
   * limits, above the higher of the two upper limits; the values between depend on the sex and are
   * for a person. Any other sex-specific wording stays for a person.
   */
  private List<Part> sexed(String body, CriteriaText.Item item) {
    List<CriteriaVocabulary.Hit> hits = vocabulary.find(body, List.of("observation-value"));
    if (hits.size() != 1) {
      return List.of();
    }
    CriteriaVocabulary.Hit hit = hits.get(0);
    Matcher m = SEXED_OUTSIDE.matcher(body);
    m.region(hit.end(), body.length());
    if (!m.lookingAt()) {
      return List.of();
    }
    boolean firstMale = m.group("s1").toLowerCase(Locale.ROOT).matches("males?|men|boys");
    boolean secondMale = m.group("s2").toLowerCase(Locale.ROOT).matches("males?|men|boys");
    List<Optional<String>> units = new ArrayList<>();
    for (String g : List.of("u1", "u2", "u3", "u4")) {
      if (m.group(g) != null) {
        units.add(CriterionWords.ucumUnit(m.group(g)));
      }
    }
    if (firstMale == secondMale
        || units.isEmpty()
        || units.stream().distinct().count() != 1
        || units.get(0).isEmpty()
        || CriterionWords.comparator(m.group("c1").strip())
            != CriterionWords.comparator(m.group("c3").strip())
        || CriterionWords.comparator(m.group("c2").strip())
            != CriterionWords.comparator(m.group("c4").strip())) {
      return List.of();
    }
    String unit = units.get(0).get();
    BigDecimal low = new BigDecimal(m.group("v1")).min(new BigDecimal(m.group("v3")));
    BigDecimal high = new BigDecimal(m.group("v2")).max(new BigDecimal(m.group("v4")));
    Quantity below =
        CriterionFactory.quantity(low, unit)
            .setComparator(CriterionWords.comparator(m.group("c1").strip()));
    Quantity above =
        CriterionFactory.quantity(high, unit)
            .setComparator(CriterionWords.comparator(m.group("c2").strip()));
    String label = hit.phrase().words();
    String valueSet = hit.valueSet();
    String words = item.text();
    return List.of(
        new Part(
            hit.start(),
            m.start("c2"),
            (id, description) ->
                criteria.observation(
                    id,
                    "observation-value",
                    label + " " + below.getComparator().toCode() + " " + low.toPlainString(),
                    words,
                    valueSet,
                    below),
            true),
        new Part(
            m.start("c2"),
            m.end(),
            (id, description) ->
                criteria.observation(
                    id,
                    "observation-value",
                    label + " " + above.getComparator().toCode() + " " + high.toPlainString(),
                    words,
                    valueSet,
                    above),
            true));
  }

  /**
   * "C-peptide level over 0.2nmol/L in the MMTT test": a phrase of the package ("C-peptide level in
   * the MMTT test") interrupted by the value names the concept.
   */
  private List<Part> interrupted(String body) {
    Matcher v = VALUE.matcher(body);
    // One value only: with several, which one the phrase is about is not certain.
    if (!v.find()) {
      return List.of();
    }
    int cut = v.start();
    int valueEnd = v.end();
    String comparator = v.group("c").strip();
    String amount = v.group("v");
    Optional<String> unit = CriterionWords.ucumUnit(v.group("u"));
    if (v.find() || unit.isEmpty()) {
      return List.of();
    }
    String joined = body.substring(0, cut) + body.substring(valueEnd);
    Optional<CriteriaVocabulary.Hit> named =
        vocabulary.find(joined, List.of("observation-value")).stream()
            .filter(h -> h.start() < cut && h.end() > cut)
            .findFirst();
    if (named.isEmpty()) {
      return List.of();
    }
    CriteriaVocabulary.Hit hit = named.get();
    Quantity value =
        CriterionFactory.quantity(new BigDecimal(amount), unit.get())
            .setComparator(CriterionWords.comparator(comparator));
    String label = hit.phrase().words();
    return List.of(
        new Part(
            hit.start(),
            hit.end() + (valueEnd - cut),
            (id, description) ->
                criteria.observation(
                    id, "observation-value", label, description, hit.valueSet(), value),
            false));
  }

  // ------------------------------------------------------------------ multiples of the ULN

  /**
   * "Alanine aminotransferase (ALT) or aspartate aminotransferase (AST) >2 of ULN": one list of lab
   * names sharing one multiple of the upper limit of normal, each compared with its own result's
   * reference range ({@code observation-uln}).
   */
  private List<Part> upperLimits(String body, CriteriaText.Item item) {
    List<CriteriaVocabulary.Hit> hits =
        vocabulary.find(body, List.of("observation-uln")).stream()
            .filter(h -> !insideParentheses(body, h.start()))
            .toList();
    if (hits.isEmpty()) {
      return List.of();
    }
    List<int[]> spans = new ArrayList<>();
    for (int i = 0; i < hits.size(); i++) {
      CriteriaVocabulary.Hit hit = hits.get(i);
      int end = afterAcronym(body, hit);
      if (i > 0 && !listSeparator(body.substring(spans.get(i - 1)[1], hit.start()))) {
        return List.of();
      }
      spans.add(new int[] {hit.start(), end});
    }
    Matcher m = CriterionWords.TIMES_ULN.matcher(body);
    m.region(spans.get(spans.size() - 1)[1], body.length());
    if (!m.lookingAt()) {
      return List.of();
    }
    Quantity times =
        new Quantity()
            .setValue(new BigDecimal(m.group("v")))
            .setComparator(CriterionWords.comparator(m.group("c").strip()))
            .setUnit("× ULN")
            .setSystem("http://unitsofmeasure.org")
            .setCode("1");
    // In an inclusion, "AST/ALT ≤ 2.5 × ULN" and "ALT, AST ≤ ..." need every test; only a
    // literal "or" offers the tests as alternatives. In an exclusion any of them excludes.
    boolean everyTest = false;
    for (int i = 1; i < hits.size(); i++) {
      String between = body.substring(spans.get(i - 1)[1], spans.get(i)[0]);
      everyTest |= !between.matches("(?i)\\s*\\bor\\b\\s*") && !item.exclusion();
    }
    List<Part> parts = new ArrayList<>();
    for (int i = 0; i < hits.size(); i++) {
      CriteriaVocabulary.Hit hit = hits.get(i);
      String valueSet = hit.valueSet();
      String label =
          hit.phrase().words()
              + " "
              + times.getComparator().toCode()
              + " "
              + times.getValue().toPlainString()
              + " × ULN";
      int end = i == hits.size() - 1 || everyTest ? m.end() : spans.get(i)[1];
      parts.add(
          new Part(
              hit.start(),
              end,
              (id, description) ->
                  criteria.upperLimit(id, label, description, valueSet, times.copy()),
              everyTest,
              false,
              false,
              everyTest));
      if (everyTest) {
        // The first test is computable; the others are for a person.
        break;
      }
    }
    return parts;
  }

  /**
   * A name followed by its acronym in brackets ("alanine aminotransferase (ALT)") ends after it.
   */
  private int afterAcronym(String body, CriteriaVocabulary.Hit hit) {
    Matcher note = PARENTHESIS.matcher(body);
    note.region(hit.end(), body.length());
    if (note.lookingAt()
        && vocabulary.find(note.group(1), List.of(hit.kind())).stream()
            .anyMatch(h -> h.valueSet().equals(hit.valueSet()))) {
      return note.end();
    }
    return hit.end();
  }

  // ------------------------------------------------------------------ research consent

  /**
   * "Written informed consent for participation of the study ...": the study's research consent
   * ({@code research-consent}). Only when the item is the consent itself; "ability to provide
   * informed consent" or "capable of providing ..." is about the person, for a person.
   */
  private List<Part> consent(String body, CriteriaText.Item item) {
    if (item.exclusion()) {
      return List.of();
    }
    List<CriteriaVocabulary.Hit> hits = vocabulary.find(body, List.of("research-consent"));
    if (hits.isEmpty()
        || !CriterionWords.CONSENT_GIVEN
            .matcher(body.substring(0, hits.get(0).start()))
            .matches()) {
      return List.of();
    }
    CriteriaVocabulary.Hit hit = hits.get(0);
    return List.of(
        new Part(
            hit.start(),
            hit.end(),
            (id, description) -> criteria.researchConsent(id, description),
            false));
  }

  // ------------------------------------------------------------------ diagnosis with a time frame

  private List<Part> onset(String body, CriteriaText.Item item) {
    Matcher diagnosed = DIAGNOSED.matcher(body);
    if (!diagnosed.find()) {
      return List.of();
    }
    for (Pattern frame : TIME_FRAMES) {
      Matcher tf = frame.matcher(body);
      if (!tf.find() || NOT_WITHIN.matcher(body.substring(0, tf.start())).find()) {
        continue;
      }
      List<CriteriaVocabulary.Hit> hits = vocabulary.find(body, List.of("condition"));
      String valueSet;
      int start;
      boolean needsPerson = lowerBound(tf);
      if (!hits.isEmpty()) {
        if (hits.stream().map(CriteriaVocabulary.Hit::valueSet).distinct().count() != 1
            || hits.get(0).start() > tf.start()) {
          return List.of();
        }
        CriteriaVocabulary.Hit last = hits.get(hits.size() - 1);
        valueSet = last.valueSet();
        start = Math.min(hits.get(0).start(), diagnosed.start());
        // Between the diagnosis and its time frame: nothing, or a further alternative ("or Y").
        int gapStart = Math.max(last.end(), diagnosed.end());
        String gap = gapStart <= tf.start() ? body.substring(gapStart, tf.start()) : "";
        if (!CriterionWords.isFiller(gap)) {
          if (OR_START.matcher(gap).find() && item.exclusion()) {
            needsPerson = true;
          } else if (!item.exclusion() && !CriterionWords.found(CriterionWords.ALTERNATIVE, gap)) {
            needsPerson = true;
          } else {
            return List.of();
          }
        }
      } else {
        Optional<String> studyDiagnosis = studyDiagnosis(body, diagnosed);
        if (studyDiagnosis.isEmpty() || item.exclusion()) {
          return List.of();
        }
        valueSet = studyDiagnosis.get();
        start = Math.min(diagnosed.start(), tf.start());
        String gap =
            diagnosed.end() <= tf.start() ? body.substring(diagnosed.end(), tf.start()) : "";
        if (!CriterionWords.isFiller(gap)) {
          if (CriterionWords.found(CriterionWords.ALTERNATIVE, gap)) {
            return List.of();
          }
          needsPerson = true;
        }
      }
      if (needsPerson && item.exclusion() && lowerBound(tf)) {
        return List.of();
      }
      int amount = Integer.parseInt(tf.group("n"));
      String unit = TimeUnit.ofWord(tf.group("u")).orElseThrow().ucum();
      int end = Math.max(tf.end(), diagnosed.end());
      String vs = valueSet;
      return List.of(
          new Part(
              Math.min(start, tf.start()),
              end,
              (id, description) -> criteria.onsetWithin(id, description, vs, amount, unit),
              needsPerson));
    }
    return List.of();
  }

  /**
   * The study's own diagnosis when the item speaks of it without naming it: "An interval of ≤100
   * days between the diagnosis and ...", or "Diabetes mellitus diagnosed ..." in a study of
   * "Diabetes Mellitus, Type 1" (every word before "diagnosed" is in a condition of the study).
   */
  private Optional<String> studyDiagnosis(String body, Matcher diagnosed) {
    List<String> named =
        studyConditions.stream()
            .flatMap(c -> vocabulary.find(c, List.of("condition")).stream())
            .map(CriteriaVocabulary.Hit::valueSet)
            .distinct()
            .toList();
    if (named.size() != 1) {
      return Optional.empty();
    }
    String subject = body.substring(0, diagnosed.start()).strip().toLowerCase(Locale.ROOT);
    boolean theDiagnosis = body.toLowerCase(Locale.ROOT).contains("the diagnosis");
    boolean subjectIsTheStudys =
        !subject.isEmpty()
            && subject.matches("[\\p{L}\\s,]+")
            && studyConditions.stream()
                .map(c -> c.toLowerCase(Locale.ROOT))
                .anyMatch(
                    c ->
                        Arrays.stream(subject.split("[\\s,]+"))
                            .allMatch(w -> c.matches(".*\\b" + Pattern.quote(w) + "\\b.*")));
    return theDiagnosis || subjectIsTheStudys ? Optional.of(named.get(0)) : Optional.empty();
  }

  // ------------------------------------------------------------------ age

  private List<Part> age(String body, CriteriaText.Item item) {
    if (item.exclusion()) {
      return List.of();
    }
    Matcher m = AGE.matcher(body);
    if (!m.find()
        || !CriterionWords.isFiller(m.group("filler"))
        || m.group("filler").toLowerCase(Locale.ROOT).matches(".*(diagnos|onset|when|first).*")) {
      return List.of();
    }
    Quantity low = null;
    Quantity high = null;
    if (m.group("lo") != null || m.group("lo2") != null) {
      low = years(m.group("lo") != null ? m.group("lo") : m.group("lo2"));
      high = years(m.group("hi") != null ? m.group("hi") : m.group("hi2"));
    } else {
      boolean atLeast =
          CriterionWords.comparator(m.group("c")) == QuantityComparator.GREATER_OR_EQUAL;
      if (atLeast) {
        low = years(m.group("n"));
      } else {
        high = years(m.group("n"));
      }
    }
    Quantity lo = low;
    Quantity hi = high;
    return List.of(
        new Part(
            m.start(),
            m.end(),
            (id, description) -> criteria.ageFromText(id, description, lo, hi),
            false));
  }

  private static Quantity years(String amount) {
    return CriterionFactory.quantity(new BigDecimal(amount), "a").setUnit("years");
  }

  // ------------------------------------------------------------------ positive tests

  private List<Part> positives(String body, CriteriaText.Item item) {
    if (!POSITIVE.matcher(body).find() || (!item.exclusion() && negated(body))) {
      return List.of();
    }
    List<Part> parts = new ArrayList<>();
    boolean restricted = false;
    String timed = body;
    for (CriteriaVocabulary.Hit hit : vocabulary.find(body, List.of("observation-positive"))) {
      if (insideParentheses(body, hit.start())) {
        continue;
      }
      Matcher note = PARENTHESIS.matcher(body);
      note.region(hit.end(), body.length());
      if (note.lookingAt() && restricts(note.group(1))) {
        // "insulin (if <10 days since starting insulin therapy)": that test only under a
        // condition a person checks.
        restricted = true;
        timed = blank(timed, note.start(), note.end());
        continue;
      }
      String valueSet = hit.valueSet();
      String label = hit.phrase().words();
      parts.add(
          new Part(
              hit.start(),
              hit.end(),
              (id, description) -> criteria.positive(id, label, description, valueSet),
              false));
    }
    if (parts.isEmpty() || WHEN.matcher(timed).find() || (restricted && item.exclusion())) {
      return List.of();
    }
    if (restricted) {
      return parts.stream().map(p -> new Part(p.start(), p.end(), p.maker(), false, true)).toList();
    }
    return parts;
  }

  // ------------------------------------------------------------------ medications in a period

  /**
   * "Used immunosuppressants 3 months prior to screening": a medication of the ValueSet in the
   * period. The package's medication ValueSets cannot hold every clinical-drug code a record may
   * carry, so a person always checks what the record does not show: the criterion fails (or
   * excludes) on a coded medication found, and is for a person otherwise.
   */
  private List<Part> medications(String body, CriteriaText.Item item) {
    List<Part> parts = new ArrayList<>();
    for (CriteriaVocabulary.Hit hit : vocabulary.find(body, List.of("medication"))) {
      Matcher taken = TAKEN.matcher(body.substring(0, hit.start()));
      Matcher period = MEDICATION_PERIOD.matcher(body);
      period.region(hit.end(), body.length());
      if (!taken.find() || !period.lookingAt()) {
        continue;
      }
      int amount =
          Integer.parseInt(period.group("n") != null ? period.group("n") : period.group("n2"));
      String unit =
          TimeUnit.ofWord(period.group("u") != null ? period.group("u") : period.group("u2"))
              .orElseThrow()
              .ucum();
      String valueSet = hit.valueSet();
      String label = hit.phrase().words();
      parts.add(
          new Part(
              taken.start(),
              period.end(),
              (id, description) ->
                  criteria.medication(id, label, description, valueSet, amount, unit),
              true));
    }
    return parts.size() == 1 ? parts : List.of();
  }

  // ------------------------------------------------------------------ diagnoses and pregnancy

  private List<Part> conditions(String body, CriteriaText.Item item) {
    if (!item.exclusion() && negated(body)) {
      return List.of();
    }
    List<Part> parts = new ArrayList<>();
    List<CriteriaVocabulary.Hit> hits = vocabulary.find(body, List.of("condition", "pregnancy"));
    CriteriaVocabulary.Hit previous = null;
    for (CriteriaVocabulary.Hit hit : hits) {
      String before = body.substring(0, hit.start());
      if (hit.kind().equals("pregnancy") && (FUTURE.matcher(before).find() || !item.exclusion())) {
        continue;
      }
      if (insideParentheses(body, hit.start())) {
        continue;
      }
      // "type 1 diabetes(T1D)": one concept named twice.
      if (previous != null
          && previous.valueSet().equals(hit.valueSet())
          && CriterionWords.isFiller(body.substring(previous.end(), hit.start()))) {
        Part last = parts.remove(parts.size() - 1);
        parts.add(new Part(last.start(), hit.end(), last.maker(), false));
        previous = hit;
        continue;
      }
      // Only the list the item starts with: a concept named later belongs to another clause.
      if (previous != null && !listSeparator(body.substring(previous.end(), hit.start()))) {
        break;
      }
      Matcher active = ACTIVE.matcher(before);
      // "Active tuberculosis" is the active disease now; "past active tuberculosis" is its history.
      boolean activeBefore = active.find();
      boolean isActive =
          activeBefore
              || (ACTIVE_WORD.matcher(hit.phrase().words()).lookingAt()
                  && !CriterionWords.EVER.matcher(before).find());
      int start = activeBefore ? active.start() : hit.start();
      String valueSet = hit.valueSet();
      String kind =
          hit.kind().equals("pregnancy")
              ? "pregnancy"
              : isActive ? "condition-active" : "condition";
      String label = hit.phrase().words();
      parts.add(
          new Part(
              start,
              hit.end(),
              (id, description) -> criteria.condition(id, kind, label, description, valueSet),
              false,
              false,
              kind.equals("pregnancy")));
      previous = hit;
    }
    return parts;
  }

  // ------------------------------------------------------------------ text helpers

  /**
   * A bracket after a test that counts it only under a condition ("if <10 days since starting
   * insulin therapy"), not one that lists what the test is ("GAD65, IA-2, ZnT8 or insulin").
   */
  private static boolean restricts(String note) {
    return CriterionWords.found(CriterionWords.EXCEPTION, note)
        || CriterionWords.found(CriterionWords.TIME, note)
        || CriterionWords.found(CriterionWords.NEGATION, note)
        || note.matches(".*[<>≤≥].*");
  }

  private static boolean negated(String body) {
    return CriterionWords.found(CriterionWords.NEGATION, blankAll(body, CriterionWords.NEUTRAL));
  }

  /** Between two items of a list: commas, "or", "and/or", "and" and filler. */
  private static boolean listSeparator(String between) {
    return CriterionWords.isFiller(between.replaceAll("(?i)\\b(?:and/or|or|and)\\b", " "));
  }

  /** "within 3 to 6 months": a lower bound a condition-onset criterion cannot hold. */
  private static boolean lowerBound(Matcher timeFrame) {
    try {
      return timeFrame.group("lo") != null;
    } catch (IllegalArgumentException noSuchGroup) {
      return false;
    }
  }

  private static boolean insideParentheses(String text, int at) {
    int depth = 0;
    for (int i = 0; i < at; i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')' && depth > 0) {
        depth--;
      }
    }
    return depth > 0;
  }

  private static String outside(String body, List<Part> parts) {
    String rest = body;
    for (Part p : parts) {
      rest = blank(rest, p.start(), p.end());
    }
    return rest;
  }

  private static String blank(String text, int start, int end) {
    return text.substring(0, start) + " ".repeat(end - start) + text.substring(end);
  }

  private static String blankAll(String text, Pattern pattern) {
    Matcher m = pattern.matcher(text);
    StringBuilder b = new StringBuilder(text);
    while (m.find()) {
      b.replace(m.start(), m.end(), " ".repeat(m.end() - m.start()));
    }
    return b.toString();
  }
}
