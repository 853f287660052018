package org.trialfhir.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail survives a crash: the packaged server ({@code target/trialfhir.jar}, a JVM of its
 * own, default configuration on an H2 file database, without the seed trials) takes small
 * transactions from three clients, is killed with SIGKILL in the middle of them, and is started
 * again on the same files. Every write a client was told succeeded (200) must be there, and must
 * have its AuditEvent naming the client, once the outbox relay has caught up after the restart.
 */
class AuditCrashIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path JAR = Path.of("target", "trialfhir.jar").toAbsolutePath();
  private static final String CLIENT = "developer";
  private static final int WRITERS = 3;
  private static final Duration LOAD = Duration.ofSeconds(8);

  /** About 45 s on an idle 2-core machine; far more when other builds share it. */
  private static final Duration START_TIMEOUT = Duration.ofMinutes(6);

  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(90);

  @TempDir Path dataDir;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Process server;

  /** A write the server acknowledged: the ids of the transaction's Patient and Observation. */
  private record Acknowledged(String patient, String observation) {}

  @AfterEach
  void stopServer() throws InterruptedException {
    if (server != null && server.isAlive()) {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  @Test
  void everyAcknowledgedWriteHasItsAuditEventAfterAKill9() throws Exception {
    assertThat(JAR).as("the packaged server (mvn package runs before the ITs)").exists();
    int port = freePort();
    String base = "http://127.0.0.1:" + port;

    server = start(port, "first");
    String token = token(base);
    ConcurrentLinkedQueue<Acknowledged> acknowledged = new ConcurrentLinkedQueue<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Thread> writers = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      Thread writer = new Thread(() -> writeUntilStopped(base, token, writing, acknowledged));
      writer.start();
      writers.add(writer);
    }
    Thread.sleep(LOAD.toMillis());
    // SIGKILL while the clients are still writing: no shutdown hook, nothing flushed.
    server.destroyForcibly().waitFor();
    writing.set(false);
    for (Thread writer : writers) {
      writer.join(30_000);
    }
    assertThat(acknowledged).as("writes acknowledged before the kill").isNotEmpty();

    // A port of its own: the killed server's may linger in TIME_WAIT.
    int restartPort = freePort();
    String restarted = "http://127.0.0.1:" + restartPort;
    server = start(restartPort, "second");
    String auditor = token(restarted);
    Set<String> patients = ids(restarted, auditor, "Patient?_elements=id&_count=500");
    Set<String> observations = ids(restarted, auditor, "Observation?_elements=id&_count=500");
    for (Acknowledged write : acknowledged) {
      assertThat(patients).as("acknowledged Patient is stored").contains(write.patient());
      assertThat(observations)
          .as("acknowledged Observation is stored")
          .contains(write.observation());
    }

    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    Set<String> audited = auditedCreates(restarted, auditor);
    List<String> missing = missing(acknowledged, audited);
    while (!missing.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      audited = auditedCreates(restarted, auditor);
      missing = missing(acknowledged, audited);
    }
    int writes = acknowledged.size() * 2;
    System.out.printf(
        "AuditCrashIT: %d acknowledged transactions (%d resources written); with an AuditEvent"
            + " naming client '%s': %d; without: %d %s%n",
        acknowledged.size(), writes, CLIENT, writes - missing.size(), missing.size(), missing);
    assertThat(missing).as("acknowledged writes without an AuditEvent after the crash").isEmpty();
  }

  private void writeUntilStopped(
      String base,
      String token,
      AtomicBoolean writing,
      ConcurrentLinkedQueue<Acknowledged> acknowledged) {
    while (writing.get()) {
      String patient = "urn:uuid:" + UUID.randomUUID();
      String bundle =
          """
          {"resourceType":"Bundle","type":"transaction","entry":[
            {"fullUrl":"%s","resource":{"resourceType":"Patient",
              "name":[{"family":"Crash"}],"birthDate":"2015-03-01"},
             "request":{"method":"POST","url":"Patient"}},
            {"resource":{"resourceType":"Observation","status":"final",
              "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
              "subject":{"reference":"%s"},"effectiveDateTime":"2026-10-02",
              "valueQuantity":{"value":7.4,"unit":"%%","system":"http://unitsofmeasure.org",
                "code":"%%"}},
             "request":{"method":"POST","url":"Observation"}}]}
          """
              .formatted(patient, patient);
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/fhir"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/fhir+json")
                    .header("Accept", "application/fhir+json")
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(bundle))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          JsonNode entries = JSON.readTree(response.body()).path("entry");
          acknowledged.add(
              new Acknowledged(
                  idOf(entries.path(0).path("response").path("location").asText()),
                  idOf(entries.path(1).path("response").path("location").asText())));
        }
      } catch (IOException e) {
        // The server is gone (killed): this write was not acknowledged.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** {@code Patient/12/_history/1} to {@code Patient/12}. */
  private static String idOf(String location) {
    String[] parts = location.split("/");
    return parts[0] + "/" + parts[1];
  }

  private static List<String> missing(Iterable<Acknowledged> acknowledged, Set<String> audited) {
    List<String> missing = new ArrayList<>();
    for (Acknowledged write : acknowledged) {
      for (String resource : List.of(write.patient(), write.observation())) {
        if (!audited.contains(resource)) {
          missing.add(resource);
        }
      }
    }
    return missing;
  }

  /**
   * Resources named by a create AuditEvent (action C; BALP's subtype is the request's interaction,
   * here {@code transaction}) whose client agent is {@link #CLIENT}.
   */
  private Set<String> auditedCreates(String base, String token) throws Exception {
    Set<String> audited = new HashSet<>();
    for (JsonNode event : resources(base, token, "AuditEvent?action=C&_count=500")) {
      boolean byClient = false;
      for (JsonNode agent : event.path("agent")) {
        byClient |= CLIENT.equals(agent.path("who").path("identifier").path("value").asText());
      }
      if (!byClient) {
        continue;
      }
      Set<String> named = new HashSet<>();
      for (JsonNode entity : event.path("entity")) {
        String reference = entity.path("what").path("reference").asText();
        if (reference.contains("/_history/")) {
          named.add(idOf(reference));
        }
      }
      // An Observation's event names its patient too: it counts for the Observation only.
      List<String> observations =
          named.stream().filter(id -> id.startsWith("Observation/")).toList();
      audited.addAll(observations.isEmpty() ? named : observations);
    }
    return audited;
  }

  private Set<String> ids(String base, String token, String search) throws Exception {
    Set<String> ids = new HashSet<>();
    for (JsonNode resource : resources(base, token, search)) {
      ids.add(resource.path("resourceType").asText() + "/" + resource.path("id").asText());
    }
    return ids;
  }

  /** Every resource of a search, following the next links. */
  private List<JsonNode> resources(String base, String token, String search) throws Exception {
    List<JsonNode> resources = new ArrayList<>();
    String url = base + "/fhir/" + search;
    while (url != null) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Authorization", "Bearer " + token)
                  .header("Accept", "application/fhir+json")
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("%s: %s", url, response.body()).isEqualTo(200);
      JsonNode bundle = JSON.readTree(response.body());
      bundle.path("entry").forEach(entry -> resources.add(entry.path("resource")));
      url = null;
      for (JsonNode link : bundle.path("link")) {
        if ("next".equals(link.path("relation").asText())) {
          url = link.path("url").asText();
        }
      }
    }
    return resources;
  }

  /**
   * The packaged server in a JVM of its own, on this test's data folder; waits until it answers.
   */
  private Process start(int port, String run) throws Exception {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path log = Path.of("target", "audit-crash-" + run + ".log").toAbsolutePath();
    Process process =
        new ProcessBuilder(
                java,
                "-Xmx1g",
                "-jar",
                JAR.toString(),
                "--server.port=" + port,
                "--server.address=127.0.0.1",
                "--trialfhir.data-dir=" + dataDir,
                // The seed trials are not needed here, and loading them is most of the start-up.
                "--trialfhir.seed.enabled=false")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(process.isAlive())
          .as("server (%s run) exited; see %s:%n%s", run, log, tail(log))
          .isTrue();
      try {
        HttpResponse<String> readiness =
            http.send(
                // Ready once the start-up runners (seed studies, profiles) are done, not before.
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (readiness.statusCode() == 200) {
          return process;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(500);
    }
    process.destroyForcibly();
    throw new AssertionError("server (" + run + " run) did not start in " + START_TIMEOUT);
  }

  /** A token from the development issuer (the default configuration has no identity provider). */
  private String token(String base) throws Exception {
    String basic =
        Base64.getEncoder()
            .encodeToString((CLIENT + ":developer-secret").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&scope=system/*.cruds"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).path("access_token").asText();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
