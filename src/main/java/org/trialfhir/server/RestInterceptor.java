package org.trialfhir.server;

/**
 * Marks a Spring bean as a REST interceptor: registered on the {@code RestfulServer}'s own
 * registry, as HAPI wires it by default. Such an interceptor sees the requests of clients
 * (authorisation, audit capture, response shaping) and, through HAPI's composite broadcaster, the
 * storage hooks of every DAO call made with a client's {@code RequestDetails}: the REST call itself
 * and every read or write an operation, importer or job makes on that caller's behalf. Work the
 * server does for itself ({@code SystemRequestDetails}) never reaches it.
 *
 * <p>Storage rules that must hold whoever writes (validation, enrolment rules, the audit trail's
 * guard) implement {@link FhirInterceptor} instead and live on the JPA registry.
 */
public interface RestInterceptor {}
