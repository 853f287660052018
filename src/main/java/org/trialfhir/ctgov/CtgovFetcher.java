package org.trialfhir.ctgov;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.springframework.stereotype.Component;

/** Reads one study record from the registry's API v2, where fetching is enabled. */
@Component
class CtgovFetcher {

  private final CtgovProperties properties;
  private final HttpClient http;

  CtgovFetcher(CtgovProperties properties) {
    this.properties = properties;
    this.http = HttpClient.newBuilder().connectTimeout(properties.timeout()).build();
  }

  boolean enabled() {
    return properties.fetchEnabled();
  }

  /** The record's JSON; an exception with a sentence for the caller when it cannot be had. */
  String fetch(String nctId) {
    if (!nctId.matches("NCT\\d{8}")) {
      throw new IllegalArgumentException("'" + nctId + "' is not an NCT id like NCT01234567");
    }
    String base = properties.apiBaseUrl().toString().replaceAll("/+$", "");
    URI uri = URI.create(base + "/studies/" + nctId + "?format=json");
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri)
                  .timeout(properties.timeout())
                  .header("Accept", "application/json")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalArgumentException(
            "the registry answered " + response.statusCode() + " for " + nctId);
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "the registry could not be reached at " + base + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalArgumentException("interrupted while fetching " + nctId);
    }
  }
}
