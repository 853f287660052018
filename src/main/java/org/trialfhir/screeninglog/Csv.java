package org.trialfhir.screeninglog;

import java.util.List;
import java.util.stream.Collectors;

/**
 * CSV as RFC 4180 writes it (CRLF line ends, fields with a comma, quote or line break quoted,
 * quotes doubled), with cells a spreadsheet would run as a formula made inert: one starting with =
 * + - @, a tab or a carriage return gets a leading apostrophe (OWASP's advice on CSV injection), as
 * a reason typed by a person may start with anything.
 */
final class Csv {

  private Csv() {}

  static String row(List<String> cells) {
    return cells.stream().map(Csv::cell).collect(Collectors.joining(",")) + "\r\n";
  }

  static String cell(String value) {
    if (value == null || value.isEmpty()) {
      return "";
    }
    String safe = "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
    boolean quoted =
        safe.indexOf(',') >= 0
            || safe.indexOf('"') >= 0
            || safe.indexOf('\n') >= 0
            || safe.indexOf('\r') >= 0;
    return quoted ? '"' + safe.replace("\"", "\"\"") + '"' : safe;
  }
}
