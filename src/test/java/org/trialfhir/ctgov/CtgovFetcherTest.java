package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Against a stand-in registry on loopback: the fetch path without the internet. */
class CtgovFetcherTest {

  private HttpServer registry;
  private String requestedPath;

  @BeforeEach
  void startRegistry() throws IOException {
    registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    registry.createContext(
        "/api/v2/studies/",
        exchange -> {
          requestedPath = exchange.getRequestURI().toString();
          boolean known = requestedPath.contains("NCT01234567");
          byte[] body =
              (known ? "{\"protocolSection\":{}}" : "{}").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(known ? 200 : 404, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    registry.start();
  }

  @AfterEach
  void stopRegistry() {
    registry.stop(0);
  }

  private CtgovFetcher fetcher(boolean enabled) {
    URI base = URI.create("http://127.0.0.1:" + registry.getAddress().getPort() + "/api/v2/");
    return new CtgovFetcher(new CtgovProperties(enabled, base, Duration.ofSeconds(5)));
  }

  @Test
  void readsTheRecordFromTheConfiguredBase() {
    assertThat(fetcher(true).fetch("NCT01234567")).isEqualTo("{\"protocolSection\":{}}");
    assertThat(requestedPath).isEqualTo("/api/v2/studies/NCT01234567?format=json");
  }

  @Test
  void saysWhatWentWrong() {
    assertThat(fetcher(false).enabled()).isFalse();
    assertThatThrownBy(() -> fetcher(true).fetch("NCT07654321"))
        .hasMessageContaining("answered 404");
    assertThatThrownBy(() -> fetcher(true).fetch("12345")).hasMessageContaining("not an NCT id");
  }

  @Test
  void changedRecordsAreAskedByIdsAndLastUpdateDateAcrossPages() {
    RegistryStandIn standIn = new RegistryStandIn();
    try {
      for (String[] r :
          new String[][] {
            {"NCT90000001", "2024-01-10"},
            {"NCT90000002", "2024-06-01"},
            {"NCT90000003", "2024-06-02"},
            {"NCT90000004", "2024-07-01"}
          }) {
        var record = RegistryStandIn.sample("NCT05742243.json", r[0]);
        RegistryStandIn.lastUpdate(record, r[1]);
        standIn.put(record);
      }
      standIn.maxPageSize(1);
      CtgovFetcher fetcher =
          new CtgovFetcher(
              new CtgovProperties(true, URI.create(standIn.base()), Duration.ofSeconds(5)));

      var changed =
          fetcher.changedSince(
              java.util.List.of("NCT90000001", "NCT90000002", "NCT90000003"),
              java.time.LocalDate.parse("2024-06-01"));

      assertThat(changed)
          .extracting(RegistryStandIn::nctId)
          .containsExactly("NCT90000002", "NCT90000003");
      assertThat(standIn.requests())
          .as("two pages of one")
          .hasSize(2)
          .allSatisfy(
              q ->
                  assertThat(q)
                      .contains("filter.ids=NCT90000001,NCT90000002,NCT90000003")
                      .contains("filter.advanced=AREA[LastUpdatePostDate]RANGE[2024-06-01,MAX]"));
      assertThat(standIn.requests().get(1)).contains("pageToken=1");
    } finally {
      standIn.stop();
    }
  }

  @Test
  void eachKindOfBadAnswerIsNamed() {
    RegistryStandIn standIn = new RegistryStandIn();
    try {
      standIn.fail("NCT90000011", RegistryStandIn.Failure.SERVER_ERROR);
      standIn.fail("NCT90000012", RegistryStandIn.Failure.SLOW);
      standIn.fail("NCT90000013", RegistryStandIn.Failure.NOT_JSON);
      CtgovFetcher fetcher =
          new CtgovFetcher(
              new CtgovProperties(true, URI.create(standIn.base()), Duration.ofSeconds(1)));
      assertThat(failure(fetcher, "NCT90000010").type())
          .isEqualTo(org.hl7.fhir.r4.model.OperationOutcome.IssueType.NOTFOUND);
      assertThat(failure(fetcher, "NCT90000011").type())
          .isEqualTo(org.hl7.fhir.r4.model.OperationOutcome.IssueType.TRANSIENT);
      CtgovFetcher.RegistryError slow = failure(fetcher, "NCT90000012");
      assertThat(slow.type()).isEqualTo(org.hl7.fhir.r4.model.OperationOutcome.IssueType.TIMEOUT);
      assertThat(slow).hasMessageContaining("did not answer within");
      CtgovFetcher.RegistryError html = failure(fetcher, "NCT90000013");
      assertThat(html.type()).isEqualTo(org.hl7.fhir.r4.model.OperationOutcome.IssueType.INVALID);
      assertThat(html).hasMessageContaining("not JSON");
    } finally {
      standIn.stop();
    }
  }

  private static CtgovFetcher.RegistryError failure(CtgovFetcher fetcher, String nctId) {
    try {
      fetcher.fetch(nctId);
    } catch (CtgovFetcher.RegistryError e) {
      return e;
    }
    throw new AssertionError("no error for " + nctId);
  }

  @Test
  void anUnusableConfigurationStopsTheStart() {
    assertThatThrownBy(
            () ->
                new CtgovProperties(
                    true, URI.create("clinicaltrials.gov/api/v2"), Duration.ofSeconds(5)))
        .hasMessageContaining("absolute http(s) URL");
    assertThatThrownBy(
            () ->
                new CtgovProperties(
                    true, URI.create("ftp://example.org/api"), Duration.ofSeconds(5)))
        .hasMessageContaining("absolute http(s) URL");
    assertThatThrownBy(() -> new CtgovProperties.Sync(true, Duration.ofSeconds(30), ""))
        .hasMessageContaining("at least 1m");
    assertThatThrownBy(() -> new CtgovProperties.Sync(true, Duration.ofHours(1), "every night"))
        .hasMessageContaining("not a valid cron expression");
    CtgovProperties.Sync nightly =
        new CtgovProperties.Sync(true, Duration.ofHours(24), "0 0 3 * * *");
    assertThatThrownBy(
            () ->
                new CtgovProperties(
                    false,
                    URI.create("https://clinicaltrials.gov/api/v2"),
                    Duration.ofSeconds(5),
                    nightly))
        .hasMessageContaining("needs trialfhir.ctgov.fetch-enabled=true");
    assertThat(
            new CtgovProperties(
                    true,
                    URI.create("https://clinicaltrials.gov/api/v2"),
                    Duration.ofSeconds(5),
                    nightly)
                .sync()
                .cron())
        .isEqualTo("0 0 3 * * *");
  }

  private CtgovFetcher fetcherAt(String path, Duration timeout, long maxBytes) {
    URI base = URI.create("http://127.0.0.1:" + registry.getAddress().getPort() + path);
    return new CtgovFetcher(
        new CtgovProperties(
            true,
            base,
            timeout,
            DataSize.ofBytes(maxBytes),
            50,
            new CtgovProperties.Sync(false, Duration.ofDays(1), "")));
  }

  /** Serves a record of about {@code size} bytes, with its length declared or sent chunked. */
  private void serveRecordOf(String path, int size, boolean declared) {
    registry.createContext(
        path,
        exchange -> {
          String padding = "x".repeat(Math.max(0, size - 40));
          byte[] body =
              ("{\"protocolSection\":{},\"pad\":\"" + padding + "\"}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, declared ? body.length : 0);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
  }

  @Test
  void anAnswerLargerThanTheLimitIsRefusedNotRead() {
    serveRecordOf("/declared/studies/", 4096, true);
    serveRecordOf("/chunked/studies/", 4096, false);
    serveRecordOf("/small/studies/", 1000, false);

    for (String path : List.of("/declared", "/chunked")) {
      CtgovFetcher.RegistryError tooLarge =
          failure(fetcherAt(path, Duration.ofSeconds(5), 2048), "NCT01234567");
      assertThat(tooLarge.type()).as(path).isEqualTo(IssueType.TOOCOSTLY);
      assertThat(tooLarge)
          .hasMessageContaining("larger than trialfhir.ctgov.max-response-bytes (2048 bytes)");
    }
    assertThat(fetcherAt("/small", Duration.ofSeconds(5), 2048).fetch("NCT01234567"))
        .startsWith("{\"protocolSection\":{}");
  }

  @Test
  void aBodySentTooSlowlyTimesOut() {
    registry.createContext(
        "/trickle/studies/",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          exchange
              .getResponseBody()
              .write("{\"protocolSection\":".getBytes(StandardCharsets.UTF_8));
          exchange.getResponseBody().flush();
          try {
            Thread.sleep(4000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.close();
        });
    long started = System.nanoTime();
    CtgovFetcher.RegistryError slow =
        failure(fetcherAt("/trickle", Duration.ofSeconds(1), 1 << 20), "NCT01234567");
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(slow.type()).isEqualTo(IssueType.TIMEOUT);
    assertThat(tookMillis).as("headers came at once; the body's time counts").isLessThan(3000);
  }

  @Test
  void aSearchTakesNoMorePagesThanItsIdsNeed() {
    assertThat(CtgovFetcher.maxPages(1)).isEqualTo(2);
    assertThat(CtgovFetcher.maxPages(100)).isEqualTo(2);
    assertThat(CtgovFetcher.maxPages(101)).isEqualTo(3);
    List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    registry.createContext(
        "/endless/studies",
        exchange -> {
          asked.add(exchange.getRequestURI().toString());
          byte[] body =
              "{\"studies\":[],\"nextPageToken\":\"more\"}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });

    CtgovFetcher fetcher = fetcherAt("/endless", Duration.ofSeconds(5), 1 << 20);
    assertThatThrownBy(() -> fetcher.changedSince(List.of("NCT90000001"), null))
        .isInstanceOf(CtgovFetcher.RegistryError.class)
        .hasMessageContaining("further pages (over 2 for 1 ids)");
    assertThat(asked).hasSize(2);
  }

  @Test
  void plainHttpIsOnlyForThisMachine() {
    assertThatThrownBy(
            () ->
                new CtgovProperties(
                    true, URI.create("http://clinicaltrials.gov/api/v2"), Duration.ofSeconds(5)))
        .hasMessageContaining("must use https");
    assertThatThrownBy(
            () ->
                new CtgovProperties(
                    true, URI.create("http://127.example.org/api/v2"), Duration.ofSeconds(5)))
        .hasMessageContaining("must use https");
    for (String allowed :
        List.of(
            "https://clinicaltrials.gov/api/v2",
            "http://localhost:8089/api/v2",
            "http://127.0.0.1:8089/api/v2",
            "http://[::1]:8089/api/v2")) {
      assertThat(new CtgovProperties(true, URI.create(allowed), Duration.ofSeconds(5)).apiBaseUrl())
          .hasToString(allowed);
    }
    assertThatThrownBy(
            () ->
                new CtgovProperties(
                    true,
                    URI.create("https://clinicaltrials.gov/api/v2"),
                    Duration.ofSeconds(5),
                    DataSize.ofBytes(100),
                    50,
                    new CtgovProperties.Sync(false, Duration.ofDays(1), "")))
        .hasMessageContaining("max-response-bytes must be at least 1KB");
  }
}
