package org.trialfhir.server;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;

@Tag("persistence")
class CrudAndVersioningIT extends IntegrationTestBase {

  @Test
  void createReadVreadUpdateHistoryDelete() {
    String family = unique("Crud");
    String id = createPatient(family, "2014-05-06");

    fhir().get("/Patient/" + id).then().statusCode(200).body("name[0].family", equalTo(family));

    fhir()
        .body(
            """
            {"resourceType":"Patient","id":"%s","name":[{"family":"%s"}],"birthDate":"2014-05-07"}
            """
                .formatted(id, family))
        .put("/Patient/" + id)
        .then()
        .statusCode(200)
        .body("meta.versionId", equalTo("2"))
        .body("birthDate", equalTo("2014-05-07"));

    fhir()
        .get("/Patient/" + id + "/_history/1")
        .then()
        .statusCode(200)
        .body("birthDate", equalTo("2014-05-06"));
    fhir()
        .get("/Patient/" + id + "/_history")
        .then()
        .statusCode(200)
        .body("type", equalTo("history"))
        .body("entry", hasSize(2));

    fhir().delete("/Patient/" + id).then().statusCode(200);
    fhir().get("/Patient/" + id).then().statusCode(410);
    fhir().get("/Patient/" + id + "/_history").then().statusCode(200).body("entry", hasSize(3));
  }

  @Test
  void clientAssignedIdsByPutAreKeptAsSent() {
    // EHR interfaces send their own ids, often purely numeric.
    String numericId =
        Long.toString(ThreadLocalRandom.current().nextLong(1_000_000, 1_000_000_000));
    for (String id : new String[] {numericId, unique("ehr")}) {
      fhir()
          .body("{\"resourceType\":\"Patient\",\"id\":\"%s\",\"gender\":\"female\"}".formatted(id))
          .put("/Patient/" + id)
          .then()
          .statusCode(201)
          .header("Content-Location", containsString("/Patient/" + id + "/_history/1"));
      fhir()
          .body("{\"resourceType\":\"Patient\",\"id\":\"%s\",\"gender\":\"male\"}".formatted(id))
          .put("/Patient/" + id)
          .then()
          .statusCode(200)
          .body("meta.versionId", equalTo("2"));
      fhir().get("/Patient/" + id).then().statusCode(200).body("gender", equalTo("male"));
    }
  }

  @Test
  void conditionalCreateDoesNotDuplicate() {
    String mrn = unique("mrn");
    String body =
        """
        {"resourceType":"Patient","identifier":[{"system":"urn:test:mrn","value":"%s"}]}
        """
            .formatted(mrn);
    String first =
        fhir()
            .header("If-None-Exist", "identifier=urn:test:mrn|" + mrn)
            .body(body)
            .post("/Patient")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    fhir()
        .header("If-None-Exist", "identifier=urn:test:mrn|" + mrn)
        .body(body)
        .post("/Patient")
        .then()
        .statusCode(200)
        .body("id", equalTo(first));
    fhir().get("/Patient?identifier=urn:test:mrn|" + mrn).then().body("total", equalTo(1));
  }

  @Test
  void conditionalUpdateCreatesThenUpdatesTheMatch() {
    String mrn = unique("mrn");
    String url = "/Patient?identifier=urn:test:mrn|" + mrn;
    String body =
        """
        {"resourceType":"Patient","identifier":[{"system":"urn:test:mrn","value":"%s"}],
         "gender":"%s"}
        """;
    String id =
        fhir()
            .body(body.formatted(mrn, "female"))
            .put(url)
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    fhir()
        .body(body.formatted(mrn, "male"))
        .put(url)
        .then()
        .statusCode(200)
        .body("id", equalTo(id))
        .body("meta.versionId", equalTo("2"));
  }

  @Test
  void staleIfMatchIsRefusedWith412() {
    String id = createPatient(unique("Lock"), "2012-01-01");
    String body = "{\"resourceType\":\"Patient\",\"id\":\"%s\",\"gender\":\"other\"}".formatted(id);
    fhir()
        .header("If-Match", "W/\"1\"")
        .body(body)
        .put("/Patient/" + id)
        .then()
        .statusCode(200)
        .header("ETag", equalTo("W/\"2\""));
    fhir()
        .header("If-Match", "W/\"1\"")
        .body(body)
        .put("/Patient/" + id)
        .then()
        .statusCode(412)
        .body("resourceType", equalTo("OperationOutcome"))
        .body("issue[0].diagnostics", notNullValue());
    fhir().get("/Patient/" + id).then().body("meta.versionId", equalTo("2"));
  }
}
