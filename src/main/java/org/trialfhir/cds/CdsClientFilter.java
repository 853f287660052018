package org.trialfhir.cds;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.springframework.web.filter.OncePerRequestFilter;
import org.trialfhir.security.JobCaller;
import org.trialfhir.security.SecurityProperties;
import org.trialfhir.server.OutcomeBodies;

/**
 * CDS Hooks client authentication for {@code /cds-services/**}: a service call or feedback needs
 * the EHR's signed JWT ({@link EhrJwtVerifier}); the call then acts as the identity configured for
 * that EHR ({@link #CALLER} request attribute). Discovery ({@code GET /cds-services}) describes
 * services and holds no data, so it needs none. Without a JWT, a call is accepted only on a
 * development server (the development token issuer runs, or security is off), as the configured
 * anonymous identity.
 */
final class CdsClientFilter extends OncePerRequestFilter {

  static final String CALLER = CdsClientFilter.class.getName() + ".caller";

  /** The trusted EHR that signed the call's JWT; absent for an anonymous development call. */
  static final String ISSUER = CdsClientFilter.class.getName() + ".issuer";

  private final EhrJwtVerifier verifier;
  private final CdsProperties cds;
  private final SecurityProperties security;

  CdsClientFilter(EhrJwtVerifier verifier, CdsProperties cds, SecurityProperties security) {
    this.verifier = verifier;
    this.cds = cds;
    this.security = security;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if ("GET".equals(request.getMethod()) && isDiscovery(request)) {
      chain.doFilter(request, response);
      return;
    }
    String header = request.getHeader("Authorization");
    if (header == null || header.isBlank()) {
      if (!developmentServer()) {
        refuse(request, response, "A CDS Hooks call needs the CDS client's signed JWT");
        return;
      }
      if (request.getHeader("Origin") != null) {
        // Any web page the developer visits could otherwise call the development server from the
        // browser (CORS allows every origin here) and read cards built from stored records.
        refuse(request, response, "A CDS Hooks call from a web page needs the client's signed JWT");
        return;
      }
      CdsProperties.Identity anonymous = cds.anonymous();
      request.setAttribute(CALLER, caller("anonymous-cds-client", null, anonymous));
      chain.doFilter(request, response);
      return;
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      refuse(request, response, "The Authorization header must be 'Bearer <JWT>'");
      return;
    }
    EhrJwtVerifier.Verified verified;
    try {
      verified = verifier.verify(header.substring(7).trim(), audience(request));
    } catch (EhrJwtVerifier.Refused e) {
      refuse(request, response, e.getMessage());
      return;
    }
    CdsProperties.Issuer issuer = verified.issuer();
    request.setAttribute(ISSUER, issuer);
    request.setAttribute(CALLER, caller(issuer.clientId(), issuer.issuer(), issuer.identity()));
    chain.doFilter(request, response);
  }

  /**
   * The URL a JWT for this call must name: the configured address of {@code /cds-services} plus the
   * path called, never one built from the request's Host header, which the caller chooses. Without
   * trusted issuers (a development server) there is no JWT to check but one a developer sends, and
   * the request's own address serves.
   */
  private String audience(HttpServletRequest request) {
    if (cds.baseUrl() == null) {
      return request.getRequestURL().toString();
    }
    String path = request.getRequestURI().substring(request.getContextPath().length());
    return cds.baseUrl() + path.substring(CdsHooksEndpoint.BASE.length());
  }

  private boolean developmentServer() {
    return !security.enabled() || security.devIssuer();
  }

  private JobCaller caller(String client, String issuer, CdsProperties.Identity identity) {
    return JobCaller.configured(
        client, issuer, identity.scopes(), identity.roles(), identity.organization(), security);
  }

  private static boolean isDiscovery(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    return path.equals(CdsHooksEndpoint.BASE) || path.equals(CdsHooksEndpoint.BASE + "/");
  }

  private static void refuse(HttpServletRequest request, HttpServletResponse response, String why)
      throws IOException {
    response.setHeader("WWW-Authenticate", "Bearer");
    OutcomeBodies.write(request, response, 401, IssueType.LOGIN, why);
  }
}
