package org.trialfhir.screeninglog;

import java.util.List;
import java.util.stream.Collectors;

/**
 * CSV as RFC 4180 writes it (CRLF line ends, fields with a comma, quote or line break quoted,
 * quotes doubled), with cells a spreadsheet would run as a formula made inert: one starting with =
 * + - @, a tab or a carriage return gets a leading apostrophe (OWASP's advice on CSV injection), as
 * a reason typed by a person may start with anything.
 *
 * <p>A spreadsheet set to a locale whose list separator is ';' (Excel in Dutch or German) or told
 * to split on tabs splits a cell there, whatever the commas and quotes say: its part after the
 * separator is a cell of its own. So a cell holding ';' or a tab is quoted, and every part of it
 * after such a separator that starts as a formula gets the apostrophe too.
 */
final class Csv {

  private static final String FORMULA_START = "=+-@\t\r";

  private Csv() {}

  static String row(List<String> cells) {
    return cells.stream().map(Csv::cell).collect(Collectors.joining(",")) + "\r\n";
  }

  static String cell(String value) {
    if (value == null || value.isEmpty()) {
      return "";
    }
    StringBuilder safe = new StringBuilder(value.length() + 4);
    boolean partStarts = true;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (partStarts && FORMULA_START.indexOf(c) >= 0) {
        safe.append('\'');
      }
      safe.append(c);
      // The cell's start, and the start of what a ';' or tab separated spreadsheet splits off.
      partStarts = c == ';' || c == '\t';
    }
    String text = safe.toString();
    boolean quoted =
        text.indexOf(',') >= 0
            || text.indexOf('"') >= 0
            || text.indexOf('\n') >= 0
            || text.indexOf('\r') >= 0
            || text.indexOf(';') >= 0
            || text.indexOf('\t') >= 0;
    return quoted ? '"' + text.replace("\"", "\"\"") + '"' : text;
  }
}
