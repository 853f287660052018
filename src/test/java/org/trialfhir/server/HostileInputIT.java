package org.trialfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * Hostile input, sent raw (java.net.http, or a socket for what HTTP clients refuse to send): bodies
 * the parsers would read with data lost, malformed headers, result parameters, modifiers and
 * repeats, PATCH, transaction and batch entries, $validate, and paths, sizes and methods Tomcat and
 * Spring refuse (docs/fhir-endpoint.md), varied over resource types, interactions, JSON and XML,
 * headers and Bundle entries. Each must get a 4xx (the specific one where it matters) with a FHIR
 * OperationOutcome whose diagnostics name the problem, in the format asked for; no write may be
 * stored; and afterwards the server still answers a read in under a second.
 */
@Tag(
    "persistence") // numbers and strings reach the database: PostgreSQL refuses differently from H2
class HostileInputIT extends IntegrationTestBase {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final String JSON = "application/fhir+json";
  private static final String XML = "application/fhir+xml";
  private static final String NS = "xmlns=\"http://hl7.org/fhir\"";
  private static final String MARK_SYSTEM = "urn:trialfhir:hostile";
  private static final List<String> TYPES =
      List.of("Patient", "Observation", "Condition", "Practitioner");

  /** A search parameter of each type, for the modifier variants. */
  private static final Map<String, String> SEARCH_PARAM =
      Map.of("Patient", "name", "Observation", "code", "Condition", "code", "Practitioner", "name");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String mark = unique("hostile");
  private final Map<String, String> existing = new LinkedHashMap<>();
  private final List<Case> cases = new ArrayList<>();

  /** One hostile request and what it must get. */
  record Case(
      String name,
      String method,
      String path,
      Map<String, String> headers,
      String body,
      IntPredicate status,
      String statusText,
      String named,
      Check check) {}

  /** How the answer is judged. */
  enum Check {
    OUTCOME,
    BATCH_ENTRY_OUTCOME,
    OAUTH_ERROR,
    /** No status line or headers (HTTP/0.9), but an OperationOutcome body. */
    HTTP09_OUTCOME
  }

  @Test
  void hostileRequestsGetA4xxOperationOutcomeAndStoreNothing() throws Exception {
    for (String type : TYPES) {
      existing.put(type, create(type));
    }
    Map<String, String> versions = new LinkedHashMap<>();
    existing.forEach((type, id) -> versions.put(type, version(type, id)));
    String hiddenBasic = createHiddenBasic();

    for (String type : TYPES) {
      lossyBodies(type);
      conditionalHeaders(type);
      resultParameters(type);
      patches(type);
      bundles(type);
      validate(type);
      pathsAndSizes(type);
    }
    outsideHapi();
    operationsAndHistory(hiddenBasic);

    assertThat(new HashSet<>(cases.stream().map(Case::name).toList()))
        .as("distinct hostile requests")
        .hasSize(cases.size());
    assertThat(cases.size()).isGreaterThanOrEqualTo(300);

    List<String> failures = new ArrayList<>();
    int fourXx = 0;
    int fiveXx = 0;
    for (Case c : cases) {
      Answer answer;
      try {
        answer = send(c);
      } catch (IOException closedConnection) {
        // The client may have reused a connection the server had just closed: ask once more.
        try {
          answer = send(c);
        } catch (IOException e) {
          failures.add(c.name() + ": no answer (" + e + ")");
          continue;
        }
      }
      if (answer.status >= 400 && answer.status < 500) {
        fourXx++;
      } else if (answer.status >= 500) {
        fiveXx++;
      }
      String problem = judge(c, answer);
      if (problem != null) {
        failures.add(c.name() + ": " + problem);
      }
    }
    System.out.printf(
        "HostileInputIT: %d requests, %d answered 4xx, %d answered 5xx, %d failed checks%n",
        cases.size(), fourXx, fiveXx, failures.size());

    // Nothing stored: no resource carries the marker, the existing ones are unchanged.
    for (String type : TYPES) {
      fhir()
          .get("/" + type + "?identifier=" + MARK_SYSTEM + "|" + mark + "&_summary=count")
          .then()
          .statusCode(200)
          .body("total", org.hamcrest.Matchers.equalTo(0));
      assertThat(version(type, existing.get(type)))
          .as(type + " version")
          .isEqualTo(versions.get(type));
    }
    assertThat(failures).isEmpty();
    assertThat(fiveXx).isZero();

    long start = System.nanoTime();
    fhir().get("/Patient/" + existing.get("Patient")).then().statusCode(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  // ---- bodies the parsers would read with data lost ----

  private void lossyBodies(String type) {
    String id = existing.get(type);
    Map<String, String> json = new LinkedHashMap<>();
    json.put(
        "single quotes", "{'resourceType':'" + type + "'," + markJson().replace('"', '\'') + "}");
    json.put("duplicate key", jsonBody(type, "\"language\":\"en\",\"language\":\"fr\""));
    json.put(
        "duplicate nested key", jsonBody(type, "\"meta\":{\"source\":\"a\",\"source\":\"b\"}"));
    json.put("lone high surrogate", jsonBody(type, ext("valueString", "\"a\\ud800b\"")));
    json.put("lone low surrogate", jsonBody(type, ext("valueString", "\"\\udc00\"")));
    json.put("decimal 1e400", jsonBody(type, ext("valueDecimal", "1e400")));
    json.put("decimal -1e400", jsonBody(type, ext("valueDecimal", "-1e400")));
    json.put("decimal 1000 digits", jsonBody(type, ext("valueDecimal", "9".repeat(1000))));
    json.put("decimal 1e-400", jsonBody(type, ext("valueDecimal", "1e-400")));
    json.put("leading plus", jsonBody(type, ext("valueInteger", "+5")));
    Map<String, String> named =
        Map.of(
            "single quotes", "double quotes",
            "duplicate key", "language",
            "duplicate nested key", "source",
            "lone high surrogate", "surrogate",
            "lone low surrogate", "surrogate",
            "decimal 1e400", "valueDecimal",
            "decimal -1e400", "valueDecimal",
            "decimal 1000 digits", "valueDecimal",
            "decimal 1e-400", "valueDecimal",
            "leading plus", "Failed to parse");
    json.forEach(
        (what, body) -> {
          add(
              "POST " + type + " JSON " + what,
              "POST",
              "/fhir/" + type,
              jsonHeaders(),
              body,
              400,
              named.get(what));
          add(
              "PUT " + type + " JSON " + what,
              "PUT",
              "/fhir/" + type + "/" + id,
              jsonHeaders(),
              body.replace(
                      "{\"resourceType\":\"" + type + "\",",
                      "{\"resourceType\":\"" + type + "\",\"id\":\"" + id + "\",")
                  .replace(
                      "{'resourceType':'" + type + "',",
                      "{'resourceType':'" + type + "','id':'" + id + "',"),
              400,
              named.get(what));
        });
    Map<String, String[]> xml = new LinkedHashMap<>();
    xml.put(
        "text content",
        new String[] {xmlBody(type, NS, "<language>en</language>"), "text content"});
    xml.put("no namespace", new String[] {xmlBody(type, "", ""), "no namespace"});
    xml.put(
        "wrong namespace",
        new String[] {
          xmlBody(type, "xmlns=\"http://example.org/fhir\"", ""), "http://example.org/fhir"
        });
    xml.put(
        "old namespace",
        new String[] {xmlBody(type, "xmlns=\"http://hl7.org/fhir/\"", ""), "namespace"});
    xml.put(
        "foreign child",
        new String[] {xmlBody(type, NS, "<x:language xmlns:x=\"urn:x\" value=\"en\"/>"), "urn:x"});
    xml.put(
        "cdata content",
        new String[] {xmlBody(type, NS, "<language><![CDATA[en]]></language>"), "text content"});
    xml.put(
        "decimal 1e400",
        new String[] {xmlBody(type, NS, xmlExt("valueDecimal", "1e400")), "outside the range"});
    xml.put(
        "surrogate reference",
        new String[] {xmlBody(type, NS, xmlExt("valueString", "&#xD800;")), "Failed to parse"});
    xml.forEach(
        (what, body) -> {
          add(
              "POST " + type + " XML " + what,
              "POST",
              "/fhir/" + type,
              xmlHeaders(),
              body[0],
              400,
              body[1]);
          add(
              "PUT " + type + " XML " + what,
              "PUT",
              "/fhir/" + type + "/" + id,
              xmlHeaders(),
              body[0].replaceFirst("><identifier>", "><id value=\"" + id + "\"/><identifier>"),
              400,
              body[1]);
        });
  }

  // ---- headers ----

  private void conditionalHeaders(String type) {
    String id = existing.get(type);
    String update = jsonBody(type, "\"id\":\"" + id + "\"").replace(markJson() + ",", "");
    for (String etag :
        List.of(
            "garbage",
            "W/\"abc\"",
            "\"\"",
            "W/\"\"",
            "W/\"1.5\"",
            "W/\"-1\"",
            "*",
            "W/\"99999999999999999999\"")) {
      add(
          "PUT " + type + " If-Match " + etag,
          "PUT",
          "/fhir/" + type + "/" + id,
          with(jsonHeaders(), "If-Match", etag),
          update,
          400,
          "If-Match");
    }
    for (String etag : List.of("garbage", "W/\"x\"")) {
      add(
          "GET " + type + " If-None-Match " + etag,
          "GET",
          "/fhir/" + type + "/" + id,
          with(jsonHeaders(), "If-None-Match", etag),
          null,
          400,
          "If-None-Match");
    }
    for (String date : List.of("garbage", "2020-13-45", "yesterday")) {
      add(
          "GET " + type + " If-Modified-Since " + date,
          "GET",
          "/fhir/" + type + "/" + id,
          with(jsonHeaders(), "If-Modified-Since", date),
          null,
          400,
          "If-Modified-Since");
    }
    for (String turtle :
        List.of("application/fhir+turtle", "text/turtle", "application/x-turtle")) {
      add(
          "POST " + type + " Content-Type " + turtle,
          "POST",
          "/fhir/" + type,
          Map.of("Content-Type", turtle, "Accept", "*/*"),
          "@prefix fhir: <http://hl7.org/fhir/> .\n[] a fhir:" + type + " .",
          415,
          "Content-Type");
    }
    add(
        "POST " + type + " Content-Type turtle, XML asked",
        "POST",
        "/fhir/" + type,
        Map.of("Content-Type", "text/turtle", "Accept", XML),
        "@prefix fhir: <http://hl7.org/fhir/> .",
        415,
        "Content-Type");
  }

  // ---- result parameters, modifiers, repeats ----

  private void resultParameters(String type) {
    String param = SEARCH_PARAM.get(type);
    Map<String, String> queries = new LinkedHashMap<>();
    queries.put("_count=-1", "_count");
    queries.put("_count=abc", "_count");
    queries.put("_count=1&_count=2", "_count");
    queries.put("_offset=-1", "_offset");
    queries.put("_offset=x", "_offset");
    queries.put("_summary=garbage", "_summary");
    queries.put("_summary=TRUE", "_summary");
    queries.put("_total=garbage", "_total");
    queries.put("_format=garbage", "_format");
    queries.put("_format=application/pdf", "_format");
    queries.put("_pretty=maybe", "_pretty");
    queries.put(param + ":bogus=a", ":bogus");
    queries.put(param + ":exactly=a", ":exactly");
    queries.put("identifier:contain=a", ":contain");
    queries.put("_id:bogus=a", ":bogus");
    queries.put("_lastUpdated:after=2020", ":after");
    queries.put(String.join("&", java.util.Collections.nCopies(25, "_id=a")), "_id");
    queries.forEach(
        (query, named) -> {
          add(
              "GET " + type + "?" + query,
              "GET",
              "/fhir/" + type + "?" + query,
              jsonHeaders(),
              null,
              400,
              named);
        });
    add(
        "GET " + type + "?_count=-1 XML",
        "GET",
        "/fhir/" + type + "?_count=-1",
        Map.of("Accept", XML),
        null,
        400,
        "_count");
    add(
        "POST " + type + "/_search form _count=-1",
        "POST",
        "/fhir/" + type + "/_search",
        Map.of("Content-Type", "application/x-www-form-urlencoded", "Accept", JSON),
        "_count=-1",
        400,
        "_count");
    add(
        "POST " + type + "/_search 3000 form parameters",
        "POST",
        "/fhir/" + type + "/_search",
        Map.of("Content-Type", "application/x-www-form-urlencoded", "Accept", JSON),
        String.join("&", java.util.Collections.nCopies(3000, "_id=a")),
        400,
        "_id");
  }

  // ---- PATCH ----

  private void patches(String type) {
    String id = existing.get(type);
    String jsonPatch = "[{\"op\":\"add\",\"path\":\"/language\",\"value\":\"en\"}]";
    add(
        "PATCH " + type + " type-level JSON Patch",
        "PATCH",
        "/fhir/" + type,
        Map.of("Content-Type", "application/json-patch+json", "Accept", JSON),
        jsonPatch,
        400,
        "PATCH needs a target");
    add(
        "PATCH " + type + " type-level FHIRPath Patch",
        "PATCH",
        "/fhir/" + type,
        jsonHeaders(),
        fhirPathPatch(),
        400,
        "PATCH needs a target");
    add(
        "PATCH " + type + " with the resource as JSON body",
        "PATCH",
        "/fhir/" + type + "/" + id,
        jsonHeaders(),
        jsonBody(type, "\"id\":\"" + id + "\""),
        400,
        "Parameters");
    add(
        "PATCH " + type + " with the resource as XML body",
        "PATCH",
        "/fhir/" + type + "/" + id,
        xmlHeaders(),
        xmlBody(type, NS, ""),
        400,
        "Parameters");
    add(
        "PATCH " + type + " If-Match garbage",
        "PATCH",
        "/fhir/" + type + "/" + id,
        with(
            Map.of("Content-Type", "application/json-patch+json", "Accept", JSON),
            "If-Match",
            "garbage"),
        jsonPatch,
        400,
        "If-Match");
    add(
        "PATCH " + type + " JSON Patch duplicate key",
        "PATCH",
        "/fhir/" + type + "/" + id,
        Map.of("Content-Type", "application/json-patch+json", "Accept", JSON),
        "[{\"op\":\"add\",\"path\":\"/language\",\"value\":\"en\",\"value\":\"fr\"}]",
        400,
        "value");
    add(
        "PATCH " + type + " JSON Patch 1e400",
        "PATCH",
        "/fhir/" + type + "/" + id,
        Map.of("Content-Type", "application/json-patch+json", "Accept", JSON),
        "[{\"op\":\"add\",\"path\":\"/extension\",\"value\":[{\"url\":\"urn:x\",\"valueDecimal\":1e400}]}]",
        400,
        "outside the range");
  }

  // ---- transaction and batch entries ----

  private void bundles(String type) {
    String id = existing.get(type);
    for (String etag : List.of("garbage", "W/\"abc\"", "W/\"\"")) {
      String entry = entry(type, id, "\"ifMatch\":" + quoted(etag));
      add(
          "transaction " + type + " ifMatch " + etag,
          "POST",
          "/fhir",
          jsonHeaders(),
          bundle("transaction", entry),
          400,
          "ifMatch");
      add(
          "batch " + type + " ifMatch " + etag,
          "POST",
          "/fhir",
          jsonHeaders(),
          bundle("batch", entry),
          Check.BATCH_ENTRY_OUTCOME,
          "ifMatch");
    }
    // Bundle entries' URLs do not pass the REST hooks: their parameters are checked on their own.
    String param = SEARCH_PARAM.get(type);
    for (String query :
        List.of("_offset=-1", "_count=-1", param + ":bogus=x", "_summary=garbage")) {
      String get = "{\"request\":{\"method\":\"GET\",\"url\":\"" + type + "?" + query + "\"}}";
      String named =
          query.substring(query.indexOf(':') >= 0 ? query.indexOf(':') : 0, query.indexOf('='));
      add(
          "batch " + type + " GET entry " + query,
          "POST",
          "/fhir",
          jsonHeaders(),
          bundle("batch", get),
          Check.BATCH_ENTRY_OUTCOME,
          named);
      add(
          "transaction " + type + " GET entry " + query,
          "POST",
          "/fhir",
          jsonHeaders(),
          bundle("transaction", get),
          400,
          named);
    }
    String ifNoneMatch = entry(type, id, "\"ifNoneMatch\":\"garbage\"");
    add(
        "transaction " + type + " ifNoneMatch garbage",
        "POST",
        "/fhir",
        jsonHeaders(),
        bundle("transaction", ifNoneMatch),
        400,
        "ifNoneMatch");
    String decimal =
        "{\"resource\":"
            + jsonBody(type, ext("valueDecimal", "1e400"))
            + ",\"request\":{\"method\":\"POST\",\"url\":\""
            + type
            + "\"}}";
    add(
        "transaction " + type + " entry decimal 1e400",
        "POST",
        "/fhir",
        jsonHeaders(),
        bundle("transaction", decimal),
        400,
        "outside the range");
    // In JSON the number is refused with the body, before any entry runs; in XML it is a string
    // until parsed, so the batch entry that carries it fails alone.
    add(
        "batch " + type + " JSON entry decimal 1e400",
        "POST",
        "/fhir",
        jsonHeaders(),
        bundle("batch", decimal),
        400,
        "outside the range");
    add(
        "batch " + type + " XML entry decimal 1e400",
        "POST",
        "/fhir",
        xmlHeaders(),
        "<Bundle "
            + NS
            + "><type value=\"batch\"/><entry><resource>"
            + xmlBody(type, NS, xmlExt("valueDecimal", "1e400"))
            + "</resource><request><method value=\"POST\"/><url value=\""
            + type
            + "\"/></request></entry></Bundle>",
        Check.BATCH_ENTRY_OUTCOME,
        "outside the range");
    String surrogate =
        "{\"resource\":"
            + jsonBody(type, ext("valueString", "\"\\ud800\""))
            + ",\"request\":{\"method\":\"POST\",\"url\":\""
            + type
            + "\"}}";
    add(
        "transaction " + type + " entry lone surrogate",
        "POST",
        "/fhir",
        jsonHeaders(),
        bundle("transaction", surrogate),
        400,
        "surrogate");
    String good =
        "{\"resource\":"
            + jsonBody(type, "").replace(",}", "}")
            + ",\"request\":{\"method\":\"POST\",\"url\":\""
            + type
            + "\"}}";
    add(
        "transaction " + type + " good entry then ifMatch garbage",
        "POST",
        "/fhir",
        jsonHeaders(),
        bundle("transaction", good + "," + entry(type, id, "\"ifMatch\":\"garbage\"")),
        400,
        "ifMatch");
    add(
        "transaction " + type + " XML with text content",
        "POST",
        "/fhir",
        xmlHeaders(),
        "<Bundle "
            + NS
            + "><type value=\"transaction\"/><entry><resource>"
            + xmlBody(type, NS, "<language>en</language>")
            + "</resource><request><method value=\"POST\"/><url value=\""
            + type
            + "\"/></request></entry></Bundle>",
        400,
        "text content");
  }

  // ---- $validate with a value where a resource goes ----

  private void validate(String type) {
    for (String value :
        List.of("\"valueString\":\"hello\"", "\"valueInteger\":3", "\"valueBoolean\":true")) {
      String body =
          "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"resource\"," + value + "}]}";
      add(
          "POST " + type + "/$validate resource as " + value,
          "POST",
          "/fhir/" + type + "/$validate",
          jsonHeaders(),
          body,
          400,
          "resource");
    }
  }

  // ---- paths, sizes and methods Tomcat and Spring refuse ----

  private void pathsAndSizes(String type) {
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("encoded slash in id", "/fhir/" + type + "/a%2Fb");
    raw.put("dot-dot encoded slash", "/fhir/" + type + "/..%2F..%2Fetc%2Fpasswd");
    raw.put("dot-dot above the root", "/fhir/" + type + "/../../../../etc/passwd");
    raw.put("encoded dots", "/fhir/" + type + "/%2e%2e/%2e%2e/secret");
    raw.put("encoded NUL", "/fhir/" + type + "/a%00b");
    raw.put("encoded CRLF", "/fhir/" + type + "/a%0D%0AX-Injected:%20yes");
    raw.put("semicolon path parameter", "/fhir/" + type + "/a;jsessionid=1");
    raw.put("encoded percent", "/fhir/" + type + "/a%25b");
    raw.put("backslash", "/fhir/" + type + "/a\\b");
    raw.put("double slash", "/fhir//" + type);
    for (Map.Entry<String, String> path : raw.entrySet()) {
      add(
          "GET " + type + " " + path.getKey(),
          "RAW GET",
          path.getValue(),
          Map.of("Accept", JSON),
          null,
          400,
          "");
    }
    // A request line cut short by CR LF, or broken by NUL, is HTTP/0.9 to Tomcat: that protocol
    // has no status line or headers, only a body, which must still be an OperationOutcome.
    add(
        "GET " + type + " raw CRLF in path",
        "RAW GET",
        "/fhir/" + type + "/a\r\nX-Injected: yes",
        Map.of("Accept", JSON),
        null,
        s -> s == 0,
        "an HTTP/0.9 answer",
        "",
        Check.HTTP09_OUTCOME);
    add(
        "GET " + type + " raw NUL in path",
        "RAW GET",
        "/fhir/" + type + "/a\0b",
        Map.of("Accept", JSON),
        null,
        s -> s == 0,
        "an HTTP/0.9 answer",
        "",
        Check.HTTP09_OUTCOME);
    add(
        "GET " + type + " encoded NUL, XML asked",
        "RAW GET",
        "/fhir/" + type + "/a%00b",
        Map.of("Accept", XML),
        null,
        400,
        "");
    add(
        "GET " + type + " 100 kB URL",
        "GET",
        "/fhir/" + type + "?identifier=" + "a".repeat(100_000),
        jsonHeaders(),
        null,
        414,
        "URL");
    add(
        "GET " + type + " 3000 repeated parameters",
        "GET",
        "/fhir/" + type + "?" + String.join("&", java.util.Collections.nCopies(3000, "_id=a")),
        jsonHeaders(),
        null,
        414,
        "URL");
    add(
        "GET " + type + " 100 kB header",
        "GET",
        "/fhir/" + type,
        with(jsonHeaders(), "X-Padding", "a".repeat(100_000)),
        null,
        431,
        "header");
    add("TRACE " + type, "TRACE", "/fhir/" + type, jsonHeaders(), null, 405, "TRACE");
    add(
        "TRACE " + type + " XML asked",
        "TRACE",
        "/fhir/" + type + "/" + existing.get(type),
        Map.of("Accept", XML),
        null,
        405,
        "TRACE");
  }

  private void outsideHapi() {
    add(
        "GET nothing served, JSON",
        "GET",
        "/nothing-here",
        Map.of("Accept", JSON),
        null,
        404,
        "Nothing is served");
    add(
        "GET nothing served, XML",
        "GET",
        "/nothing-here",
        Map.of("Accept", XML),
        null,
        404,
        "Nothing is served");
    add(
        "GET nothing served, browser",
        "GET",
        "/nothing-here/x.html",
        Map.of("Accept", "text/html"),
        null,
        404,
        "Nothing is served");
    add("TRACE root", "TRACE", "/", Map.of(), null, 405, "TRACE");
    add(
        "CONNECT-like method",
        "RAW FOO",
        "/fhir/metadata",
        Map.of("Accept", JSON),
        null,
        405,
        "FOO");
    add(
        "GET token endpoint",
        "GET",
        "/oauth2/token",
        Map.of("Accept", "*/*"),
        null,
        s -> s >= 400 && s < 500,
        "4xx",
        "error",
        Check.OAUTH_ERROR);
    add(
        "POST token endpoint without credentials",
        "POST",
        "/oauth2/token",
        Map.of("Content-Type", "application/x-www-form-urlencoded", "Accept", "*/*"),
        "grant_type=client_credentials",
        s -> s >= 400 && s < 500,
        "4xx",
        "error",
        Check.OAUTH_ERROR);
  }

  private void operationsAndHistory(String hiddenBasic) {
    String study = "hostile-study-" + mark;
    add(
        "$eligibility with patient twice",
        "GET",
        "/fhir/ResearchStudy/" + study + "/$eligibility?patient=Patient/a&patient=Patient/b",
        jsonHeaders(),
        null,
        400,
        "patient");
    add(
        "$eligibility with patient twice in Parameters",
        "POST",
        "/fhir/ResearchStudy/" + study + "/$eligibility",
        jsonHeaders(),
        "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\",\"valueReference\":{\"reference\":\"Patient/a\"}},{\"name\":\"patient\",\"valueReference\":{\"reference\":\"Patient/b\"}}]}",
        400,
        "patient");
    Map<String, String> blinded =
        Map.of(
            "Accept",
            JSON,
            "Authorization",
            "Bearer " + TestTokens.token("user/*.rs", List.of("coordinator"), null));
    add(
        "GET hidden Basic history as a blinded caller",
        "GET",
        "/fhir/Basic/" + hiddenBasic + "/_history",
        blinded,
        null,
        404,
        hiddenBasic);
    add(
        "GET Basic type history as a blinded caller",
        "GET",
        "/fhir/Basic/_history?_count=500",
        blinded,
        null,
        403,
        "hidden");
  }

  // ---- sending and judging ----

  record Answer(int status, String contentType, String body) {}

  private Answer send(Case c) throws IOException, InterruptedException {
    if (c.method().startsWith("RAW ")) {
      return raw(c.method().substring(4), c.path(), c.headers());
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + c.path()))
            .timeout(Duration.ofSeconds(30))
            .method(
                c.method(),
                c.body() == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(c.body(), StandardCharsets.UTF_8));
    if (!c.headers().containsKey("Authorization")) {
      request.header("Authorization", "Bearer " + TestTokens.admin());
    }
    c.headers().forEach(request::header);
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(
        response.statusCode(),
        response.headers().firstValue("Content-Type").orElse(""),
        response.body());
  }

  /** A request as bytes on a socket: paths with CR, LF or NUL, or methods clients refuse. */
  private Answer raw(String method, String path, Map<String, String> headers) throws IOException {
    try (Socket socket = new Socket("localhost", port)) {
      socket.setSoTimeout(10_000);
      StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
      request.append("Host: localhost:").append(port).append("\r\n");
      request.append("Authorization: Bearer ").append(TestTokens.admin()).append("\r\n");
      headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
      request.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException closedEarly) {
        // the server may answer and close before reading all of an oversized request
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      if (!text.startsWith("HTTP/")) {
        return new Answer(0, "", text); // an HTTP/0.9 answer: the body alone
      }
      int headerEnd = text.indexOf("\r\n\r\n");
      String head = headerEnd < 0 ? text : text.substring(0, headerEnd);
      String body = headerEnd < 0 ? "" : text.substring(headerEnd + 4);
      String[] lines = head.split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      String contentType = "";
      boolean chunked = false;
      for (String line : lines) {
        String lower = line.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-type:")) {
          contentType = line.substring(13).trim();
        }
        if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        }
      }
      return new Answer(status, contentType, chunked ? unchunk(body) : body);
    }
  }

  private static String unchunk(String body) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < body.length()) {
      int lineEnd = body.indexOf("\r\n", at);
      if (lineEnd < 0) {
        break;
      }
      int size = Integer.parseInt(body.substring(at, lineEnd).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(body, lineEnd + 2, Math.min(body.length(), lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    return out.toString();
  }

  /** Null when the answer is right, else what is wrong with it. */
  private static String judge(Case c, Answer a) {
    if (!c.status().test(a.status())) {
      return "status " + a.status() + " (expected " + c.statusText() + "): " + abbreviate(a.body());
    }
    if (c.check() == Check.OAUTH_ERROR) {
      return a.contentType().startsWith("application/json") && a.body().contains("\"error\"")
          ? null
          : "not an RFC 6749 error body: " + a.contentType() + " " + abbreviate(a.body());
    }
    boolean xmlAsked = XML.equals(c.headers().get("Accept"));
    String expectedType = xmlAsked ? XML : JSON;
    if (c.check() != Check.HTTP09_OUTCOME && !a.contentType().startsWith(expectedType)) {
      return "content type "
          + a.contentType()
          + " (expected "
          + expectedType
          + "): "
          + abbreviate(a.body());
    }
    IBaseResource parsed;
    try {
      parsed =
          xmlAsked
              ? FHIR.newXmlParser().parseResource(a.body())
              : FHIR.newJsonParser().parseResource(a.body());
    } catch (RuntimeException e) {
      return "body is not FHIR: " + abbreviate(a.body());
    }
    OperationOutcome outcome;
    if (c.check() == Check.BATCH_ENTRY_OUTCOME) {
      if (!(parsed instanceof Bundle bundle) || bundle.getEntry().isEmpty()) {
        return "not a batch-response: " + abbreviate(a.body());
      }
      Bundle.BundleEntryResponseComponent response = bundle.getEntryFirstRep().getResponse();
      if (!response.getStatus().startsWith("400")) {
        return "batch entry status " + response.getStatus();
      }
      if (!(response.getOutcome() instanceof OperationOutcome entryOutcome)) {
        return "batch entry without an OperationOutcome";
      }
      outcome = entryOutcome;
    } else if (parsed instanceof OperationOutcome oo) {
      outcome = oo;
    } else {
      return "not an OperationOutcome: " + abbreviate(a.body());
    }
    if (outcome.getIssue().isEmpty()) {
      return "OperationOutcome without issues";
    }
    String diagnostics = outcome.getIssueFirstRep().getDiagnostics();
    if (diagnostics == null || diagnostics.isBlank()) {
      return "no diagnostics";
    }
    if (!diagnostics.toLowerCase(Locale.ROOT).contains(c.named().toLowerCase(Locale.ROOT))) {
      return "diagnostics do not name '" + c.named() + "': " + diagnostics;
    }
    return null;
  }

  // ---- building requests ----

  private void add(
      String name,
      String method,
      String path,
      Map<String, String> headers,
      String body,
      int status,
      String named) {
    add(
        name,
        method,
        path,
        headers,
        body,
        s -> s == status,
        String.valueOf(status),
        named,
        Check.OUTCOME);
  }

  private void add(
      String name,
      String method,
      String path,
      Map<String, String> headers,
      String body,
      Check check,
      String named) {
    add(name, method, path, headers, body, s -> s == 200, "200 with a 400 entry", named, check);
  }

  private void add(
      String name,
      String method,
      String path,
      Map<String, String> headers,
      String body,
      IntPredicate status,
      String statusText,
      String named,
      Check check) {
    cases.add(new Case(name, method, path, headers, body, status, statusText, named, check));
  }

  private String markJson() {
    return "\"identifier\":[{\"system\":\"" + MARK_SYSTEM + "\",\"value\":\"" + mark + "\"}]";
  }

  /** A minimal resource of the type, marked, with more JSON members. */
  private String jsonBody(String type, String more) {
    String required =
        switch (type) {
          case "Observation" -> "\"status\":\"final\",\"code\":{\"text\":\"hostile\"},";
          case "Condition" ->
              "\"subject\":{\"reference\":\"Patient/" + existing.get("Patient") + "\"},";
          default -> "";
        };
    return "{\"resourceType\":\""
        + type
        + "\","
        + required
        + markJson()
        + (more.isEmpty() ? "" : "," + more)
        + "}";
  }

  private String xmlBody(String type, String namespace, String more) {
    String required =
        switch (type) {
          case "Observation" -> "<status value=\"final\"/><code><text value=\"hostile\"/></code>";
          case "Condition" ->
              "<subject><reference value=\"Patient/" + existing.get("Patient") + "\"/></subject>";
          default -> "";
        };
    String identifier =
        "<identifier><system value=\""
            + MARK_SYSTEM
            + "\"/><value value=\""
            + mark
            + "\"/></identifier>";
    // Element order as FHIR XML wants: extension and language before identifier.
    boolean early = more.contains("extension") || more.contains("language");
    return "<"
        + type
        + (namespace.isEmpty() ? "" : " " + namespace)
        + ">"
        + (early ? more : "")
        + identifier
        + required
        + (early ? "" : more)
        + "</"
        + type
        + ">";
  }

  private static String ext(String valueType, String value) {
    return "\"extension\":[{\"url\":\"urn:trialfhir:hostile\",\""
        + valueType
        + "\":"
        + value
        + "}]";
  }

  private static String xmlExt(String valueType, String value) {
    return "<extension url=\"urn:trialfhir:hostile\"><"
        + valueType
        + " value=\""
        + value
        + "\"/></extension>";
  }

  private String entry(String type, String id, String requestMember) {
    return "{\"resource\":"
        + jsonBody(type, "\"id\":\"" + id + "\"").replace(markJson() + ",", "")
        + ",\"request\":{\"method\":\"PUT\",\"url\":\""
        + type
        + "/"
        + id
        + "\","
        + requestMember
        + "}}";
  }

  private static String bundle(String type, String entries) {
    return "{\"resourceType\":\"Bundle\",\"type\":\"" + type + "\",\"entry\":[" + entries + "]}";
  }

  private static String fhirPathPatch() {
    return "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
        + "{\"name\":\"type\",\"valueCode\":\"add\"},{\"name\":\"path\",\"valueString\":\"Resource\"},"
        + "{\"name\":\"name\",\"valueString\":\"language\"},{\"name\":\"value\",\"valueCode\":\"en\"}]}]}";
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static Map<String, String> jsonHeaders() {
    return Map.of("Content-Type", JSON, "Accept", JSON);
  }

  private static Map<String, String> xmlHeaders() {
    return Map.of("Content-Type", XML, "Accept", XML);
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return copy;
  }

  private static String abbreviate(String text) {
    return text == null ? "" : text.length() <= 300 ? text : text.substring(0, 300) + "...";
  }

  // ---- fixtures ----

  private String create(String type) {
    String body = jsonBody(type, "").replace(markJson(), "\"language\":\"en\"").replace(",}", "}");
    return fhir().body(body).post("/" + type).then().statusCode(201).extract().path("id");
  }

  private String version(String type, String id) {
    return fhir()
        .get("/" + type + "/" + id)
        .then()
        .statusCode(200)
        .extract()
        .path("meta.versionId");
  }

  /** A treatment allocation as the server labels them: hidden from blinded callers. */
  private String createHiddenBasic() {
    return fhir()
        .body(
            """
            {"resourceType":"Basic","meta":{"security":[{
              "system":"http://trialfhir.org/fhir/CodeSystem/security-label",
              "code":"treatment-allocation"}]},
             "code":{"text":"allocation"}}
            """)
        .post("/Basic")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }
}
