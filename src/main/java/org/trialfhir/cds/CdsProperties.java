package org.trialfhir.cds;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.cds.*}: the CDS Hooks service ({@link CdsHooksEndpoint}), docs/cds-hooks.md.
 *
 * @param enabled false removes the {@code /cds-services} endpoints
 * @param baseUrl the address of {@code /cds-services} as the EHRs call it (e.g. {@code
 *     https://trials.example.org/cds-services}): a JWT's {@code aud} must be this plus the path
 *     called. Required with issuers: the address the request arrived at is built from its Host
 *     header, which the caller chooses
 * @param issuers the EHRs whose signed JWTs are accepted, each with the identity its calls act as
 * @param anonymous on a development server only (the development token issuer runs): calls without
 *     a JWT are accepted and act as this identity; ignored (and a JWT required) otherwise
 * @param readStore whether a call without any prefetch and without {@code fhirServer} is evaluated
 *     on this server's own copy of the patient (only a patient of the EHR's organisation); off:
 *     such a call is a 412, as CDS Hooks answers prefetch it cannot get
 * @param maxRecordEntries resources one patient's record may hold
 * @param pageUrl the coordinator page, for the cards' links; default: this server's root
 */
@Validated
@ConfigurationProperties("trialfhir.cds")
record CdsProperties(
    @DefaultValue("true") boolean enabled,
    String baseUrl,
    @DefaultValue @Valid List<Issuer> issuers,
    @DefaultValue @Valid @NotNull Identity anonymous,
    @DefaultValue("false") boolean readStore,
    @DefaultValue("5000") @Positive int maxRecordEntries,
    String pageUrl) {

  CdsProperties {
    if (!issuers.isEmpty() && (baseUrl == null || baseUrl.isBlank())) {
      throw new IllegalArgumentException(
          "trialfhir.cds.base-url is required with trialfhir.cds.issuers: the address EHRs call"
              + " /cds-services at, which their JWTs name in aud");
    }
    baseUrl = baseUrl == null ? null : baseUrl.replaceAll("/+$", "");
  }

  /**
   * One trusted EHR (CDS Hooks client authentication): its JWTs carry {@code iss} = {@code issuer}
   * and {@code sub} = {@code client-id} (the client id this server gave it), and are signed with a
   * key of its JWK Set, given inline ({@code jwks}, a JSON JWK Set) or by https address ({@code
   * jwks-url}); a JWT's {@code jku} header is accepted only when it is this address. {@code
   * fhir-servers}: the https address prefixes its calls may name as {@code fhirServer} (none: a
   * call naming one is refused, so the server cannot be made to fetch from elsewhere).
   */
  record Issuer(
      @NotBlank String issuer,
      @NotBlank String clientId,
      String jwksUrl,
      String jwks,
      @DefaultValue List<String> fhirServers,
      @DefaultValue @Valid @NotNull Identity identity) {

    Issuer {
      if ((jwksUrl == null || jwksUrl.isBlank()) == (jwks == null || jwks.isBlank())) {
        throw new IllegalArgumentException(
            "trialfhir.cds.issuers: give exactly one of jwks-url and jwks for " + issuer);
      }
      if (jwksUrl != null && !jwksUrl.isBlank() && !jwksUrl.startsWith("https://")) {
        throw new IllegalArgumentException(
            "trialfhir.cds.issuers: the jwks-url of " + issuer + " must be https");
      }
      for (String server : fhirServers) {
        if (!server.startsWith("https://")) {
          throw new IllegalArgumentException(
              "trialfhir.cds.issuers: the fhir-servers of " + issuer + " must be https addresses");
        }
      }
    }

    /** Whether a call may name this {@code fhirServer}: under one of the configured prefixes. */
    boolean allowsFhirServer(String fhirServer) {
      String wanted = fhirServer.endsWith("/") ? fhirServer : fhirServer + "/";
      return fhirServers.stream()
          .map(p -> p.endsWith("/") ? p : p + "/")
          .anyMatch(wanted::startsWith);
    }
  }

  /**
   * What a call acts as where it reads this server: scopes and roles as a token of the server's
   * identity provider would grant them (by default the studies and their eligibility Groups only;
   * {@code read-store} needs the record's types too), and the organisation whose patients it may be
   * answered about from the store.
   */
  record Identity(
      @DefaultValue({"system/ResearchStudy.rs", "system/Group.rs"}) List<String> scopes,
      @DefaultValue("ehr-system") List<String> roles,
      String organization) {}
}
