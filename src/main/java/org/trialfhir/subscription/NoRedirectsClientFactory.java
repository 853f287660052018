package org.trialfhir.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.apache.ApacheRestfulClientFactory;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.client.HttpClients;

/**
 * HAPI's HTTP client factory for this server's own outgoing calls (rest-hook delivery), with
 * redirects never followed: a listed endpoint that answers with a redirect must not lead the server
 * to an address no administrator listed (a 303 would otherwise be followed as a GET anywhere).
 */
final class NoRedirectsClientFactory extends ApacheRestfulClientFactory {

  NoRedirectsClientFactory(FhirContext fhir) {
    super(fhir);
  }

  @Override
  protected HttpClientBuilder getHttpClientBuilder() {
    return HttpClients.custom().disableRedirectHandling();
  }
}
