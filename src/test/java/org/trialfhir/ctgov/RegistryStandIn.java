package org.trialfhir.ctgov;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A ClinicalTrials.gov API v2 stand-in on loopback, so that no test needs the internet: {@code GET
 * /api/v2/studies/{nctId}} and {@code GET /api/v2/studies} with {@code filter.ids}, {@code
 * filter.advanced=AREA[LastUpdatePostDate]RANGE[date,MAX]}, {@code pageSize} and {@code pageToken},
 * answered from the records it is given, as the registry answers. Records can be made to fail: 500,
 * an answer slower than any timeout, or a body that is not JSON.
 */
final class RegistryStandIn {

  enum Failure {
    SERVER_ERROR,
    SLOW,
    NOT_JSON
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RANGE =
      Pattern.compile("AREA\\[LastUpdatePostDate\\]RANGE\\[(\\d{4}-\\d{2}-\\d{2}),MAX\\]");

  private final HttpServer server;
  private final Map<String, ObjectNode> records = new ConcurrentHashMap<>();
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private volatile int maxPageSize = 1000;
  private volatile boolean searchesFail;
  private volatile CountDownLatch searchGate;
  private final Semaphore searchesArrived = new Semaphore(0);

  RegistryStandIn() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/api/v2/studies", this::answer);
    server.start();
  }

  /** The API base to configure, e.g. http://127.0.0.1:1234/api/v2. */
  String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v2";
  }

  void stop() {
    server.stop(0);
  }

  /** Holds (or replaces) a record, as the registry does when a sponsor posts an update. */
  void put(ObjectNode record) {
    records.put(nctId(record), record.deepCopy());
  }

  void fail(String nctId, Failure failure) {
    failures.put(nctId, failure);
  }

  /** Searches answer 503 (the registry is down for maintenance) until told otherwise. */
  void failSearches(boolean fail) {
    searchesFail = fail;
  }

  /** Searches wait (up to 10 s) until {@link #releaseSearches()}: a sync caught in the middle. */
  void holdSearches() {
    searchesArrived.drainPermits();
    searchGate = new CountDownLatch(1);
  }

  void releaseSearches() {
    CountDownLatch gate = searchGate;
    searchGate = null;
    if (gate != null) {
      gate.countDown();
    }
  }

  /** Whether a search arrived (since {@link #holdSearches()}) within this time. */
  boolean searchArrives(Duration within) throws InterruptedException {
    return searchesArrived.tryAcquire(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** At most this many studies per page, whatever pageSize asks (to exercise paging). */
  void maxPageSize(int size) {
    maxPageSize = size;
  }

  /** The path and query of every request so far, decoded. */
  List<String> requests() {
    return List.copyOf(requests);
  }

  void clearRequests() {
    requests.clear();
  }

  /** A sample record (test resources ctgov/registry/), under another NCT id. */
  static ObjectNode sample(String file, String nctId) {
    try (InputStream in = RegistryStandIn.class.getResourceAsStream("/ctgov/registry/" + file)) {
      ObjectNode record = (ObjectNode) JSON.readTree(in);
      ((ObjectNode) record.path("protocolSection").path("identificationModule"))
          .put("nctId", nctId);
      return record;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String nctId(JsonNode record) {
    return record.path("protocolSection").path("identificationModule").path("nctId").asText();
  }

  static void lastUpdate(ObjectNode record, String date) {
    ((ObjectNode) record.path("protocolSection").path("statusModule"))
        .putObject("lastUpdatePostDateStruct")
        .put("date", date)
        .put("type", "ACTUAL");
  }

  static void criteria(ObjectNode record, String text) {
    ((ObjectNode) record.path("protocolSection").path("eligibilityModule"))
        .put("eligibilityCriteria", text);
  }

  static String criteria(JsonNode record) {
    return record
        .path("protocolSection")
        .path("eligibilityModule")
        .path("eligibilityCriteria")
        .asText();
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String query = exchange.getRequestURI().getRawQuery();
      Map<String, String> params = params(query);
      requests.add(
          path + (query == null ? "" : "?" + URLDecoder.decode(query, StandardCharsets.UTF_8)));
      if (path.startsWith("/api/v2/studies/")) {
        one(exchange, path.substring("/api/v2/studies/".length()));
      } else if (path.equals("/api/v2/studies")) {
        search(exchange, params);
      } else {
        send(exchange, 404, "{\"message\":\"no such path\"}");
      }
    }
  }

  private void one(HttpExchange exchange, String nctId) throws IOException {
    Failure failure = failures.get(nctId);
    if (failure == Failure.SERVER_ERROR) {
      send(exchange, 500, "{\"message\":\"internal error\"}");
      return;
    }
    if (failure == Failure.SLOW) {
      try {
        Thread.sleep(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failure == Failure.NOT_JSON) {
      send(exchange, 200, "<html><body>Service temporarily unavailable</body></html>");
      return;
    }
    ObjectNode record = records.get(nctId);
    if (record == null) {
      send(exchange, 404, "{\"message\":\"Study not found: " + nctId + "\"}");
      return;
    }
    send(exchange, 200, JSON.writeValueAsString(record));
  }

  private void search(HttpExchange exchange, Map<String, String> params) throws IOException {
    searchesArrived.release();
    CountDownLatch gate = searchGate;
    if (gate != null) {
      try {
        gate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (searchesFail) {
      send(exchange, 503, "{\"message\":\"down for maintenance\"}");
      return;
    }
    Set<String> ids =
        params.containsKey("filter.ids")
            ? Arrays.stream(params.get("filter.ids").split("[,|]"))
                .map(String::strip)
                .collect(Collectors.toSet())
            : records.keySet();
    LocalDate since = null;
    String advanced = params.get("filter.advanced");
    if (advanced != null) {
      Matcher m = RANGE.matcher(advanced);
      if (!m.matches()) {
        send(exchange, 400, "{\"message\":\"filter.advanced not understood by the stand-in\"}");
        return;
      }
      since = LocalDate.parse(m.group(1));
    }
    TreeMap<String, ObjectNode> found = new TreeMap<>();
    for (String id : ids) {
      ObjectNode record = records.get(id);
      if (record == null) {
        continue;
      }
      String date =
          record
              .path("protocolSection")
              .path("statusModule")
              .path("lastUpdatePostDateStruct")
              .path("date")
              .asText();
      if (since == null || !LocalDate.parse(date).isBefore(since)) {
        found.put(id, record);
      }
    }
    int size = Math.min(maxPageSize, Integer.parseInt(params.getOrDefault("pageSize", "10")));
    int from = params.containsKey("pageToken") ? Integer.parseInt(params.get("pageToken")) : 0;
    List<ObjectNode> all = new ArrayList<>(found.values());
    ObjectNode page = JSON.createObjectNode();
    ArrayNode studies = page.putArray("studies");
    all.subList(Math.min(from, all.size()), Math.min(from + size, all.size()))
        .forEach(studies::add);
    if (from + size < all.size()) {
      page.put("nextPageToken", String.valueOf(from + size));
    }
    send(exchange, 200, JSON.writeValueAsString(page));
  }

  private static Map<String, String> params(String query) {
    Map<String, String> params = new HashMap<>();
    if (query != null) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          params.put(
              URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return params;
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
