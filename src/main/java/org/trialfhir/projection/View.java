package org.trialfhir.projection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One SQL on FHIR v2 ViewDefinition of the projection, as read from {@code fhir-profiles/views/}:
 * the resource type it flattens and its columns, each a FHIRPath expression. The subset read here
 * is what the projection's views use: top-level {@code select} elements, each with columns and an
 * optional {@code forEach} or {@code forEachOrNull}, {@code where}, and columns marked {@code
 * collection} (kept as a JSON array of the values as text); anything else is refused at start-up
 * rather than ignored, so that this server and an analytics engine outside it compute the same rows
 * from the same file.
 *
 * @param name the view's name, e.g. {@code trialfhir_condition}
 * @param resource the FHIR resource type it reads
 * @param selects its select elements, whose rows are combined as a cross product
 * @param where FHIRPath conditions a resource must meet to have rows at all
 */
record View(String name, String resource, List<Select> selects, List<String> where) {

  /** A select element: its columns, evaluated on the resource or on each item of forEach. */
  record Select(String forEach, boolean orNull, List<Column> columns) {}

  /**
   * A column: its name in the view (lower case, snake case), its FHIRPath expression, its type, and
   * whether it holds every value the path finds (a collection) rather than at most one.
   */
  record Column(String name, String path, String type, boolean collection) {

    Column(String name, String path, String type) {
      this(name, path, type, false);
    }

    /** The column of the projection's table that holds it. */
    String sqlName() {
      return name.toUpperCase(Locale.ROOT);
    }

    boolean isBoolean() {
      return "boolean".equals(type);
    }
  }

  /** The projection's table for this view: {@code TRIALFHIR_PX_} and the resource type. */
  String table() {
    return "TRIALFHIR_PX_" + resource.toUpperCase(Locale.ROOT);
  }

  /** Every column, in the order of the view. */
  List<Column> columns() {
    return selects.stream().flatMap(s -> s.columns().stream()).toList();
  }

  static View read(InputStream json) {
    try {
      return of(new ObjectMapper().readTree(json));
    } catch (IOException e) {
      throw new UncheckedIOException("A projection view is not valid JSON", e);
    }
  }

  static View of(JsonNode view) {
    String name = view.path("name").asText();
    if (!"ViewDefinition".equals(view.path("resourceType").asText()) || name.isEmpty()) {
      throw new IllegalStateException("Not a named ViewDefinition: " + view);
    }
    List<Select> selects = new ArrayList<>();
    for (JsonNode select : view.path("select")) {
      for (String unsupported : List.of("select", "unionAll", "repeat")) {
        if (select.has(unsupported)) {
          throw new IllegalStateException(
              "View " + name + ": '" + unsupported + "' is not supported by the projection");
        }
      }
      List<Column> columns = new ArrayList<>();
      for (JsonNode column : select.path("column")) {
        columns.add(
            new Column(
                column.path("name").asText(),
                column.path("path").asText(),
                column.path("type").asText("string"),
                column.path("collection").asBoolean(false)));
      }
      String forEach = select.hasNonNull("forEach") ? select.get("forEach").asText() : null;
      String forEachOrNull =
          select.hasNonNull("forEachOrNull") ? select.get("forEachOrNull").asText() : null;
      selects.add(
          new Select(forEach != null ? forEach : forEachOrNull, forEachOrNull != null, columns));
    }
    List<String> where = new ArrayList<>();
    view.path("where").forEach(w -> where.add(w.path("path").asText()));
    View read = new View(name, view.path("resource").asText(), List.copyOf(selects), where);
    if (read.columns().stream().noneMatch(c -> "id".equals(c.name()))) {
      throw new IllegalStateException("View " + name + " has no 'id' column");
    }
    return read;
  }
}
