package org.trialfhir.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.IInstanceValidatorModule;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.utilities.OIDUtilities;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.trialfhir.IntegrationTestBase;

/**
 * The empty {@code oidregistry.csv} that shadows the validation library's 1.5 MB registry (parsed
 * for every validated resource) changes no outcome: the registry only tells the validator that a
 * {@code urn:oid:} URI is known, and the resource fetcher HAPI gives the server's validator accepts
 * every URI anyway. If either fact changes with a HAPI upgrade, this test says so.
 */
class OidRegistryIT extends IntegrationTestBase {

  private static final String HL7_ROOT = "urn:oid:2.16.840.1.113883";

  @Autowired IInstanceValidatorModule instanceValidator;

  @Test
  void theShippedRegistryShadowsTheLibrarysOne() {
    assertThat(new OIDUtilities().isKnownOID(HL7_ROOT))
        .as("the library's registry lists HL7's root OID; ours lists none")
        .isFalse();
  }

  @Test
  void theServersValidatorAcceptsEveryUriWhateverTheRegistrySays() throws Exception {
    FhirInstanceValidator validator = (FhirInstanceValidator) instanceValidator;
    assertThat(validator.getValidatorResourceFetcher()).isNotNull();
    for (String uri : List.of(HL7_ROOT, "urn:oid:1.2.3.4.5.6.7.8.9", "http://example.org/x")) {
      assertThat(
              validator
                  .getValidatorResourceFetcher()
                  .resolveURL(null, null, "Coding.system", uri, "uri", false, List.of()))
          .as(uri)
          .isTrue();
    }
  }

  /** A code with an OID system the library's registry knows is stored as before. */
  @Test
  void anObservationCodedWithAnOidSystemIsStored() {
    String observation =
        """
        {"resourceType":"Observation","status":"final",
         "code":{"coding":[{"system":"urn:oid:2.16.840.1.113883.6.1","code":"4548-4"}]},
         "valueQuantity":{"value":7.1,"unit":"%","system":"http://unitsofmeasure.org","code":"%"}}
        """;
    fhir()
        .contentType("application/fhir+json")
        .body(observation)
        .post("/Observation")
        .then()
        .statusCode(201);
  }
}
