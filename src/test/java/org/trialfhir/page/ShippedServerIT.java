package org.trialfhir.page;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.trialfhir.TrialFhirApplication;

/**
 * The server as a developer or a hospital first meets it: default configuration, so the development
 * token issuer and its sign-in form are on. Against it run, as real outside clients would: the
 * coordinator page in Debian's Chromium driven by playwright-core ({@code e2e/}: standalone
 * sign-in, screening and enrolment, and SMART EHR launch from the development EHR simulator), and
 * the app-developer example built on the npm FHIR client {@code fhir-kit-client} ({@code
 * examples/fhir-kit-client/}). Their Node dependencies are installed by {@code .ci/run}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShippedServerIT {

  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final long TIMEOUT_MINUTES = 6;

  private ConfigurableApplicationContext server;
  private String base;

  @BeforeAll
  void startAsShipped() throws IOException {
    Path data = Files.createTempDirectory("trialfhir-shipped");
    server =
        new SpringApplicationBuilder(TrialFhirApplication.class)
            .run("--server.port=0", "--trialfhir.data-dir=" + data);
    int port = ((WebServerApplicationContext) server).getWebServer().getPort();
    // 127.0.0.1, not localhost: the page's OAuth redirect must be a loopback IP (RFC 8252).
    base = "http://127.0.0.1:" + port;
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyCoordinatorJourneyPassesInChromium() throws Exception {
    Path screenshots = ROOT.resolve("target/e2e-screenshots");
    if (Files.isDirectory(screenshots)) {
      try (var old = Files.list(screenshots)) {
        for (Path shot : old.toList()) {
          Files.delete(shot);
        }
      }
    }
    // Every journey (e2e/*.e2e.mjs), in name order, against this one server.
    List<String> journeys;
    try (var files = Files.list(ROOT.resolve("e2e"))) {
      journeys =
          files
              .map(p -> p.getFileName().toString())
              .filter(name -> name.endsWith(".e2e.mjs"))
              .sorted()
              .toList();
    }
    assertThat(journeys).contains("coordinator.e2e.mjs");
    for (String journey : journeys) {
      String output =
          node(ROOT.resolve("e2e"), Map.of("E2E_SCREENSHOTS", screenshots.toString()), journey);
      assertThat(output).as(journey).contains("# fail 0").containsPattern("# pass [1-9]");
    }
    try (var shots = Files.list(screenshots)) {
      assertThat(shots.filter(p -> p.toString().endsWith(".png")).count())
          .isGreaterThanOrEqualTo(6);
    }
  }

  @Test
  void anUnmodifiedNpmFhirClientFindsStudiesAndScreensAPatient() throws Exception {
    String output = node(ROOT.resolve("examples/fhir-kit-client"), Map.of(), "find-studies.mjs");
    // the studies found with eligible-age and condition:text, then the verdict of the new patient
    assertThat(output).contains("nct06407297", "$eligibility of Patient/", "inc-age");
  }

  /** Runs a Node script against the server; fails with its output unless it exits 0. */
  private String node(Path directory, Map<String, String> environment, String script)
      throws IOException, InterruptedException {
    assertThat(directory.resolve("node_modules"))
        .as("Node dependencies of %s: run `npm ci` there (.ci/run does)", directory)
        .isDirectory();
    List<String> command = new ArrayList<>(List.of("node", script));
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
    builder.environment().put("TRIALFHIR_BASE_URL", base);
    builder.environment().putAll(environment);
    builder.redirectErrorStream(true);
    Path log = Files.createTempFile("node-", ".log");
    builder.redirectOutput(log.toFile());
    Process process = builder.start();
    boolean finished = process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
    if (!finished) {
      process.destroyForcibly();
    }
    String output = Files.readString(log);
    System.out.println(output);
    assertThat(finished)
        .as("%s still running after %d min:%n%s", script, TIMEOUT_MINUTES, output)
        .isTrue();
    assertThat(process.exitValue()).as("%s exit code; output:%n%s", script, output).isZero();
    return output;
  }
}
