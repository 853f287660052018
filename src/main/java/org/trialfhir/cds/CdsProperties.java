package org.trialfhir.cds;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.cds.*}: the CDS Hooks service ({@link CdsHooksEndpoint}), docs/cds-hooks.md.
 *
 * @param enabled false removes the {@code /cds-services} endpoints
 * @param issuers the EHRs whose signed JWTs are accepted, each with the identity its calls act as
 * @param anonymous on a development server only (the development token issuer runs): calls without
 *     a JWT are accepted and act as this identity; ignored (and a JWT required) otherwise
 * @param fetchTimeout how long one read of the EHR's FHIR server ({@code fhirServer}) may take
 * @param maxRecordEntries resources one patient's record may hold, prefetched and fetched together
 * @param pageUrl the coordinator page, for the cards' links; default: this server's root
 */
@Validated
@ConfigurationProperties("trialfhir.cds")
record CdsProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue @Valid List<Issuer> issuers,
    @DefaultValue @Valid @NotNull Identity anonymous,
    @DefaultValue("5s") @NotNull Duration fetchTimeout,
    @DefaultValue("5000") @Positive int maxRecordEntries,
    String pageUrl) {

  /**
   * One trusted EHR (CDS Hooks client authentication): its JWTs carry {@code iss} = {@code issuer}
   * and are signed with a key of its JWK Set, given inline ({@code jwks}, a JSON JWK Set) or by
   * address ({@code jwks-url}); the key set named by a JWT's {@code jku} header is used only when
   * it is this address.
   */
  record Issuer(
      @NotBlank String issuer,
      String jwksUrl,
      String jwks,
      @DefaultValue @Valid @NotNull Identity identity) {

    Issuer {
      if ((jwksUrl == null || jwksUrl.isBlank()) == (jwks == null || jwks.isBlank())) {
        throw new IllegalArgumentException(
            "trialfhir.cds.issuers: give exactly one of jwks-url and jwks for " + issuer);
      }
    }
  }

  /**
   * What a call acts as where it reads this server (the studies; a record the EHR did not send):
   * scopes and roles as a token of the server's identity provider would grant them, and the
   * organisation whose patients the EHR may see.
   */
  record Identity(
      @DefaultValue({
            "system/ResearchStudy.rs",
            "system/Group.rs",
            "system/Patient.rs",
            "system/Condition.rs",
            "system/Observation.rs",
            "system/Consent.rs",
            "system/AllergyIntolerance.rs"
          })
          List<String> scopes,
      @DefaultValue("ehr-system") List<String> roles,
      String organization) {}
}
