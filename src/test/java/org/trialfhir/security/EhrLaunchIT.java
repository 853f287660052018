package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.trialfhir.TrialFhirApplication;

/**
 * SMART EHR launch at the development issuer, over HTTP as a browser does it: sign in at the EHR
 * simulator, launch, authorise with PKCE, exchange the code. The server runs as shipped (the dev
 * issuer on), with launches that live 3 seconds, in a JVM of its own (tag {@code own-context}).
 */
@Tag("own-context")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EhrLaunchIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

  private ConfigurableApplicationContext server;
  private String root;
  private String fhirBase;

  @BeforeAll
  void start() throws IOException {
    server =
        new SpringApplicationBuilder(TrialFhirApplication.class)
            .run(
                "--server.port=0",
                "--trialfhir.data-dir=" + Files.createTempDirectory("trialfhir-launch"),
                "--trialfhir.security.ehr-launch.ttl=3s");
    int port = ((WebServerApplicationContext) server).getWebServer().getPort();
    root = "http://127.0.0.1:" + port;
    fhirBase = root + "/fhir";
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** A browser: its own cookies (the session at the EHR and the issuer), no redirects followed. */
  private final class Browser {
    final HttpClient http =
        HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    final String verifier = random(32);

    HttpResponse<String> get(String url) throws Exception {
      return http.send(
          HttpRequest.newBuilder(URI.create(url)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String url, Map<String, String> form) throws Exception {
      return http.send(
          HttpRequest.newBuilder(URI.create(url))
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString(form(form)))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }

    Browser signIn(String user) throws Exception {
      Matcher csrf = CSRF.matcher(get(root + "/login").body());
      assertThat(csrf.find()).as("the sign-in form's CSRF token").isTrue();
      HttpResponse<String> signedIn =
          post(root + "/login", Map.of("username", user, "password", user, "_csrf", csrf.group(1)));
      assertThat(signedIn.statusCode()).isEqualTo(302);
      assertThat(location(signedIn)).doesNotContain("error");
      return this;
    }

    /** The page's launch URL the simulator answers with. */
    String launch(String query) throws Exception {
      HttpResponse<String> launched = get(root + DevEhrSimulator.PATH + "?" + query);
      assertThat(launched.statusCode()).as(launched.body()).isEqualTo(302);
      return location(launched);
    }

    /** The authorisation request of the page for a launch; answers where the issuer redirects. */
    Map<String, String> authorize(String launch, String aud) throws Exception {
      return authorize(launch, aud, "launch openid fhirUser user/*.cruds");
    }

    Map<String, String> authorize(String launch, String aud, String scope) throws Exception {
      HttpResponse<String> answer =
          get(root + "/oauth2/authorize?" + form(request(launch, aud, scope)));
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(302);
      String location = location(answer);
      assertThat(location).startsWith(root + "/?");
      Map<String, String> params = params(URI.create(location).getRawQuery());
      assertThat(params.get("state")).isEqualTo(state);
      return params;
    }

    private String state;

    Map<String, String> request(String launch, String aud, String scope) throws Exception {
      Map<String, String> query = new LinkedHashMap<>();
      query.put("response_type", "code");
      query.put("client_id", "coordinator-page");
      query.put("redirect_uri", root + "/");
      query.put("scope", scope);
      state = "s-" + random(8);
      query.put("state", state);
      query.put("aud", aud);
      if (launch != null) {
        query.put("launch", launch);
      }
      query.put("code_challenge", challenge(verifier));
      query.put("code_challenge_method", "S256");
      return query;
    }

    HttpResponse<String> token(String code) throws Exception {
      return post(
          root + "/oauth2/token",
          Map.of(
              "grant_type",
              "authorization_code",
              "code",
              code,
              "redirect_uri",
              root + "/",
              "client_id",
              "coordinator-page",
              "code_verifier",
              verifier));
    }
  }

  @Test
  void aLaunchGivesATokenWithThePatientAndTheStudyInContext() throws Exception {
    Browser browser = new Browser().signIn("coordinator");
    String page = browser.launch("patient=p-ehr-1&study=nct06407297&encounter=enc-9");
    Map<String, String> pageQuery = params(URI.create(page).getRawQuery());
    assertThat(page).startsWith(root + "/?");
    assertThat(pageQuery.get("iss")).isEqualTo(fhirBase);
    assertThat(pageQuery.get("launch")).matches("[A-Za-z0-9_-]{43}");

    Map<String, String> redirect = browser.authorize(pageQuery.get("launch"), fhirBase);
    assertThat(redirect).containsKey("code").doesNotContainKey("error");
    HttpResponse<String> token = browser.token(redirect.get("code"));
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(token.body());
    assertThat(body.path("patient").asText()).isEqualTo("p-ehr-1");
    assertThat(body.path("encounter").asText()).isEqualTo("enc-9");
    assertThat(body.path("fhirContext").get(0).path("reference").asText())
        .isEqualTo("ResearchStudy/nct06407297");
    assertThat(body.path("scope").asText()).contains("launch");
    // The access token's patient claim is what this server's authorisation narrows by; the
    // user's own roles and scopes are unchanged.
    JsonNode claims =
        JSON.readTree(
            Base64.getUrlDecoder().decode(body.path("access_token").asText().split("\\.")[1]));
    assertThat(claims.path("patient").asText()).isEqualTo("p-ehr-1");
    assertThat(claims.path("roles").get(0).asText()).isEqualTo("coordinator");
    assertThat(claims.path("scope").asText()).isEqualTo("user/*.cruds");
  }

  @Test
  void theIdTokenNamesWhoSignedInAndSignOutEndsTheSignInSession() throws Exception {
    Browser browser = new Browser().signIn("investigator");
    Map<String, String> redirect = browser.authorize(null, fhirBase, "openid profile user/*.cruds");
    assertThat(redirect).as("the page's sign-in").containsKey("code");
    JsonNode body = JSON.readTree(browser.token(redirect.get("code")).body());
    String idToken = body.path("id_token").asText();
    JsonNode who = JSON.readTree(Base64.getUrlDecoder().decode(idToken.split("\\.")[1]));
    // The page's header: the name and user name of the id_token, the roles of the access token.
    assertThat(who.path("name").asText()).isEqualTo("Dr Ivo Investigator");
    assertThat(who.path("preferred_username").asText()).isEqualTo("investigator");
    assertThat(who.path("aud").toString()).contains("coordinator-page");
    assertThat(who.path("sid").asText()).isNotBlank();

    // Signing out towards a site the page did not register is refused; the session stays.
    String logout = root + "/connect/logout?client_id=coordinator-page&id_token_hint=" + idToken;
    HttpResponse<String> elsewhere =
        browser.get(logout + "&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F");
    assertThat(elsewhere.statusCode()).isEqualTo(400);
    assertThat(browser.authorize(null, fhirBase, "openid profile user/*.cruds"))
        .containsKey("code");

    // Signing out back to the page (on its port) ends the session: the next sign-in asks again.
    HttpResponse<String> out =
        browser.get(
            logout
                + "&post_logout_redirect_uri="
                + java.net.URLEncoder.encode(root + "/", java.nio.charset.StandardCharsets.UTF_8));
    assertThat(out.statusCode()).as(out.body()).isEqualTo(302);
    assertThat(location(out)).isEqualTo(root + "/");
    HttpResponse<String> again =
        browser.get(
            root
                + "/oauth2/authorize?"
                + form(browser.request(null, fhirBase, "openid profile user/*.cruds")));
    assertThat(again.statusCode()).isEqualTo(302);
    assertThat(location(again)).endsWith("/login");
  }

  @Test
  void aLaunchIdIsUsedOnce() throws Exception {
    Browser browser = new Browser().signIn("coordinator");
    String launch =
        params(URI.create(browser.launch("patient=p-ehr-2")).getRawQuery()).get("launch");
    Map<String, String> first = browser.authorize(launch, fhirBase);
    assertThat(first).containsKey("code");
    Map<String, String> again = browser.authorize(launch, fhirBase);
    assertThat(again).doesNotContainKey("code").containsEntry("error", "invalid_request");
    assertThat(again.get("error_description")).contains("already been used");
    // The first authorisation still gets its token, once; without a study there is no fhirContext.
    JsonNode body = JSON.readTree(browser.token(first.get("code")).body());
    assertThat(body.path("patient").asText()).isEqualTo("p-ehr-2");
    assertThat(body.has("fhirContext")).isFalse();
  }

  @Test
  void anExpiredLaunchIsRefused() throws Exception {
    Browser browser = new Browser().signIn("coordinator");
    String launch =
        params(URI.create(browser.launch("patient=p-ehr-3")).getRawQuery()).get("launch");
    Thread.sleep(3_500);
    Map<String, String> answer = browser.authorize(launch, fhirBase);
    assertThat(answer).containsEntry("error", "invalid_request");
    assertThat(answer.get("error_description")).contains("expired");
  }

  @Test
  void anotherUsersOrAnUnknownLaunchIsRefused() throws Exception {
    String theirs =
        params(
                URI.create(new Browser().signIn("investigator").launch("patient=p-ehr-4"))
                    .getRawQuery())
            .get("launch");
    Browser mine = new Browser().signIn("coordinator");
    assertThat(mine.authorize(theirs, fhirBase).get("error_description")).contains("another user");
    assertThat(mine.authorize("guessed-" + random(8), fhirBase).get("error_description"))
        .contains("unknown launch");
  }

  @Test
  void audMustBeThisServersFhirBase() throws Exception {
    Browser browser = new Browser().signIn("coordinator");
    String launch =
        params(URI.create(browser.launch("patient=p-ehr-5")).getRawQuery()).get("launch");
    Map<String, String> answer = browser.authorize(launch, "https://elsewhere.example/fhir");
    assertThat(answer).containsEntry("error", "invalid_request");
    assertThat(answer.get("error_description")).contains("not this server's FHIR base URL");
    // A standalone sign-in is held to the same rule.
    assertThat(browser.authorize(null, root + "/other").get("error")).isEqualTo("invalid_request");
    assertThat(browser.authorize(null, fhirBase)).containsKey("code");
  }

  @Test
  void theSimulatorWantsASignedInUserAndAPatient() throws Exception {
    Browser anonymous = new Browser();
    HttpResponse<String> answer = anonymous.get(root + DevEhrSimulator.PATH + "?patient=p1");
    assertThat(answer.statusCode()).isEqualTo(302);
    assertThat(location(answer)).endsWith("/login");
    Browser browser = new Browser().signIn("coordinator");
    assertThat(browser.get(root + DevEhrSimulator.PATH).statusCode()).isEqualTo(400);
    assertThat(browser.get(root + DevEhrSimulator.PATH + "?patient=a%20b").statusCode())
        .isEqualTo(400);
  }

  @Test
  void smartConfigurationAdvertisesEhrLaunch() throws Exception {
    JsonNode document =
        JSON.readTree(new Browser().get(fhirBase + "/.well-known/smart-configuration").body());
    assertThat(document.path("capabilities").toString())
        .contains("\"launch-ehr\"", "\"context-ehr-patient\"", "\"context-ehr-encounter\"");
    assertThat(document.path("scopes_supported").toString())
        .contains("\"launch\"", "\"launch/patient\"", "\"openid\"", "\"fhirUser\"");
  }

  private static String location(HttpResponse<?> response) {
    return response.headers().firstValue("Location").orElse("");
  }

  private static Map<String, String> params(String query) {
    Map<String, String> params = new LinkedHashMap<>();
    if (query == null) {
      return params;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }

  private static String form(Map<String, String> values) {
    return values.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  private static String random(int bytes) {
    byte[] value = new byte[bytes];
    new SecureRandom().nextBytes(value);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
  }

  private static String challenge(String verifier) throws Exception {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(
            MessageDigest.getInstance("SHA-256")
                .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
  }
}
