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
      verified = verifier.verify(header.substring(7).trim(), request.getRequestURL().toString());
    } catch (EhrJwtVerifier.Refused e) {
      refuse(request, response, e.getMessage());
      return;
    }
    request.setAttribute(
        CALLER,
        caller(verified.subject(), verified.issuer().issuer(), verified.issuer().identity()));
    chain.doFilter(request, response);
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
