package org.trialfhir.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.security.*}: who may do what. Tokens are JWTs from the issuer (or JWKS, or
 * public key) configured here; roles and the patient in context are read from the claims named
 * here.
 *
 * @param enabled false turns access control off: the server then listens on localhost only
 * @param issuerUri the IdP's issuer: every token's {@code iss} must be exactly this; alone, also
 *     where its keys are found (OpenID discovery); required unless the dev issuer runs
 * @param jwkSetUri the IdP's JWKS, when it has no discovery document
 * @param publicKeyLocation an RSA public key (PEM) that signs tokens, e.g. in tests
 * @param audience tokens must list it in {@code aud}; required unless the dev issuer runs, whose
 *     tokens carry it (or {@value #DEV_AUDIENCE} when not set)
 * @param organizationClaim the claim naming the organisation an EHR system writes for
 * @param publicTypes resource types anyone may read without a token (what describes a study)
 * @param requireIssuer refuse to start without an IdP or key, i.e. with the dev issuer: production
 * @param tokenEndpoint the IdP's token endpoint, advertised to SMART clients
 * @param authorizationEndpoint the IdP's authorisation endpoint, advertised to SMART clients
 * @param devClients test clients of the development token issuer, which runs only when no IdP or
 *     key is configured
 * @param devUsers people who sign in to the coordinator page at the development issuer
 * @param page the OAuth client of the coordinator page (registered at the IdP, or at the dev
 *     issuer), and the scopes it asks for
 * @param devIssuerUri the {@code iss} of the development issuer's tokens, fixed (not taken from the
 *     Host header of the token request) and checked on every token
 */
@Validated
@ConfigurationProperties("trialfhir.security")
public record SecurityProperties(
    @DefaultValue("true") boolean enabled,
    String issuerUri,
    String jwkSetUri,
    String publicKeyLocation,
    String audience,
    @DefaultValue("roles") @NotBlank String roleClaim,
    @DefaultValue("patient") @NotBlank String patientClaim,
    @DefaultValue("organization") @NotBlank String organizationClaim,
    @Valid @NotNull @DefaultValue Roles roles,
    @DefaultValue({
          "ResearchStudy",
          "Group",
          "Organization",
          "Location",
          "PlanDefinition",
          "ActivityDefinition",
          "Measure",
          "ValueSet",
          "CodeSystem",
          "ConceptMap",
          "StructureDefinition",
          "SearchParameter",
          "OperationDefinition",
          "CapabilityStatement"
        })
        List<String> publicTypes,
    @DefaultValue List<String> corsAllowedOrigins,
    @DefaultValue("10485760") @Positive long maxRequestBytes,
    @DefaultValue("false") boolean requireIssuer,
    String tokenEndpoint,
    String authorizationEndpoint,
    @DefaultValue Map<String, DevTokenIssuer.Client> devClients,
    @DefaultValue Map<String, DevTokenIssuer.User> devUsers,
    @Valid @NotNull @DefaultValue PageClient page,
    @DefaultValue("http://localhost:8080") @NotBlank String devIssuerUri) {

  /** The audience of the dev issuer's tokens when {@code audience} is not set. */
  public static final String DEV_AUDIENCE = "trialfhir";

  public SecurityProperties {
    if (enabled
        && requireIssuer
        && blank(issuerUri)
        && blank(jwkSetUri)
        && blank(publicKeyLocation)) {
      throw new IllegalArgumentException(
          "trialfhir.security.issuer-uri (or jwk-set-uri, or public-key-location) is required in"
              + " this profile: tokens must come from your identity provider, not the development"
              + " issuer");
    }
    boolean ownKeys = !blank(jwkSetUri) || !blank(publicKeyLocation);
    if (enabled && ownKeys && blank(issuerUri)) {
      // The key says who signed, not for whom: a token of the same IdP for another realm or
      // tenant would pass without an issuer to compare iss with.
      throw new IllegalArgumentException(
          "trialfhir.security.issuer-uri is required with jwk-set-uri or public-key-location:"
              + " every token's iss claim is checked against it");
    }
    if (enabled && (requireIssuer || ownKeys || !blank(issuerUri)) && blank(audience)) {
      // Without an audience, any token the IdP issues for another service would be accepted here.
      throw new IllegalArgumentException(
          "trialfhir.security.audience is required in this profile: the identifier your identity"
              + " provider puts in the aud claim of tokens meant for this server");
    }
  }

  /** The iss every token must carry: the IdP's, or the development issuer's. */
  public String expectedIssuer() {
    return devIssuer() ? devIssuerUri : issuerUri;
  }

  /** The value every token must list in aud. */
  public String expectedAudience() {
    return blank(audience) ? DEV_AUDIENCE : audience;
  }

  /** No IdP and no key configured: local development, served by the dev token issuer. */
  public boolean devIssuer() {
    return enabled && blank(issuerUri) && blank(jwkSetUri) && blank(publicKeyLocation);
  }

  static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  /**
   * The coordinator page's OAuth client: a public client using authorisation code and PKCE.
   *
   * @param endSessionEndpoint the IdP's OpenID Connect {@code end_session_endpoint}, where the
   *     page's Sign out ends the IdP's sign-in session too (RP-initiated logout); empty: the page
   *     can only drop its token. The development issuer's ({@code /connect/logout}) needs none.
   */
  public record PageClient(
      @DefaultValue("coordinator-page") @NotBlank String clientId,
      @DefaultValue("user/*.cruds") @NotBlank String scope,
      @DefaultValue("") String endSessionEndpoint) {}

  /** The role names as the IdP spells them in the role claim. */
  public record Roles(
      @DefaultValue("coordinator") @NotBlank String coordinator,
      @DefaultValue("investigator") @NotBlank String investigator,
      @DefaultValue("unblinded") @NotBlank String unblinded,
      @DefaultValue("registry") @NotBlank String registry,
      @DefaultValue("ehr-system") @NotBlank String ehrSystem,
      @DefaultValue("auditor") @NotBlank String auditor,
      @DefaultValue("administrator") @NotBlank String administrator) {}
}
