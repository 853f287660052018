package org.trialfhir.projection;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** How a collection column is kept in its table: a JSON array of the values as text. */
final class JsonLists {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

  private JsonLists() {}

  static String write(List<String> values) {
    try {
      return JSON.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The values of a collection column; none when it is null. */
  static List<String> read(String json) {
    if (json == null) {
      return List.of();
    }
    try {
      return JSON.readValue(json, STRINGS);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Not a collection column's value: " + json, e);
    }
  }
}
