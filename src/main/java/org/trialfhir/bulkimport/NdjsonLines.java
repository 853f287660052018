package org.trialfhir.bulkimport;

import java.io.IOException;
import java.io.Reader;
import org.trialfhir.bulkimport.ImportModels.Line;

/**
 * Reads NDJSON one line at a time, never holding more than {@code maxLength} characters of a line:
 * a longer line is skipped to its end and returned as a problem, so that one huge line can neither
 * exhaust memory nor be silently dropped. Blank lines are skipped but counted, so that line numbers
 * are the file's.
 */
final class NdjsonLines {

  private final Reader reader;
  private final int maxLength;
  private final StringBuilder line = new StringBuilder();
  private int number;
  private boolean ended;

  NdjsonLines(Reader reader, int maxLength) {
    this.reader = reader;
    this.maxLength = maxLength;
  }

  /** The next non-blank line, or null at the end of the file. */
  Line next() throws IOException {
    while (!ended) {
      line.setLength(0);
      long length = 0;
      int c;
      while ((c = reader.read()) != -1 && c != '\n') {
        length++;
        if (length <= maxLength) {
          line.append((char) c);
        }
      }
      if (c == -1) {
        ended = true;
        if (length == 0) {
          return null;
        }
      }
      number++;
      if (length > maxLength) {
        return new Line(
            number,
            null,
            "line "
                + number
                + " is "
                + length
                + " characters long, over the limit of "
                + maxLength
                + " (trialfhir.bulk-import.max-line-length); it was not read");
      }
      String text = line.toString().strip();
      if (!text.isEmpty()) {
        return new Line(number, text, null);
      }
    }
    return null;
  }

  /** The number of the last line read. */
  int lineNumber() {
    return number;
  }
}
