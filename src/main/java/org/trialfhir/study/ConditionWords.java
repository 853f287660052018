package org.trialfhir.study;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * What a condition search's words mean: each word must appear in the study's condition, in any
 * order ("diabetes type 1" finds "Type 1 Diabetes Mellitus"); a word or the whole query that is a
 * name of a condition in the package (a ValueSet concept's {@code designation} whose use is {@code
 * criterion-kind#condition}, e.g. "T1D" for SNOMED CT 46635009) also matches any other name of that
 * condition. The synonyms are the package's data; no clinical word is written in Java.
 */
final class ConditionWords {

  /** The most words a condition search takes. */
  static final int MAX_WORDS = 10;

  static final String KIND_SYSTEM = "http://trialfhir.org/fhir/CodeSystem/criterion-kind";
  private static final String LOCATION = "classpath:fhir-profiles/ValueSet-*.json";

  private static final class Holder {
    static final ConditionWords PACKAGE = load();
  }

  /** Each name (in lower case) to all names of its condition, the name itself first. */
  private final Map<String, Set<String>> synonyms;

  ConditionWords(List<ValueSet> valueSets) {
    Map<String, Set<String>> all = new LinkedHashMap<>();
    for (ValueSet vs : valueSets) {
      for (ValueSet.ConceptSetComponent include : vs.getCompose().getInclude()) {
        for (ValueSet.ConceptReferenceComponent concept : include.getConcept()) {
          Set<String> names = new LinkedHashSet<>();
          if (concept.hasDisplay()) {
            names.add(concept.getDisplay().strip());
          }
          for (ValueSet.ConceptReferenceDesignationComponent d : concept.getDesignation()) {
            if (KIND_SYSTEM.equals(d.getUse().getSystem())
                && "condition".equals(d.getUse().getCode())
                && d.hasValue()) {
              names.add(d.getValue().strip());
            }
          }
          if (names.size() < 2) {
            continue;
          }
          for (String name : names) {
            all.computeIfAbsent(key(name), k -> new LinkedHashSet<>()).addAll(names);
          }
        }
      }
    }
    this.synonyms = all;
  }

  /** The names of the conditions in the package this server ships. */
  static ConditionWords ofPackage() {
    return Holder.PACKAGE;
  }

  /**
   * The query as groups that must all match (AND), each a list of alternatives (OR) to find in the
   * condition's words: the whole query when it names a condition, else each word with its synonyms.
   * Blank text gives no group.
   */
  List<List<String>> query(String text) {
    String phrase = text == null ? "" : text.strip().replaceAll("\\s+", " ");
    if (phrase.isEmpty()) {
      return List.of();
    }
    Set<String> named = synonyms.get(key(phrase));
    if (named != null) {
      return List.of(alternatives(phrase, named));
    }
    // Each word is one more "contains" join on a search anyone may run without a token: a word
    // said twice adds nothing, and more than a handful is no condition's name.
    Set<String> words = new LinkedHashSet<>();
    for (String word : phrase.split(" ")) {
      words.add(key(word));
    }
    if (words.size() > MAX_WORDS) {
      throw new InvalidRequestException(
          "condition:text has "
              + words.size()
              + " different words; at most "
              + MAX_WORDS
              + " are searched");
    }
    List<List<String>> groups = new ArrayList<>();
    for (String word : phrase.split(" ")) {
      if (words.remove(key(word))) {
        groups.add(alternatives(word, synonyms.getOrDefault(key(word), Set.of())));
      }
    }
    return groups;
  }

  /** The whole text and, when it names a condition, that condition's other names. */
  List<String> phrase(String text) {
    String phrase = text == null ? "" : text.strip().replaceAll("\\s+", " ");
    return alternatives(phrase, synonyms.getOrDefault(key(phrase), Set.of()));
  }

  /** Alternatives for one part of the query: as typed, then the condition's other names. */
  List<String> alternatives(String typed, Set<String> names) {
    Set<String> any = new LinkedHashSet<>();
    any.add(typed);
    names.stream().filter(n -> !key(n).equals(key(typed))).forEach(any::add);
    return List.copyOf(any);
  }

  private static String key(String name) {
    return name.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }

  private static ConditionWords load() {
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
    return new ConditionWords(valueSets);
  }
}
