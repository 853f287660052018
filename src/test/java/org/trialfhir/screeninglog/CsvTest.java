package org.trialfhir.screeninglog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvTest {

  @Test
  void plainCellsStayAsTheyAre() {
    assertThat(Csv.row(List.of("a1b2", "2026-12-07T10:00:00Z", "screen-failure")))
        .isEqualTo("a1b2,2026-12-07T10:00:00Z,screen-failure\r\n");
    assertThat(Csv.cell(null)).isEmpty();
  }

  @Test
  void commasQuotesAndLineBreaksAreQuoted() {
    assertThat(Csv.cell("HbA1c 10.2 %, above 9 %")).isEqualTo("\"HbA1c 10.2 %, above 9 %\"");
    assertThat(Csv.cell("said \"no\"")).isEqualTo("\"said \"\"no\"\"\"");
    assertThat(Csv.cell("line one\nline two")).isEqualTo("\"line one\nline two\"");
    assertThat(Csv.cell("cr\rhere")).isEqualTo("\"cr\rhere\"");
  }

  @Test
  void aCellASpreadsheetWouldRunAsAFormulaIsMadeText() {
    assertThat(Csv.cell("=HYPERLINK(\"http://x\")")).isEqualTo("\"'=HYPERLINK(\"\"http://x\"\")\"");
    assertThat(Csv.cell("+1")).isEqualTo("'+1");
    assertThat(Csv.cell("-2+3")).isEqualTo("'-2+3");
    assertThat(Csv.cell("@SUM(A1)")).isEqualTo("'@SUM(A1)");
    assertThat(Csv.cell("\tx")).isEqualTo("\"'\tx\"");
    assertThat(Csv.cell("a=b")).as("only a leading sign").isEqualTo("a=b");
  }

  @Test
  void aFormulaAfterASemicolonOrTabIsMadeTextForSpreadsheetsThatSplitThere() {
    // Excel in a Dutch or German locale splits on ';': the part after it would be a cell of its
    // own.
    assertThat(Csv.cell("HbA1c high;=HYPERLINK(\"http://x\")"))
        .isEqualTo("\"HbA1c high;'=HYPERLINK(\"\"http://x\"\")\"");
    assertThat(Csv.cell("a;+1;-2;@A1")).isEqualTo("\"a;'+1;'-2;'@A1\"");
    assertThat(Csv.cell("a\t=1")).isEqualTo("\"a\t'=1\"");
    assertThat(Csv.cell("=1;=2")).isEqualTo("\"'=1;'=2\"");
    assertThat(Csv.cell("lives far; no car"))
        .as("quoted, not changed")
        .isEqualTo("\"lives far; no car\"");
    assertThat(Csv.cell("a=b;c")).isEqualTo("\"a=b;c\"");
  }

  @Test
  void everyPartOfEveryCellStartsAsTextWhateverTheSeparator() {
    String row = Csv.row(List.of("s1", "x;=cmd|' /C calc'!A0", "\t-2", "ok"));
    for (String separator : List.of(",", ";", "\t")) {
      for (String part : row.strip().split(separator)) {
        String cell = part.startsWith("\"") ? part.substring(1) : part;
        assertThat(cell).as("split on '%s'", separator).doesNotStartWith("=").doesNotStartWith("-");
      }
    }
  }

  @Test
  void theLogHasAHeaderAndOneRowPerEntry() {
    String csv =
        ScreeningLog.csv(
            List.of(
                new ScreeningLog.Entry(
                    "s1",
                    Instant.parse("2026-12-07T09:00:00Z"),
                    "coordinator-page coordinator",
                    ScreeningStatus.CONTACTED,
                    null),
                new ScreeningLog.Entry(
                    "s1",
                    Instant.parse("2026-12-07T10:00:00Z"),
                    "coordinator-page coordinator",
                    ScreeningStatus.SCREEN_FAILURE,
                    "=HbA1c 10.2 %, above 9 %")));
    assertThat(csv.split("\r\n"))
        .containsExactly(
            "screening_id,recorded,recorded_by,status,status_text,subject_status,reason",
            "s1,2026-12-07T09:00:00Z,coordinator-page coordinator,contacted,Contacted,candidate,",
            "s1,2026-12-07T10:00:00Z,coordinator-page coordinator,screen-failure,Screen"
                + " failure,ineligible,\"'=HbA1c 10.2 %, above 9 %\"");
  }
}
