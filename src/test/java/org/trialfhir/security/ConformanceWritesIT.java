package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * Profiles, terminology and search parameters change what the server does for everyone: only the
 * administrator role may write them, whatever the scopes (the official examples, loaded by a {@code
 * system/*.cruds} client, once broke every Patient name search).
 */
class ConformanceWritesIT extends IntegrationTestBase {

  private static final String WRITER_WITHOUT_ROLE =
      TestTokens.token("system/*.cruds", List.of("coordinator", "unblinded", "registry"), null);

  @Test
  void aClientThatMayWriteEverythingButIsNoAdministratorCannotAddAValueSet() {
    String id = unique("local-labs");
    Response refused = fhirAs(WRITER_WITHOUT_ROLE).body(valueSet(id)).put("/ValueSet/" + id);
    assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(403);
    assertThat(refused.asString()).contains("OperationOutcome").contains("administrators");
    assertThat(fhir().get("/ValueSet/" + id).statusCode()).isEqualTo(404);

    Response admitted =
        fhirAs(TestTokens.token("system/*.cruds", List.of("administrator"), null))
            .body(valueSet(id))
            .put("/ValueSet/" + id);
    assertThat(admitted.statusCode()).as(admitted.asString()).isEqualTo(201);

    Response deleteRefused = fhirAs(WRITER_WITHOUT_ROLE).delete("/ValueSet/" + id);
    assertThat(deleteRefused.statusCode()).as(deleteRefused.asString()).isEqualTo(403);
  }

  @Test
  void aSearchParameterNeedsTheAdministratorRoleToo() {
    String body =
        """
        {"resourceType":"SearchParameter","url":"https://example.org/SearchParameter/%1$s",
         "name":"%1$s","status":"active","description":"test","code":"%1$s",
         "base":["Basic"],"type":"token","expression":"Basic.code"}
        """
            .formatted(unique("sp").replace("-", ""));
    Response refused = fhirAs(WRITER_WITHOUT_ROLE).body(body).post("/SearchParameter");
    assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(403);
  }

  private static String valueSet(String id) {
    return """
        {"resourceType":"ValueSet","id":"%1$s","url":"https://example.org/ValueSet/%1$s",
         "status":"active","compose":{"include":[{"system":"http://loinc.org",
           "concept":[{"code":"1986-9"}]}]}}
        """
        .formatted(id);
  }
}
