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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
}
