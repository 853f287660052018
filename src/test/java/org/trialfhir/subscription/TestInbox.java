package org.trialfhir.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A coordinator's worklist or an EHR inbox, as a rest-hook endpoint on the loopback interface: it
 * records every notification it is sent. Integration tests allow its {@code /inbox/} path as the
 * only rest-hook endpoint (see IntegrationTestBase).
 */
public final class TestInbox {

  /** One notification: the path it was posted to, its Authorization header, its body's size. */
  public record Notification(String path, String authorization, int bodyBytes) {}

  private static final List<Notification> RECEIVED = new CopyOnWriteArrayList<>();
  private static volatile HttpServer server;

  private TestInbox() {}

  /** The allowed endpoint prefix, starting the inbox on first use. */
  public static synchronized String allowedEndpoint() {
    if (server == null) {
      try {
        HttpServer made =
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        made.createContext(
            "/",
            exchange -> {
              try (exchange;
                  InputStream body = exchange.getRequestBody()) {
                RECEIVED.add(
                    new Notification(
                        exchange.getRequestURI().getPath(),
                        exchange.getRequestHeaders().getFirst("Authorization"),
                        body.readAllBytes().length));
                String path = exchange.getRequestURI().getPath();
                if (path.startsWith("/inbox/redirect-")) {
                  // A listed endpoint that redirects elsewhere: the server must not follow.
                  exchange
                      .getResponseHeaders()
                      .set("Location", base() + "/leak/" + path.substring(16));
                  exchange.sendResponseHeaders(303, -1);
                  return;
                }
                exchange.sendResponseHeaders(200, -1);
              }
            });
        made.start();
        server = made;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return base() + "/inbox/";
  }

  /** The inbox's address, starting it on first use. */
  static String base() {
    if (server == null) {
      allowedEndpoint();
    }
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The notifications posted to this path so far. */
  public static List<Notification> received(String path) {
    return RECEIVED.stream().filter(n -> n.path().equals(path)).toList();
  }

  /**
   * Creates, as the caller whose requests {@code fhir} makes, a rest-hook Subscription with these
   * criteria to a new path of the inbox, waits until the server has activated it, and returns the
   * path.
   */
  public static String follow(Supplier<RequestSpecification> fhir, String criteria) {
    return follow(fhir, criteria, "/inbox/" + UUID.randomUUID());
  }

  /** As {@link #follow(Supplier, String)}, to this path of the inbox. */
  static String follow(Supplier<RequestSpecification> fhir, String criteria, String path) {
    String id =
        fhir.get()
            .body(subscription(criteria, base() + path, null))
            .post("/Subscription")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!"active"
        .equals(
            fhir.get()
                .get("/Subscription/" + id)
                .then()
                .statusCode(200)
                .extract()
                .path("status"))) {
      assertThat(Instant.now()).as("Subscription/%s activated", id).isBefore(deadline);
      sleep(250);
    }
    return path;
  }

  /** A rest-hook Subscription, with a payload MIME type when one is given. */
  static String subscription(String criteria, String endpoint, String payload) {
    return """
        {"resourceType":"Subscription","status":"requested","reason":"coordinator worklist",
         "criteria":"%s",
         "channel":{"type":"rest-hook","endpoint":"%s",%s"header":["Authorization: Bearer inbox-secret"]}}
        """
        .formatted(criteria, endpoint, payload == null ? "" : "\"payload\":\"" + payload + "\",");
  }

  /** Waits (up to a minute) until this path has received {@code count} notifications. */
  public static List<Notification> await(String path, int count) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (received(path).size() < count) {
      assertThat(Instant.now()).as("%d notification(s) at %s", count, path).isBefore(deadline);
      sleep(250);
    }
    return received(path);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
