package org.trialfhir.profiles;

import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.limits.*}: the size of what one write may store, checked on every write (REST,
 * transaction entries, importers) before anything expensive happens, whatever the validation mode.
 * The request's size in bytes is limited separately ({@code trialfhir.security.max-request-bytes}).
 *
 * @param maxContained contained resources in one resource (FHIR expects a few, for data that has no
 *     identity of its own)
 * @param maxStringLength characters in one string, markdown, narrative or other primitive value
 *     (FHIR caps strings at 1 MB); base64Binary attachment data is bounded by the request size only
 * @param maxBundleEntries entries in one Bundle, stored or processed as a batch or transaction
 * @param maxElements elements (including primitive values) in one resource, contained ones included
 * @param maxExtensionContexts element contexts of extension definitions (StructureDefinitions of
 *     type Extension) in one write, Bundle entries and contained ones included: the HL7 validator
 *     checks each against the core package of every FHIR version it spans, which it looks for in a
 *     package cache this server does not have; with its web access prohibited ({@link
 *     NoValidatorWebAccess}) each such check still costs it about a second, so a Bundle of the 400
 *     R4 extension definitions held a request thread for minutes
 */
@Validated
@ConfigurationProperties("trialfhir.limits")
public record LimitsProperties(
    @DefaultValue("100") @Positive int maxContained,
    @DefaultValue("1048576") @Positive int maxStringLength,
    @DefaultValue("10000") @Positive int maxBundleEntries,
    @DefaultValue("200000") @Positive int maxElements,
    @DefaultValue("10") @Positive int maxExtensionContexts) {}
