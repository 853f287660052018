package org.trialfhir.profiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.trialfhir.IntegrationTestBase;

/**
 * Conformance regression run over two public corpora, posted as a hospital feed would post them
 * (each file to {@code POST /fhir/[type]}, as an all-powerful client):
 *
 * <ul>
 *   <li>the official FHIR R4 examples ({@code json/spec/*.json} of {@code
 *       com.ibm.fhir:fhir-examples:4.11.1}, Apache-2.0 packaging of HL7's examples, which are CC0):
 *       no answer is a 5xx and every 4xx carries an OperationOutcome. CI posts a deterministic
 *       sample (every {@value #DEFAULT_STRIDE}th file by name); {@code
 *       -Dtrialfhir.conformance.stride=1} (bench/conformance.sh) posts all of them;
 *   <li>the HL7 validator test cases ({@code org.hl7.fhir.testcases:fhir-test-cases:1.7.37},
 *       Apache-2.0): every R4 case that must fail (the Java validator's expected outcome has
 *       errors) and needs nothing the server does not have (no external package, supporting
 *       profile, logical model, terminology server or special validator option) is refused with a
 *       4xx OperationOutcome.
 * </ul>
 *
 * The counts are printed ({@code conformance: ...} lines).
 */
class ConformanceIT extends IntegrationTestBase {

  static final int DEFAULT_STRIDE = 6;

  /** trialfhir.security.max-request-bytes of the test server (its default). */
  private static final long MAX_REQUEST_BYTES = 10_485_760;

  /**
   * Must-fail cases the offline server cannot refuse, each for a reason outside its reach; any
   * other must-fail case that is stored fails the test.
   */
  private static final Map<String, String> CANNOT_REFUSE_OFFLINE =
      Map.of(
          "bundle-id-collection.json",
          "the only error is a CVX display name: needs the CVX code system (external terminology)",
          "obs-temp-code2.json",
          "the only error is a SNOMED CT code that does not exist: needs SNOMED CT",
          "bad-markdown.json",
          "HTML in markdown: the validator HAPI 8.8.0 ships (core 6.7.9) reports it as a"
              + " warning; the expected outcome comes from a newer validator",
          "vs-params-2.json",
          "ValueSet filter parameters (an R5 extension): checked by a newer validator only",
          "q-bp.xml",
          "its errors are extensions of IGs the server does not hold (SDC, a national one): unknown"
              + " extensions are allowed, as EHR data carries many",
          "obs-temp-bad.json",
          "the body temperature profile is implied by a SNOMED CT code only in newer validators;"
              + " HAPI 8.8.0's applies the vital-signs profiles by LOINC code");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CASES = "org/hl7/fhir/testcases/validator/";

  /** Manifest keys that make a case need more than the base specification and our server. */
  private static final Set<String> NEEDS_MORE =
      Set.of(
          "packages",
          "supporting",
          "supporting5",
          "profile",
          "profiles",
          "logical",
          "package-map",
          "tx-dependent",
          "fetcher",
          "bundle-param",
          "security-checks",
          "for-publication",
          "ips",
          "allowed-extension-domain",
          "examples",
          "validateReference",
          "assumeValidRestReferences",
          "best-practice",
          "language",
          "matchetype",
          "certificate",
          "advisor",
          "new-xver-mode");

  private static final Pattern JSON_TYPE = Pattern.compile("\"resourceType\"\\s*:\\s*\"(\\w+)\"");
  private static final Pattern XML_ROOT =
      Pattern.compile("<(?!\\?|!)(?:\\w+:)?(\\w+)[\\s>/]", Pattern.DOTALL);

  /**
   * The R4 extension definitions as one stored Bundle once held a request thread for minutes: the
   * validator looked for other FHIR versions' packages on the web for each element context. Now it
   * has no web access and such contexts are limited per write; one extension definition of our own
   * is still validated and stored.
   */
  @Test
  void extensionDefinitionsAreLimitedNotLeftToHang() throws IOException {
    Resource bundle =
        new PathMatchingResourcePatternResolver()
            .getResource("classpath:json/spec/extension-definitions.json");
    Response refused =
        assertTimeoutPreemptively(
            Duration.ofMinutes(2), () -> post("Bundle", read(bundle), FHIR_JSON));
    assertThat(refused.statusCode()).isEqualTo(413);
    assertThat(refused.asString()).contains("trialfhir.limits.max-extension-contexts");

    ObjectNode own =
        (ObjectNode)
            JSON.readTree(
                read(
                    new PathMatchingResourcePatternResolver()
                        .getResource("classpath:json/spec/extension-auditevent-mpps.json")));
    own.remove("id");
    own.put(
        "url",
        "http://example.org/fhir/StructureDefinition/conformance-it-mpps-" + System.nanoTime());
    Response stored =
        assertTimeoutPreemptively(
            Duration.ofMinutes(1), () -> post("StructureDefinition", own.toString(), FHIR_JSON));
    assertThat(stored.statusCode()).as(stored.asString()).isEqualTo(201);
  }

  /**
   * Examples that a full run (bench/conformance.sh) once answered with 500, posted in every run: a
   * Claim and a RiskAssessment whose patient is a contained resource (the audit event named it by
   * its local id, which HAPI's encoder asserts against).
   */
  @Test
  void examplesThatOnceFailedAreAnsweredWithoutServerError() throws IOException {
    for (String name :
        List.of("claim-example-oral-contained.json", "riskassessment-example-population.json")) {
      String body =
          read(
              new PathMatchingResourcePatternResolver().getResource("classpath:json/spec/" + name));
      Matcher type = JSON_TYPE.matcher(body);
      assertThat(type.find()).isTrue();
      Response answer = post(type.group(1), body, FHIR_JSON);
      assertThat(answer.statusCode()).as(name + ": " + answer.asString()).isLessThan(500);
    }
  }

  @Test
  void officialR4ExamplesGiveNoServerErrorAndEvery4xxAnOperationOutcome() throws IOException {
    int stride = Integer.getInteger("trialfhir.conformance.stride", DEFAULT_STRIDE);
    Resource[] all =
        new PathMatchingResourcePatternResolver().getResources("classpath*:json/spec/*.json");
    Arrays.sort(all, Comparator.comparing(Resource::getFilename));
    assertThat(all).as("the R4 examples on the test classpath").hasSizeGreaterThan(2900);

    Tally tally = new Tally();
    List<String> overByteLimit = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < all.length; i += stride) {
      if (all[i].contentLength() > MAX_REQUEST_BYTES) {
        // The request size filter answers 413 before reading such a body (the client sees the
        // connection closed while sending): not a case for the validator.
        overByteLimit.add(all[i].getFilename());
        continue;
      }
      String body = read(all[i]);
      Matcher type = JSON_TYPE.matcher(body);
      String resourceType = type.find() ? type.group(1) : "Basic";
      tally.add(all[i].getFilename(), post(resourceType, body, FHIR_JSON));
    }
    System.out.printf(
        "conformance: R4 examples: %d of %d files (every %d), %s, %d s%n",
        tally.files, all.length, stride, tally, (System.nanoTime() - start) / 1_000_000_000);
    tally.refusedByValidation.forEach(
        (file, reason) -> System.out.println("conformance: 422 " + file + ": " + reason));

    assertThat(tally.serverErrors).as("5xx answers").isEmpty();
    assertThat(tally.withoutOutcome).as("4xx answers without an OperationOutcome").isEmpty();
  }

  @Test
  void mustFailValidatorCasesAreRefused() throws IOException {
    JsonNode manifest = JSON.readTree(classpath(CASES + "manifest.json"));
    List<String> mustFail = new ArrayList<>();
    int r4Cases = 0;
    for (JsonNode test : manifest.path("test-cases")) {
      String version = test.path("version").asText("5.0");
      if (!version.startsWith("4.0")
          || test.path("use-test").asText().equals("false")
          || NEEDS_MORE.stream().anyMatch(test::has)
          || !exists(CASES + test.path("file").asText())) {
        continue;
      }
      Integer errors = expectedErrors(test.path("java"));
      if (errors == null) {
        continue;
      }
      r4Cases++;
      if (errors > 0) {
        mustFail.add(test.path("file").asText());
      }
    }
    assertThat(mustFail).as("must-fail R4 cases found in the manifest").hasSizeGreaterThan(100);

    Tally tally = new Tally();
    List<String> stored = new ArrayList<>();
    for (String file : mustFail) {
      String body = new String(classpath(CASES + file), StandardCharsets.UTF_8);
      boolean xml = file.endsWith(".xml");
      Matcher type = (xml ? XML_ROOT : JSON_TYPE).matcher(body);
      String resourceType = type.find() ? type.group(1) : "Basic";
      Response response = post(resourceType, body, xml ? FHIR_XML : FHIR_JSON);
      tally.add(file, response);
      if (response.statusCode() < 400) {
        stored.add(file + " (" + response.statusCode() + ")");
      }
    }
    System.out.printf(
        "conformance: validator cases: %d R4 cases without external needs, must-fail refused %d /"
            + " %d, %s%n",
        r4Cases, mustFail.size() - stored.size(), mustFail.size(), tally);
    stored.forEach(
        file ->
            System.out.println(
                "conformance: stored must-fail case "
                    + file
                    + ": "
                    + CANNOT_REFUSE_OFFLINE.getOrDefault(file.replaceAll(" \\(.*", ""), "?")));

    assertThat(tally.serverErrors).as("5xx answers").isEmpty();
    assertThat(tally.withoutOutcome).as("4xx answers without an OperationOutcome").isEmpty();
    assertThat(stored)
        .as("must-fail cases that were stored")
        .allMatch(file -> CANNOT_REFUSE_OFFLINE.containsKey(file.replaceAll(" \\(.*", "")));
  }

  /**
   * {@code $validate} of the validator's signature and measure cases (signed Bundles, Measures and
   * MeasureReports without code systems), which once answered 500: an OperationOutcome every time.
   */
  @Test
  void validateOfSignedBundlesAndMeasuresAnswersWithAnOperationOutcome() throws IOException {
    JsonNode manifest = JSON.readTree(classpath(CASES + "manifest.json"));
    Tally tally = new Tally();
    for (JsonNode test : manifest.path("test-cases")) {
      String module = test.path("module").asText();
      String file = test.path("file").asText();
      if (!test.path("version").asText("5.0").startsWith("4.0")
          || !(module.equals("dsig") || module.equals("measure"))
          || !exists(CASES + file)) {
        continue;
      }
      String body = new String(classpath(CASES + file), StandardCharsets.UTF_8);
      boolean xml = file.endsWith(".xml");
      Matcher type = (xml ? XML_ROOT : JSON_TYPE).matcher(body);
      String resourceType = type.find() ? type.group(1) : "Basic";
      Response response =
          fhir()
              .contentType((xml ? FHIR_XML : FHIR_JSON) + "; charset=UTF-8")
              .accept(FHIR_JSON)
              .body(body.getBytes(StandardCharsets.UTF_8))
              .post("/" + resourceType + "/$validate");
      tally.add(file, response);
      assertThat(response.asString()).as(file).contains("OperationOutcome");
    }
    System.out.printf("conformance: $validate of signature and measure cases: %s%n", tally);
    assertThat(tally.files).isGreaterThan(10);
    assertThat(tally.serverErrors).as("5xx answers").isEmpty();
    assertThat(tally.withoutOutcome).as("4xx answers without an OperationOutcome").isEmpty();
  }

  private Response post(String resourceType, String body, String contentType) {
    return fhir()
        .contentType(contentType + "; charset=UTF-8")
        .accept(FHIR_JSON)
        .body(body.getBytes(StandardCharsets.UTF_8))
        .post("/" + resourceType);
  }

  /** The number of errors the Java validator expects, or null when the manifest does not say. */
  private static Integer expectedErrors(JsonNode java) throws IOException {
    if (java.isObject()) {
      return java.path("errorCount").asInt(0);
    }
    if (!java.isTextual() || !exists(CASES + "outcomes/" + java.asText())) {
      return null;
    }
    JsonNode outcome = JSON.readTree(classpath(CASES + "outcomes/" + java.asText()));
    int errors = 0;
    for (JsonNode issue : outcome.path("issue")) {
      String severity = issue.path("severity").asText();
      if (severity.equals("error") || severity.equals("fatal")) {
        errors++;
      }
    }
    return errors;
  }

  private static boolean exists(String path) {
    return ConformanceIT.class.getClassLoader().getResource(path) != null;
  }

  private static byte[] classpath(String path) throws IOException {
    try (InputStream in = ConformanceIT.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException(path + " is not on the test classpath");
      }
      return in.readAllBytes();
    }
  }

  private static String read(Resource file) throws IOException {
    try (InputStream in = file.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Answers by class, and the files whose answers break the rules. */
  private static final class Tally {
    int files;
    int ok;
    int clientErrors;
    int validation422;
    final List<String> serverErrors = new ArrayList<>();
    final List<String> withoutOutcome = new ArrayList<>();
    final TreeMap<String, String> refusedByValidation = new TreeMap<>();

    void add(String file, Response response) {
      files++;
      int status = response.statusCode();
      if (status >= 500) {
        serverErrors.add(file + " (" + status + ": " + abbreviate(response.asString()) + ")");
      } else if (status >= 400) {
        clientErrors++;
        String body = response.asString();
        if (!String.valueOf(response.contentType()).startsWith(FHIR_JSON)
            || !body.contains("\"resourceType\": \"OperationOutcome\"")
                && !body.contains("\"resourceType\":\"OperationOutcome\"")) {
          withoutOutcome.add(file + " (" + status + ")");
        }
        if (status == 422) {
          validation422++;
          refusedByValidation.put(file, abbreviate(body));
        }
      } else {
        ok++;
      }
    }

    @Override
    public String toString() {
      return String.format(
          "2xx %d, 4xx %d (422: %d), 5xx %d, 4xx without OperationOutcome %d",
          ok, clientErrors, validation422, serverErrors.size(), withoutOutcome.size());
    }

    private static String abbreviate(String text) {
      String flat = text.replaceAll("\\s+", " ");
      return flat.length() > 400 ? flat.substring(0, 400) + "..." : flat;
    }
  }
}
