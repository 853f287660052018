package org.trialfhir.server;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.server.*}: how the FHIR endpoint is exposed. Public, so that whatever needs the
 * base path or the public base URL (the SMART discovery document, the coordinator page's
 * configuration, the authorisation's hints) injects this one record instead of reading the keys
 * again.
 *
 * @param path servlet path of the FHIR base, e.g. {@code /fhir}
 * @param publicBaseUrl the base URL clients see when the server sits behind a proxy; empty means
 *     "as the request came in"
 * @param defaultPageSize search page size when the client sends no {@code _count}
 * @param maxPageSize the largest {@code _count} honoured
 * @param defaultEncoding response encoding when the client does not ask for one
 * @param clientIdStrategy which ids a client may assign with PUT: {@code ANY} lets EHRs reuse
 *     numeric ids (server-assigned ids are then UUIDs); {@code ALPHANUMERIC} requires a letter
 */
@Validated
@ConfigurationProperties("trialfhir.server")
public record FhirServerProperties(
    @DefaultValue("/fhir") @NotNull @Pattern(regexp = "/[A-Za-z0-9/_-]*[A-Za-z0-9_-]") String path,
    @DefaultValue("") String publicBaseUrl,
    @DefaultValue("20") @Min(1) @Max(1000) int defaultPageSize,
    @DefaultValue("500") @Min(1) @Max(5000) int maxPageSize,
    @DefaultValue("JSON") @NotNull @Pattern(regexp = "JSON|XML") String defaultEncoding,
    @DefaultValue("ANY") @NotNull @Pattern(regexp = "ANY|ALPHANUMERIC") String clientIdStrategy) {

  @AssertTrue(message = "max-page-size must be at least default-page-size")
  boolean isPageSizesConsistent() {
    return maxPageSize >= defaultPageSize;
  }
}
