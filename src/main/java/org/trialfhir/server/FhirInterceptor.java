package org.trialfhir.server;

/**
 * Marks a Spring bean as a storage interceptor (a class with {@code @Hook} methods on {@code
 * STORAGE_*} pointcuts), registered on HAPI's JPA interceptor registry: its hooks fire for every
 * DAO call, from REST calls, transactions, operations, importers and Batch2 jobs alike. Rules that
 * concern the caller of a request rather than the data go on the REST registry instead ({@link
 * RestInterceptor}); a class is one or the other, never both, so no hook runs twice.
 */
public interface FhirInterceptor {}
