package org.trialfhir.eligibility;

import io.restassured.specification.RequestSpecification;
import java.util.UUID;

/**
 * A study defined only as FHIR data, for tests: an active ResearchStudy whose eligibility Group has
 * the one characteristic given, POSTed in one transaction.
 */
final class DataOnlyStudy {

  private DataOnlyStudy() {}

  /**
   * Creates the study and returns its id.
   *
   * @param characteristic one {@code Group.characteristic} as JSON
   */
  static String create(RequestSpecification fhir, String characteristic) {
    String group = "urn:uuid:" + UUID.randomUUID();
    String name = "data-only-" + UUID.randomUUID();
    String body =
        """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"fullUrl":"%1$s",
           "resource":{"resourceType":"Group","type":"person","actual":false,
             "characteristic":[%3$s]},
           "request":{"method":"POST","url":"Group"}},
          {"resource":{"resourceType":"ResearchStudy",
             "identifier":[{"system":"urn:trialfhir:test:study","value":"%2$s"}],
             "title":"%2$s","status":"active",
             "enrollment":[{"reference":"%1$s"}]},
           "request":{"method":"POST","url":"ResearchStudy"}}
        ]}
        """
            .formatted(group, name, characteristic);
    String location =
        fhir.body(body)
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .path("entry[1].response.location");
    return location.split("/")[1];
  }
}
