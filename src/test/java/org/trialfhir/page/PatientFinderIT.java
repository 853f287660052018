package org.trialfhir.page;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.trialfhir.IntegrationTestBase;

/**
 * The page's patient finder as a coordinator uses it, through the package SearchParameter {@code
 * name-or-identifier}: any part of a name, an MRN typed in any case, a birth date, and pages of 20
 * with the total.
 */
@Tag("persistence")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatientFinderIT extends IntegrationTestBase {

  /** A family name no other test uses, of letters only (searched by its start and middle). */
  private final String family = "Qz" + letters() + "ovic";

  private final String mrn = "E2E-" + family.toUpperCase(Locale.ROOT) + "-1";

  /** Ten random lower-case letters. */
  private static String letters() {
    StringBuilder s = new StringBuilder();
    java.util.concurrent.ThreadLocalRandom random =
        java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < 10; i++) {
      s.append((char) ('a' + random.nextInt(26)));
    }
    return s.toString();
  }

  @BeforeAll
  void patients() {
    io.restassured.RestAssured.port = port;
    io.restassured.RestAssured.basePath = "";
    create("Annabel", family, mrn, "2014-03-05");
    create("Bob", family, "E2E-" + family.toUpperCase(Locale.ROOT) + "-2", "2012-01-01");
  }

  private void create(String given, String family, String mrn, String birthDate) {
    fhir()
        .body(
            """
            {"resourceType":"Patient","name":[{"family":"%s","given":["%s"]}],
             "identifier":[{"system":"urn:oid:2.16.840.1.113883.19.5","value":"%s"}],
             "birthDate":"%s","gender":"female"}
            """
                .formatted(family, given, mrn, birthDate))
        .post("/Patient")
        .then()
        .statusCode(201);
  }

  private JsonPath search(Map<String, ?> query) {
    Response response = fhir().queryParams(query).get("/Patient");
    assertThat(response.statusCode()).as(query + ": " + response.asString()).isEqualTo(200);
    return response.jsonPath();
  }

  private List<String> given(Map<String, ?> query) {
    List<String> names =
        search(query).getList("entry.resource.collect { it.name[0].given[0] }", String.class);
    return names == null ? List.of() : names;
  }

  @Test
  void anIdentifierIsFoundWhateverItsCase() {
    assertThat(given(Map.of("name-or-identifier:contains", mrn.toLowerCase(Locale.ROOT))))
        .containsExactly("Annabel");
    assertThat(given(Map.of("name-or-identifier", mrn.toLowerCase(Locale.ROOT))))
        .containsExactly("Annabel");
    assertThat(given(Map.of("name-or-identifier:exact", mrn.toLowerCase(Locale.ROOT))))
        .as(":exact keeps the case")
        .isEmpty();
  }

  @Test
  void anyPartOfANameFindsThePatientAndEveryWordMustMatch() {
    String middle = family.substring(2, family.length() - 2).toLowerCase(Locale.ROOT);
    assertThat(given(Map.of("name-or-identifier:contains", middle)))
        .containsExactlyInAnyOrder("Annabel", "Bob");
    assertThat(given(Map.of("name-or-identifier", family.substring(0, 5))))
        .as("the start of the family name")
        .containsExactlyInAnyOrder("Annabel", "Bob");
    assertThat(given(Map.of("name-or-identifier:contains", List.of(middle, "nnabe"))))
        .as("a part of the given name, and of the family name")
        .containsExactly("Annabel");
    assertThat(given(Map.of("name-or-identifier:contains", List.of(middle, "zzz")))).isEmpty();
  }

  @Test
  void aBirthDateNarrowsOrFindsAlone() {
    assertThat(given(Map.of("name-or-identifier", family, "birthdate", "2014-03-05")))
        .containsExactly("Annabel");
    assertThat(given(Map.of("name-or-identifier", family, "birthdate", "2014-03-06"))).isEmpty();
    assertThat(given(Map.of("birthdate", "2012-01-01", "_count", 500))).contains("Bob");
  }

  @Test
  void pagesOfTwentyWithTheTotalAndNextAndPreviousLinks() {
    String many = "Qm" + family.substring(2);
    for (int i = 0; i < 23; i++) {
      create("P" + i, many, "E2E-" + many + "-" + i, "2010-01-01");
    }
    JsonPath first =
        search(
            Map.of(
                "name-or-identifier",
                many,
                "_count",
                20,
                "_total",
                "accurate",
                "_sort",
                "family,given",
                // Offset paging: the next link is a search again, which any caller allowed to
                // search may follow (a _getpages link names no type and is refused to anyone
                // who may not read AuditEvents).
                "_offset",
                0));
    assertThat(first.getInt("total")).isEqualTo(23);
    assertThat(first.getList("entry")).hasSize(20);
    String next = first.getString("link.find { it.relation == 'next' }.url");
    assertThat(next).isNotNull();
    // As the page does it: a coordinator's own token follows the link (no AuditEvent in it).
    String coordinator =
        org.trialfhir.TestTokens.token("user/*.cruds", List.of("coordinator"), null);
    // The link is already encoded (_sort=family%2Cgiven): sent as it is, as a browser does.
    Response page2 = fhirAs(coordinator).urlEncodingEnabled(false).basePath("").get(next);
    assertThat(page2.statusCode()).as(page2.asString()).isEqualTo(200);
    assertThat(page2.jsonPath().getList("entry")).hasSize(3);
    assertThat(page2.jsonPath().getString("link.find { it.relation == 'previous' }.url"))
        .isNotNull();
    List<String> all =
        new ArrayList<>(first.getList("entry.resource.collect { it.name[0].given[0] }"));
    all.addAll(page2.jsonPath().getList("entry.resource.collect { it.name[0].given[0] }"));
    assertThat(all).doesNotHaveDuplicates().hasSize(23);
  }

  @Test
  void aNextPageOfAuditEventsIsStillForAuditorsOnly() {
    String auditor =
        org.trialfhir.TestTokens.token("system/AuditEvent.rs", List.of("auditor"), null);
    String next = null;
    // AuditEvents are written shortly after the request they record.
    for (int i = 0; i < 30 && next == null; i++) {
      next =
          fhirAs(auditor)
              .queryParam("_count", 1)
              .get("/AuditEvent")
              .then()
              .statusCode(200)
              .extract()
              .jsonPath()
              .getString("link.find { it.relation == 'next' }.url");
      if (next == null) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    assertThat(next).as("more than one AuditEvent (each patient created is audited)").isNotNull();
    String coordinator =
        org.trialfhir.TestTokens.token("user/*.cruds", List.of("coordinator"), null);
    fhirAs(coordinator).basePath("").get(next).then().statusCode(403);
    fhirAs(auditor).basePath("").get(next).then().statusCode(200);
  }
}
