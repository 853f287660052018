package org.trialfhir.audit;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditContextServices;
import java.util.EnumSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Who is behind a request, for BALP and for our operation events: the authentication Spring
 * Security established for the request, as {@link RequestAudit} kept it when the request started (a
 * batch Bundle's GET entries run on other threads, whose security context is empty), else the
 * current thread's. The client is the OAuth client ({@code client_id}, else {@code azp}); the user
 * is {@code fhirUser} if the token has one, else {@code sub}. The network address is the servlet
 * request's remote address (behind a proxy, that is the client's only when forwarded headers are
 * honoured).
 *
 * <p>Agents are identifiers and display text, never resolvable references: the server refuses a
 * reference to a resource it does not hold (referential integrity on write), and a held
 * Practitioner could then no longer be deleted while AuditEvents pointed at it.
 */
class AuditContextServices implements IBalpAuditContextServices {

  static final String ANONYMOUS = "anonymous";

  /** Results of these are a set of resources: the patient matters, not the version shown. */
  private static final Set<RestOperationTypeEnum> QUERIES =
      EnumSet.of(
          RestOperationTypeEnum.SEARCH_TYPE,
          RestOperationTypeEnum.SEARCH_SYSTEM,
          RestOperationTypeEnum.GET_PAGE,
          RestOperationTypeEnum.HISTORY_INSTANCE,
          RestOperationTypeEnum.HISTORY_TYPE,
          RestOperationTypeEnum.HISTORY_SYSTEM);

  @Override
  public Reference getAgentClientWho(RequestDetails request) {
    Authentication authentication = callerOf(request);
    Jwt jwt = jwtOf(authentication);
    if (jwt == null) {
      return person(null, isAuthenticated(authentication) ? "unknown" : ANONYMOUS, null);
    }
    String client = jwt.getClaimAsString("client_id");
    if (client == null || client.isBlank()) {
      client = jwt.getClaimAsString("azp");
    }
    return person(issuer(jwt), client == null || client.isBlank() ? "unknown" : client, null);
  }

  @Override
  public Reference getAgentUserWho(RequestDetails request) {
    Authentication authentication = callerOf(request);
    Jwt jwt = jwtOf(authentication);
    if (jwt == null) {
      String name = isAuthenticated(authentication) ? authentication.getName() : ANONYMOUS;
      return person(null, name, name);
    }
    String subject = jwt.getSubject();
    String fhirUser = jwt.getClaimAsString("fhirUser");
    return person(
        issuer(jwt), subject, fhirUser == null || fhirUser.isBlank() ? subject : fhirUser);
  }

  /** The servlet request's remote address, or null for a request without one. */
  @Override
  public String getNetworkAddress(RequestDetails request) {
    return request instanceof ServletRequestDetails servlet && servlet.getServletRequest() != null
        ? servlet.getServletRequest().getRemoteAddr()
        : null;
  }

  /**
   * Relative ids ({@code Patient/123}), as this server stores them: BALP's default makes them
   * absolute, which the server would refuse as an external reference. Single-resource interactions
   * keep the version shown or written; for searches and history the patient is what counts, so one
   * event per patient rather than one per version returned.
   *
   * <p>A patient held as a contained resource ({@code "subject": {"reference": "#pat"}}) has no
   * identity of its own: the event names the resource that contains it (naming {@code #pat} made a
   * reference to nothing, and an assertion inside HAPI's encoder failed the write with 500).
   */
  @Override
  public String massageResourceIdForStorage(
      RequestDetails request, IBaseResource resource, IIdType id) {
    if (id.isLocal() || (id.getIdPart() != null && id.getIdPart().startsWith("#"))) {
      id = resource.getIdElement();
    }
    String type = id.hasResourceType() ? id.getResourceType() : resource.fhirType();
    boolean keepVersion =
        id.hasVersionIdPart()
            && (request == null || !QUERIES.contains(request.getRestOperationType()));
    return type + "/" + id.getIdPart() + (keepVersion ? "/_history/" + id.getVersionIdPart() : "");
  }

  /** A fresh Reference each time: BALP writes the network address into the client's display. */
  private static Reference person(String system, String value, String display) {
    Identifier identifier = new Identifier().setValue(value);
    if (system != null) {
      identifier.setSystem(system);
    }
    return new Reference().setIdentifier(identifier).setDisplay(display);
  }

  /** The request's caller as remembered when it started; else this thread's; null if neither. */
  static Authentication callerOf(RequestDetails request) {
    Authentication remembered = request == null ? null : RequestAudit.of(request).caller();
    return remembered != null ? remembered : SecurityContextHolder.getContext().getAuthentication();
  }

  private static Jwt jwtOf(Authentication authentication) {
    return authentication instanceof JwtAuthenticationToken token ? token.getToken() : null;
  }

  private static boolean isAuthenticated(Authentication authentication) {
    return authentication != null
        && authentication.isAuthenticated()
        && !(authentication instanceof AnonymousAuthenticationToken);
  }

  /** As a string: an issuer that is not a URL must not make auditing fail. */
  private static String issuer(Jwt jwt) {
    String issuer = jwt.getClaimAsString("iss");
    return issuer == null || issuer.isBlank() ? null : issuer;
  }
}
