package org.trialfhir.ctgov;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.springframework.stereotype.Component;

/** Asks the registry's API v2, where fetching is enabled: one record, or the records changed. */
@Component
class CtgovFetcher {

  /** NCT ids per search: keeps the query string well below common URL length limits. */
  static final int IDS_PER_SEARCH = 100;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The registry could not give what was asked: a sentence for the caller and the kind of problem
   * (not-found, transient for an unreachable or failing registry, invalid for a wrong answer).
   */
  static final class RegistryError extends IllegalArgumentException {
    private final IssueType type;

    RegistryError(String message, IssueType type) {
      super(message);
      this.type = type;
    }

    IssueType type() {
      return type;
    }
  }

  private final CtgovProperties properties;
  private final HttpClient http;

  CtgovFetcher(CtgovProperties properties) {
    this.properties = properties;
    this.http = HttpClient.newBuilder().connectTimeout(properties.timeout()).build();
  }

  boolean enabled() {
    return properties.fetchEnabled();
  }

  /** The record's JSON; a {@link RegistryError} with a sentence for the caller otherwise. */
  String fetch(String nctId) {
    if (nctId == null || !nctId.matches("NCT\\d{8}")) {
      throw new RegistryError(
          "'" + nctId + "' is not an NCT id like NCT01234567", IssueType.INVALID);
    }
    String body = get(base() + "/studies/" + nctId + "?format=json", nctId);
    JsonNode record = parse(body, nctId);
    if (!record.isObject() || !record.path("protocolSection").isObject()) {
      throw new RegistryError(
          "the registry's answer for " + nctId + " is not a study record", IssueType.INVALID);
    }
    return body;
  }

  /**
   * The records among {@code nctIds} that the registry last updated on or after {@code since}
   * (every one of them if {@code since} is null), asked in searches of at most {@link
   * #IDS_PER_SEARCH} ids, following the registry's pages.
   */
  List<JsonNode> changedSince(List<String> nctIds, LocalDate since) {
    List<JsonNode> records = new ArrayList<>();
    for (int from = 0; from < nctIds.size(); from += IDS_PER_SEARCH) {
      List<String> batch = nctIds.subList(from, Math.min(nctIds.size(), from + IDS_PER_SEARCH));
      String query =
          "format=json&pageSize="
              + IDS_PER_SEARCH
              + "&filter.ids="
              + encode(String.join(",", batch))
              + (since == null
                  ? ""
                  : "&filter.advanced="
                      + encode("AREA[LastUpdatePostDate]RANGE[" + since + ",MAX]"));
      String pageToken = null;
      int pages = 0;
      int maxPages = maxPages(batch.size());
      do {
        if (++pages > maxPages) {
          throw new RegistryError(
              "the registry kept answering with further pages (over "
                  + maxPages
                  + " for "
                  + batch.size()
                  + " ids)",
              IssueType.INVALID);
        }
        String url =
            base()
                + "/studies?"
                + query
                + (pageToken == null ? "" : "&pageToken=" + encode(pageToken));
        JsonNode page = parse(get(url, "the search for changed records"), "the search");
        JsonNode studies = page.path("studies");
        if (!studies.isArray()) {
          throw new RegistryError(
              "the registry's search answer has no 'studies' list", IssueType.INVALID);
        }
        studies.forEach(records::add);
        JsonNode next = page.path("nextPageToken");
        pageToken = next.isTextual() && !next.asText().isEmpty() ? next.asText() : null;
      } while (pageToken != null);
    }
    return records;
  }

  /**
   * Pages one search may take: its ids fit in pages of {@link #IDS_PER_SEARCH} records, plus one
   * for a registry that ends with an empty page; a registry answering more is not followed.
   */
  static int maxPages(int ids) {
    return (ids + IDS_PER_SEARCH - 1) / IDS_PER_SEARCH + 1;
  }

  private String base() {
    return properties.apiBaseUrl().toString().replaceAll("/+$", "");
  }

  private String get(String url, String what) {
    CompletableFuture<HttpResponse<String>> exchange =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(url))
                .timeout(properties.timeout())
                .header("Accept", "application/json")
                .GET()
                .build(),
            new LimitedBody(properties.maxResponseBytes().toBytes()));
    try {
      // The request's timeout ends at the headers; this one bounds the body too, so a registry
      // that sends it slowly cannot hold the caller's thread.
      HttpResponse<String> response =
          exchange.get(properties.timeout().toMillis(), TimeUnit.MILLISECONDS);
      int status = response.statusCode();
      if (status == 404) {
        throw new RegistryError(
            "the registry answered 404 for " + what + ": it holds no such record",
            IssueType.NOTFOUND);
      }
      if (status != 200) {
        throw new RegistryError(
            "the registry answered " + status + " for " + what,
            status >= 500 || status == 429 ? IssueType.TRANSIENT : IssueType.INVALID);
      }
      return response.body();
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw timedOut(what);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LimitedBody.TooLarge) {
        throw new RegistryError(
            "the registry's answer for "
                + what
                + " is larger than trialfhir.ctgov.max-response-bytes ("
                + properties.maxResponseBytes().toBytes()
                + " bytes)",
            IssueType.TOOCOSTLY);
      }
      if (cause instanceof HttpTimeoutException) {
        throw timedOut(what);
      }
      throw new RegistryError(
          "the registry could not be reached at "
              + base()
              + ": "
              + (cause == null ? e.getMessage() : cause.getMessage()),
          IssueType.TRANSIENT);
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      throw new RegistryError("interrupted while asking the registry", IssueType.TRANSIENT);
    }
  }

  private RegistryError timedOut(String what) {
    return new RegistryError(
        "the registry did not answer within " + properties.timeout() + " for " + what,
        IssueType.TIMEOUT);
  }

  private static JsonNode parse(String body, String what) {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null) {
        throw new RegistryError(
            "the registry's answer for " + what + " is empty", IssueType.INVALID);
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new RegistryError(
          "the registry's answer for " + what + " is not JSON: " + e.getOriginalMessage(),
          IssueType.INVALID);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
