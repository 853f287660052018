package org.trialfhir.bulkimport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tiny HTTP server on the loopback interface that serves NDJSON files to {@code $import} in
 * tests, so that no test needs the internet. Integration tests allow its {@code /ndjson/} path as a
 * bulk import source (see IntegrationTestBase); anything else it serves is outside the allow-list.
 */
public final class NdjsonTestServer {

  private record File(String contentType, byte[] body) {}

  private static final Map<String, File> FILES = new ConcurrentHashMap<>();
  private static volatile HttpServer server;

  private NdjsonTestServer() {}

  /** The allowed source prefix, starting the server on first use. */
  public static synchronized String allowedSource() {
    if (server == null) {
      try {
        HttpServer made =
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        made.createContext(
            "/",
            exchange -> {
              File file = FILES.get(exchange.getRequestURI().getPath());
              try (exchange) {
                if (file == null) {
                  exchange.sendResponseHeaders(404, -1);
                  return;
                }
                exchange.getResponseHeaders().set("Content-Type", file.contentType());
                exchange.sendResponseHeaders(200, file.body().length);
                try (OutputStream out = exchange.getResponseBody()) {
                  out.write(file.body());
                }
              }
            });
        made.start();
        server = made;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return base() + "/ndjson/";
  }

  /** Serves {@code body} under the allowed path; returns its URL. */
  static String serve(String contentType, String body) {
    return serveAt("/ndjson/" + UUID.randomUUID() + ".ndjson", contentType, body);
  }

  /**
   * Serves {@code body} at {@code path} (which may be outside the allowed one); returns its URL.
   */
  static String serveAt(String path, String contentType, String body) {
    allowedSource();
    FILES.put(path, new File(contentType, body.getBytes(StandardCharsets.UTF_8)));
    return base() + path;
  }

  private static String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }
}
