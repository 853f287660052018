package org.trialfhir.server;

/**
 * Marks a Spring bean as a HAPI interceptor (a class with {@code @Hook} methods). Every such bean
 * is registered on HAPI's JPA interceptor service, which the REST server shares, so its storage
 * hooks see writes from REST calls, transactions and in-process importers alike.
 */
public interface FhirInterceptor {}
