package org.trialfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestSecurityComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.RestInterceptor;

/** Advertises SMART on FHIR in the CapabilityStatement ({@code rest.security}, oauth-uris). */
@Component
@Interceptor
public class SmartCapabilityInterceptor implements RestInterceptor {

  private static final String OAUTH_URIS =
      "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

  private final SecurityProperties properties;
  private final SmartEndpoints endpoints;

  SmartCapabilityInterceptor(SecurityProperties properties, SmartEndpoints endpoints) {
    this.properties = properties;
    this.endpoints = endpoints;
  }

  /** Public: HAPI invokes hooks reflectively. */
  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void advertise(IBaseConformance statement, RequestDetails request) {
    if (!properties.enabled() || !(statement instanceof CapabilityStatement capability)) {
      return;
    }
    String base = request.getFhirServerBase();
    String root = base.substring(0, base.lastIndexOf('/'));
    CapabilityStatementRestSecurityComponent security = capability.getRestFirstRep().getSecurity();
    security.setCors(!properties.corsAllowedOrigins().isEmpty());
    security
        .addService()
        .addCoding(
            new Coding(
                "http://terminology.hl7.org/CodeSystem/restful-security-service",
                "SMART-on-FHIR",
                "SMART-on-FHIR"));
    security.setDescription(
        "OAuth2 bearer tokens (JWT) with SMART on FHIR v2 or v1 scopes; ResearchStudy and what"
            + " describes a study are public. See "
            + base
            + "/.well-known/smart-configuration");
    Extension uris = security.addExtension().setUrl(OAUTH_URIS);
    String token = endpoints.token(root);
    if (token != null && !token.isBlank()) {
      uris.addExtension("token", new UriType(token));
    }
    String authorize = endpoints.authorize(root);
    if (authorize != null && !authorize.isBlank()) {
      uris.addExtension("authorize", new UriType(authorize));
    }
  }
}
