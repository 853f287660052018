package org.trialfhir.bench.spark;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The set-based criteria of a study, read from its eligibility Group and the package's ValueSets
 * (the codes stay data: a ValueSet compiles to a SQL predicate over a view's code columns, as the
 * server tests membership: enumerated codes, and ICD-10-CM is-a / descendent-of filters, which are
 * lexical on the undotted code as in the server's compose membership).
 */
record Criteria(
    String study,
    String date,
    Integer ageLow,
    Integer ageHigh,
    String sex,
    List<Diagnosis> diagnoses,
    Lab lab) {

  private static final String KIND = "http://trialfhir.org/fhir/CodeSystem/criterion-kind";
  private static final String VALUESET =
      "http://trialfhir.org/fhir/StructureDefinition/criterion-valueset";
  private static final String LOOKBACK =
      "http://trialfhir.org/fhir/StructureDefinition/criterion-lookback";
  private static final String ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm";

  /** A required diagnosis: a Condition coded in the ValueSet must be counted. */
  record Diagnosis(String id, String valueSet, String predicate) {}

  /** A lab threshold: the most recent value in the look-back window decides. */
  record Lab(
      String id,
      String valueSet,
      String predicate,
      int lookbackDays,
      String comparator,
      String value,
      String unitCode) {}

  /** The criteria of the study's eligibility Group (the package's example Group of that id). */
  static Criteria of(Path profiles, String study, String date) {
    JsonObject group =
        read(profiles.resolve("example").resolve("Group-" + study + "-eligibility.json"));
    Integer low = null;
    Integer high = null;
    String sex = "all";
    List<Diagnosis> diagnoses = new ArrayList<>();
    Lab lab = null;
    for (JsonElement e : group.getAsJsonArray("characteristic")) {
      JsonObject c = e.getAsJsonObject();
      if (c.has("exclude") && c.get("exclude").getAsBoolean()) {
        continue; // exclusions are for the full evaluation, as in the server's set-based step
      }
      String kind = kind(c);
      String id = c.get("id").getAsString();
      if ("age".equals(kind)) {
        JsonObject range = c.getAsJsonObject("valueRange");
        low = range.has("low") ? range.getAsJsonObject("low").get("value").getAsInt() : null;
        high = range.has("high") ? range.getAsJsonObject("high").get("value").getAsInt() : null;
      } else if ("sex".equals(kind)) {
        sex =
            c.getAsJsonObject("valueCodeableConcept")
                .getAsJsonArray("coding")
                .get(0)
                .getAsJsonObject()
                .get("code")
                .getAsString();
      } else if ("condition".equals(kind) && extension(c, VALUESET) != null) {
        String url = extension(c, VALUESET).get("valueCanonical").getAsString();
        diagnoses.add(new Diagnosis(id, url, predicate(profiles, url, 0)));
      } else if ("observation-value".equals(kind)
          && lab == null
          && c.has("valueQuantity")
          && extension(c, VALUESET) != null
          && extension(c, LOOKBACK) != null) {
        String url = extension(c, VALUESET).get("valueCanonical").getAsString();
        JsonObject q = c.getAsJsonObject("valueQuantity");
        JsonObject lookback = extension(c, LOOKBACK).getAsJsonObject("valueDuration");
        if (!"d".equals(lookback.get("code").getAsString())) {
          continue; // only look-backs in days are compiled here
        }
        lab =
            new Lab(
                id,
                url,
                predicate(profiles, url, 0),
                lookback.get("value").getAsInt(),
                q.has("comparator") ? q.get("comparator").getAsString() : "=",
                q.get("value").getAsBigDecimal().toPlainString(),
                q.get("code").getAsString());
      }
    }
    return new Criteria(study, date, low, high, sex, diagnoses, lab);
  }

  /** The ValueSet as a predicate over code_system and code; what it cannot compile it refuses. */
  private static String predicate(Path profiles, String url, int depth) {
    if (depth > 5) {
      throw new IllegalStateException("ValueSets include each other too deeply at " + url);
    }
    JsonObject vs = valueSet(profiles, url);
    JsonObject compose = vs.getAsJsonObject("compose");
    if (compose.has("exclude")) {
      throw new IllegalStateException(url + ": compose.exclude is not compiled to SQL here");
    }
    List<String> any = new ArrayList<>();
    for (JsonElement e : compose.getAsJsonArray("include")) {
      JsonObject include = e.getAsJsonObject();
      List<String> all = new ArrayList<>();
      if (include.has("system")) {
        all.add("code_system = " + literal(include.get("system").getAsString()));
      }
      if (include.has("concept")) {
        List<String> codes = new ArrayList<>();
        for (JsonElement concept : include.getAsJsonArray("concept")) {
          codes.add(literal(concept.getAsJsonObject().get("code").getAsString()));
        }
        all.add("code IN (" + String.join(", ", codes) + ")");
      }
      if (include.has("filter")) {
        for (JsonElement f : include.getAsJsonArray("filter")) {
          all.add(filter(include, f.getAsJsonObject(), url));
        }
      }
      if (include.has("valueSet")) {
        for (JsonElement inner : include.getAsJsonArray("valueSet")) {
          all.add(predicate(profiles, inner.getAsString(), depth + 1));
        }
      }
      if (!include.has("concept") && !include.has("filter") && !include.has("valueSet")) {
        throw new IllegalStateException(url + ": a whole code system is not compiled here");
      }
      any.add("(" + String.join(" AND ", all) + ")");
    }
    return "(" + String.join(" OR ", any) + ")";
  }

  private static String filter(JsonObject include, JsonObject f, String url) {
    String system = include.has("system") ? include.get("system").getAsString() : "";
    String op = f.get("op").getAsString();
    String parent = f.get("value").getAsString().replace(".", "");
    String undotted = "replace(code, '.', '')";
    if (ICD_10_CM.equals(system) && "concept".equals(f.get("property").getAsString())) {
      if ("is-a".equals(op)) {
        return undotted + " LIKE " + literal(parent + "%");
      }
      if ("descendent-of".equals(op)) {
        return undotted
            + " LIKE "
            + literal(parent + "%")
            + " AND "
            + undotted
            + " <> "
            + literal(parent);
      }
    }
    throw new IllegalStateException(url + ": filter " + f + " is not compiled to SQL here");
  }

  private static JsonObject valueSet(Path profiles, String url) {
    try (Stream<Path> files = Files.list(profiles)) {
      for (Path file :
          files.filter(p -> p.getFileName().toString().startsWith("ValueSet-")).toList()) {
        JsonObject vs = read(file);
        if (url.equals(vs.get("url").getAsString())) {
          return vs;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no ValueSet " + url + " in " + profiles);
  }

  private static String kind(JsonObject characteristic) {
    JsonArray codings = characteristic.getAsJsonObject("code").getAsJsonArray("coding");
    for (JsonElement e : codings) {
      JsonObject coding = e.getAsJsonObject();
      if (KIND.equals(coding.get("system").getAsString())) {
        return coding.get("code").getAsString();
      }
    }
    return "";
  }

  private static JsonObject extension(JsonObject element, String url) {
    if (!element.has("extension")) {
      return null;
    }
    for (JsonElement e : element.getAsJsonArray("extension")) {
      if (url.equals(e.getAsJsonObject().get("url").getAsString())) {
        return e.getAsJsonObject();
      }
    }
    return null;
  }

  static String literal(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private static JsonObject read(Path file) {
    try {
      return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
