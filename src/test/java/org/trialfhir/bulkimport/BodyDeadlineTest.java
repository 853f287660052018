package org.trialfhir.bulkimport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real JDK HTTP client against a loopback server that sends one line and then stalls. */
class BodyDeadlineTest {

  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/stall",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          OutputStream body = exchange.getResponseBody();
          body.write("{\"resourceType\":\"Patient\"}\n".getBytes(StandardCharsets.UTF_8));
          body.flush();
          try {
            release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.close();
        });
    server.createContext(
        "/quick",
        exchange -> {
          byte[] line = "{\"resourceType\":\"Patient\"}\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, line.length);
          try (exchange) {
            exchange.getResponseBody().write(line);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  private InputStream body(String path) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    return client
        .send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofInputStream())
        .body();
  }

  @Test
  void aBodyThatStopsComingEndsTheReadWhenItsTimeIsUp() throws Exception {
    long start = System.nanoTime();
    try (BodyDeadline body = new BodyDeadline(body("/stall"), Duration.ofMillis(500))) {
      byte[] buffer = new byte[1024];
      assertThat(body.read(buffer)).isPositive(); // the first line arrives
      assertThatThrownBy(
              () -> {
                while (body.read(buffer) != -1) {
                  // the server sends nothing more
                }
              })
          .isInstanceOf(IOException.class);
      assertThat(body.expired()).isTrue();
    }
    // Ended by the deadline, not by the server, which would hold it for a minute.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void aBodyReadInTimeIsReadWholeAndNotMarkedExpired() throws Exception {
    try (BodyDeadline body = new BodyDeadline(body("/quick"), Duration.ofSeconds(30))) {
      assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("{\"resourceType\":\"Patient\"}\n");
      assertThat(body.expired()).isFalse();
    }
  }
}
