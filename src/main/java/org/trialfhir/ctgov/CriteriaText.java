package org.trialfhir.ctgov;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a registry's free-text eligibility criteria into inclusion and exclusion items, undoing
 * the registry's markdown escapes ({@code \<}, {@code \>}, {@code \*}).
 */
final class CriteriaText {

  record Item(boolean exclusion, String text) {}

  private static final Pattern HEADING =
      Pattern.compile(
          "^\\s*(?:(?:key|main|major|principal)\\s+)?(inclusion|exclusion)\\s+criteria\\s*:?\\s*$",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern BULLET = Pattern.compile("^\\s*(?:\\d+[.)]|[*•-])\\s+(.*)$");
  private static final Pattern ESCAPE = Pattern.compile("\\\\([\\\\`*_{}\\[\\]()#+\\-.!<>|~])");

  private CriteriaText() {}

  static String unescape(String text) {
    return ESCAPE.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1)));
  }

  static List<Item> split(String criteria) {
    List<Item> items = new ArrayList<>();
    if (criteria == null || criteria.isBlank()) {
      return items;
    }
    boolean exclusion = false;
    StringBuilder current = null;
    // List markers are found in the raw text: an escaped "\*" or "1\." is text, not a marker.
    for (String rawLine : criteria.split("\\R")) {
      String line = rawLine.strip();
      Matcher bullet = BULLET.matcher(line);
      // A heading written as a list item ("* Inclusion Criteria") is still a heading: read as an
      // item, the criteria under it would take the kind of the heading before it.
      Matcher heading = HEADING.matcher(unescape(bullet.matches() ? bullet.group(1) : line));
      if (heading.matches()) {
        add(items, exclusion, current);
        current = null;
        exclusion = heading.group(1).equalsIgnoreCase("exclusion");
        continue;
      }
      if (line.isEmpty()) {
        continue;
      }
      if (bullet.matches()) {
        add(items, exclusion, current);
        current = new StringBuilder(unescape(bullet.group(1).strip()));
      } else if (current != null) {
        current.append(' ').append(unescape(line));
      } else {
        current = new StringBuilder(unescape(line));
      }
    }
    add(items, exclusion, current);
    return items;
  }

  private static void add(List<Item> items, boolean exclusion, StringBuilder text) {
    if (text != null && !text.isEmpty()) {
      items.add(new Item(exclusion, text.toString()));
    }
  }
}
