package org.trialfhir.server;

/**
 * Marks a Spring bean as a HAPI plain or resource provider (a class with {@code @Operation} or
 * {@code @Search} methods). Every such bean is registered on the FHIR endpoint by type, so a
 * feature adds an operation by declaring a bean, without touching the server wiring.
 */
public interface FhirProvider {}
