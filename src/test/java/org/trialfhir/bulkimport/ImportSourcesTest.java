package org.trialfhir.bulkimport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trialfhir.bulkimport.ImportModels.Line;

/** Where $import may fetch from, and how NDJSON is cut into lines. */
class ImportSourcesTest {

  private static final List<URI> ALLOWED =
      List.of(
          URI.create("https://files.hospital.example/export/"),
          URI.create("http://10.0.0.5:8081/nd"));

  @Test
  void onlyUrlsUnderAnAllowedSourceAreFetched() {
    assertThat(
            ImportSources.allowed("https://files.hospital.example/export/Patient.ndjson", ALLOWED))
        .isTrue();
    assertThat(
            ImportSources.allowed("https://FILES.hospital.example:443/export/a/b.ndjson", ALLOWED))
        .isTrue();
    assertThat(ImportSources.allowed("http://10.0.0.5:8081/nd/x.ndjson", ALLOWED)).isTrue();
    assertThat(ImportSources.allowed("http://10.0.0.5:8081/nd", ALLOWED)).isTrue();
    for (String refused :
        List.of(
            "http://files.hospital.example/export/Patient.ndjson", // other scheme
            "https://files.hospital.example:8443/export/Patient.ndjson", // other port
            "https://files.hospital.example/exports/Patient.ndjson", // other path
            "https://files.hospital.example/export/../admin/x", // out of the path
            "https://files.hospital.example/export/%2e%2e/internal/x", // encoded dot segment
            "https://files.hospital.example/export/%2E%2E/internal/x",
            "https://files.hospital.example/export/.%2E/internal/x",
            "https://files.hospital.example/export/..%2finternal/x", // encoded slash
            "https://files.hospital.example/export/..%2Finternal/x",
            "https://files.hospital.example/export/..%5cinternal/x", // encoded backslash
            "https://files.hospital.example/export/..%5Cinternal/x",
            "https://files.hospital.example/export/..;/admin/x", // path parameter
            "https://files.hospital.example/export/x;jsessionid=1",
            "https://files.hospital.example/export/./x", // dot segment
            "https://files.hospital.example/export/a/..", // dot segment at the end
            "https://files.hospital.example/export/a/../../admin/x",
            "https://files.hospital.example.evil.example/export/x", // other host
            "https://files.hospital.example@evil.example/export/x", // user info
            "https://user@files.hospital.example/export/x",
            "http://10.0.0.5:8081/ndx/y", // prefix of a segment only
            "http://169.254.169.254/latest/meta-data/",
            "file:///etc/passwd",
            "ftp://files.hospital.example/export/x",
            "not a url at all",
            "")) {
      assertThat(ImportSources.allowed(refused, ALLOWED)).as(refused).isFalse();
    }
    assertThat(ImportSources.allowed("https://files.hospital.example/export/x", List.of()))
        .isFalse();
  }

  @Test
  void ownBinariesAreRecognisedRelativeOrUnderTheBase() {
    String base = "http://localhost:8080/fhir";
    assertThat(ImportSources.ownBinary("Binary/abc-1", base)).isEqualTo("Binary/abc-1");
    assertThat(ImportSources.ownBinary(base + "/Binary/abc-1", base)).isEqualTo("Binary/abc-1");
    assertThat(ImportSources.ownBinary(base + "/Binary/abc/_history/2", base))
        .isEqualTo("Binary/abc");
    assertThat(ImportSources.ownBinary("http://other:8080/fhir/Binary/abc", base)).isNull();
    assertThat(ImportSources.ownBinary("Patient/abc", base)).isNull();
    assertThat(ImportSources.ownBinary("Binary/../Patient/x", base)).isNull();
  }

  @Test
  void contentTypesThatAreNdjson() {
    assertThat(ImportSources.ndjson("application/fhir+ndjson")).isTrue();
    assertThat(ImportSources.ndjson("application/x-ndjson; charset=utf-8")).isTrue();
    assertThat(ImportSources.ndjson("application/fhir+json")).isFalse();
    assertThat(ImportSources.ndjson("text/html")).isFalse();
    assertThat(ImportSources.ndjson(null)).isFalse();
  }

  @Test
  void linesAreNumberedAsInTheFileAndAHugeLineIsReportedNotRead() throws Exception {
    String text = "{\"a\":1}\r\n\n  \n" + "x".repeat(50) + "\n{\"b\":2}";
    NdjsonLines lines = new NdjsonLines(new StringReader(text), 20);
    List<Line> read = new ArrayList<>();
    Line line;
    while ((line = lines.next()) != null) {
      read.add(line);
    }
    assertThat(read).hasSize(3);
    assertThat(read.get(0)).isEqualTo(new Line(1, "{\"a\":1}", null));
    assertThat(read.get(1).number()).isEqualTo(4);
    assertThat(read.get(1).json()).isNull();
    assertThat(read.get(1).problem()).contains("50 characters", "limit of 20");
    assertThat(read.get(2)).isEqualTo(new Line(5, "{\"b\":2}", null));
  }
}
