package org.trialfhir.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import io.restassured.path.json.JsonPath;
import java.util.Collections;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

@Tag("persistence")
class SearchIT extends IntegrationTestBase {

  private static final String CPEPTIDE = "http://loinc.org|1986-9";
  private String family;
  private String withLabs;
  private String withoutLabs;

  /** Two patients of one (unique) family; only the first has three C-peptide results. */
  @BeforeEach
  void patientsWithLabs() {
    family = unique("Search");
    withLabs = createPatient(family, "2013-02-03");
    withoutLabs = createPatient(family, "2011-04-05");
    for (String date : new String[] {"2026-01-10", "2026-03-10", "2026-02-10"}) {
      fhir()
          .body(
              """
              {"resourceType":"Observation","status":"final",
               "code":{"coding":[{"system":"http://loinc.org","code":"1986-9"}]},
               "subject":{"reference":"Patient/%s"},"effectiveDateTime":"%s",
               "valueQuantity":{"value":0.3,"unit":"nmol/L","system":"http://unitsofmeasure.org",
                                "code":"nmol/L"}}
              """
                  .formatted(withLabs, date))
          .post("/Observation")
          .then()
          .statusCode(201);
    }
  }

  @Test
  void aRepeatedSearchSeesWritesMadeInBetween() {
    String url = "/Patient?family=" + family;
    fhir().get(url).then().body("total", equalTo(2));
    createPatient(family, "2015-06-07");
    fhir().get(url).then().body("total", equalTo(3)).body("entry", hasSize(3));
  }

  @Test
  void chainedSearch() {
    fhir()
        .get("/Observation?subject:Patient.family=" + family)
        .then()
        .statusCode(200)
        .body("entry", hasSize(3));
  }

  @Test
  void includeAndRevinclude() {
    JsonPath included =
        fhir()
            .get("/Observation?subject=Patient/" + withLabs + "&_include=Observation:subject")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertModes(included, "Observation", "match", 3);
    assertModes(included, "Patient", "include", 1);

    JsonPath revIncluded =
        fhir()
            .get("/Patient?_id=" + withLabs + "&_revinclude=Observation:subject")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertModes(revIncluded, "Patient", "match", 1);
    assertModes(revIncluded, "Observation", "include", 3);
  }

  @Test
  void hasFindsPatientsByTheirObservations() {
    fhir()
        .get("/Patient?family=" + family + "&_has:Observation:subject:code=" + CPEPTIDE)
        .then()
        .statusCode(200)
        .body("entry.resource.id", contains(withLabs))
        .body("entry.resource.id", not(hasItem(withoutLabs)));
  }

  @Test
  void sortByDate() {
    fhir()
        .get("/Observation?subject=Patient/" + withLabs + "&_sort=-date")
        .then()
        .statusCode(200)
        .body(
            "entry.resource.effectiveDateTime", contains("2026-03-10", "2026-02-10", "2026-01-10"));
    fhir()
        .get("/Patient?family=" + family + "&_sort=birthdate")
        .then()
        .body("entry.resource.id", contains(withoutLabs, withLabs));
  }

  @Test
  void countPagesThroughResults() {
    JsonPath first =
        fhir()
            .get("/Observation?subject=Patient/" + withLabs + "&_count=2&_sort=date")
            .then()
            .statusCode(200)
            .body("entry", hasSize(2))
            .extract()
            .jsonPath();
    String next = first.getString("link.find { it.relation == 'next' }.url");
    given()
        .header("Authorization", "Bearer " + TestTokens.admin())
        .accept(FHIR_JSON)
        .get(next)
        .then()
        .statusCode(200)
        .body("entry", hasSize(1))
        .body("entry[0].resource.effectiveDateTime", equalTo("2026-03-10"))
        .body("link.relation", not(hasItem("next")));
  }

  private static void assertModes(JsonPath bundle, String type, String mode, int count) {
    var modes =
        bundle.getList("entry.findAll { it.resource.resourceType == '" + type + "' }.search.mode");
    assertThat(type + " entries", modes, equalTo(Collections.nCopies(count, mode)));
  }
}
