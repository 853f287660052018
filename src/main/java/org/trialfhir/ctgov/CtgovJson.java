package org.trialfhir.ctgov;

import ca.uhn.fhir.parser.DataFormatException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.DateTimeType;

/**
 * Reading a registry record's JSON: every field may be absent, and a field of the wrong shape is an
 * error in the record (an {@link IllegalArgumentException} naming it), never silently skipped.
 */
final class CtgovJson {

  private CtgovJson() {}

  /** A text field unescaped and stripped; {@code fallback} when absent or blank. */
  static String text(JsonNode node, String field, String fallback) {
    JsonNode value = node.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return fallback;
    }
    if (!value.isTextual() && !value.isNumber() && !value.isBoolean()) {
      throw new IllegalArgumentException(
          "field '" + field + "' must be a string, not " + value.getNodeType());
    }
    String text = CriteriaText.unescape(value.asText()).strip();
    return text.isEmpty() ? fallback : text;
  }

  /** A module of protocolSection: absent is fine, anything but an object is an error. */
  static JsonNode module(JsonNode protocolSection, String name) {
    JsonNode value = protocolSection.path(name);
    if (!value.isMissingNode() && !value.isNull() && !value.isObject()) {
      throw new IllegalArgumentException(
          "protocolSection." + name + " must be an object, not " + value.getNodeType());
    }
    return value;
  }

  static JsonNode object(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (!value.isObject()) {
      throw new IllegalArgumentException("'" + field + "' must be an object");
    }
    return value;
  }

  static List<JsonNode> array(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw new IllegalArgumentException(
          "field '" + field + "' must be an array, not " + value.getNodeType());
    }
    List<JsonNode> items = new ArrayList<>();
    value.forEach(items::add);
    return items;
  }

  /** A registry date (YYYY, YYYY-MM or YYYY-MM-DD); anything else is an error in the record. */
  static Optional<DateTimeType> date(String value, String field) {
    if (value == null) {
      return Optional.empty();
    }
    try {
      if (value.matches("\\d{4}(-\\d{2}(-\\d{2})?)?")) {
        return Optional.of(new DateTimeType(value));
      }
    } catch (DataFormatException impossible) {
      // reported below
    }
    throw new IllegalArgumentException(
        "protocolSection.statusModule." + field + " '" + value + "' is not a valid date");
  }
}
