package org.trialfhir.bench.spark;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The only changes made to the views before Pathling runs them: columns whose FHIRPath Pathling
 * 9.4.0 does not implement ({@code type()}, {@code select()}; {@code iif()} neither) get the
 * nearest expression it does, or are left out. Every other column runs as written in
 * fhir-profiles/views/. The set-based criteria read none of these columns.
 */
final class Adaptations {

  private static final Map<String, String> PATHS =
      Map.of(
          // Pathling has neither type() nor iif(): the column is left out of the copy (a reader
          // can tell a Quantity by value_decimal, a coded value by value_codings)
          "value_type", "",
          // the codes only: neither the system nor the '#' that starts each interpretation
          "value_codings", "value.ofType(CodeableConcept).coding.code",
          "interpretations", "interpretation.coding.code");

  private static final List<String> applied = new ArrayList<>();

  private Adaptations() {}

  static String apply(String viewJson) {
    JsonObject view = JsonParser.parseString(viewJson).getAsJsonObject();
    String name = view.get("name").getAsString();
    for (JsonElement select : view.getAsJsonArray("select")) {
      for (JsonElement column : select.getAsJsonObject().getAsJsonArray("column")) {
        JsonObject c = column.getAsJsonObject();
        String replacement = PATHS.get(c.get("name").getAsString());
        if (replacement != null) {
          applied.add(
              "  "
                  + name
                  + "."
                  + c.get("name").getAsString()
                  + ": "
                  + c.get("path").getAsString()
                  + "  ->  "
                  + (replacement.isEmpty() ? "(left out)" : replacement + " (code)"));
          c.addProperty("path", replacement);
          c.addProperty("type", "code"); // what the replacement gives (Pathling checks it)
        }
      }
      select
          .getAsJsonObject()
          .getAsJsonArray("column")
          .asList()
          .removeIf(c -> c.getAsJsonObject().get("path").getAsString().isEmpty());
    }
    return view.toString();
  }

  static List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add(
        applied.isEmpty()
            ? "views run unchanged"
            : "columns adapted for Pathling (every other column as written):");
    lines.addAll(applied);
    return lines;
  }
}
