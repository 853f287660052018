package org.trialfhir.ctgov;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The words registry text uses for the package's concepts, read from the package: a ValueSet's
 * concept {@code designation} whose {@code use} is a code of {@code criterion-kind} is a phrase
 * that names the ValueSet, to be read as a criterion of that kind ("malignancy" for {@code
 * malignant-neoplasm} as a {@code condition}, "fasting C-peptide" for {@code c-peptide-fasting} as
 * an {@code observation-value}). No clinical word is written in Java.
 */
final class CriteriaVocabulary {

  static final String KIND_SYSTEM = CriterionFactory.BASE + "CodeSystem/criterion-kind";
  private static final String LOCATION = "classpath:fhir-profiles/ValueSet-*.json";

  /** One phrase of one ValueSet. */
  record Phrase(String words, String kind, String valueSet, Pattern pattern) {}

  /** A phrase found in a text, at [start, end). */
  record Hit(Phrase phrase, int start, int end) {
    String valueSet() {
      return phrase.valueSet();
    }

    String kind() {
      return phrase.kind();
    }
  }

  private static final class Holder {
    static final CriteriaVocabulary PACKAGE = load();
  }

  private final List<Phrase> phrases;

  CriteriaVocabulary(List<ValueSet> valueSets) {
    List<Phrase> all = new ArrayList<>();
    for (ValueSet vs : valueSets) {
      for (ValueSet.ConceptSetComponent include : vs.getCompose().getInclude()) {
        for (ValueSet.ConceptReferenceComponent concept : include.getConcept()) {
          for (ValueSet.ConceptReferenceDesignationComponent d : concept.getDesignation()) {
            if (KIND_SYSTEM.equals(d.getUse().getSystem()) && d.hasValue()) {
              all.add(new Phrase(d.getValue(), d.getUse().getCode(), vs.getUrl(), pattern(d)));
            }
          }
        }
      }
    }
    // The longest phrase first: "body weight" before "weight", "fasting C-peptide" before
    // "C-peptide".
    all.sort(Comparator.comparingInt((Phrase p) -> p.words().length()).reversed());
    this.phrases = List.copyOf(all);
  }

  /** The vocabulary of the package this server ships. */
  static CriteriaVocabulary ofPackage() {
    return Holder.PACKAGE;
  }

  /**
   * The phrases of the given kinds in the text, longest first where they overlap, in text order.
   */
  List<Hit> find(String text, List<String> kinds) {
    List<Hit> hits = new ArrayList<>();
    for (Phrase phrase : phrases) {
      if (!kinds.contains(phrase.kind())) {
        continue;
      }
      Matcher m = phrase.pattern().matcher(text);
      while (m.find()) {
        int start = m.start();
        int end = m.end();
        if (hits.stream().noneMatch(h -> h.start() < end && start < h.end())) {
          hits.add(new Hit(phrase, start, end));
        }
      }
    }
    hits.sort(Comparator.comparingInt(Hit::start));
    return hits;
  }

  private static Pattern pattern(ValueSet.ConceptReferenceDesignationComponent d) {
    String[] words = d.getValue().strip().split("\\s+");
    StringBuilder regex = new StringBuilder("(?<![\\p{L}\\p{N}])");
    for (int i = 0; i < words.length; i++) {
      regex.append(i == 0 ? "" : "\\s+").append(Pattern.quote(words[i]));
    }
    regex.append("(?![\\p{L}\\p{N}])");
    // An acronym keeps its case ("TB" is not "tb" in a word list); words are matched in any case.
    boolean acronym =
        words.length == 1 && words[0].equals(words[0].toUpperCase()) && words[0].length() <= 4;
    return Pattern.compile(
        regex.toString(), acronym ? 0 : Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  private static CriteriaVocabulary load() {
    var parser = FhirContext.forR4Cached().newJsonParser();
    List<ValueSet> valueSets = new ArrayList<>();
    try {
      for (Resource file : new PathMatchingResourcePatternResolver().getResources(LOCATION)) {
        try (InputStream in = file.getInputStream()) {
          valueSets.add(parser.parseResource(ValueSet.class, in));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("The package's ValueSets cannot be read", e);
    }
    return new CriteriaVocabulary(valueSets);
  }
}
