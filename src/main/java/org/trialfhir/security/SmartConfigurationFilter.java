package org.trialfhir.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.trialfhir.server.FhirServerProperties;

/**
 * Serves {@code [base]/.well-known/smart-configuration} (and at the server root). A filter, because
 * everything under the FHIR base belongs to HAPI's servlet, which would answer 404.
 */
@Component
class SmartConfigurationFilter extends OncePerRequestFilter {

  private static final String PATH = "/.well-known/smart-configuration";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SmartEndpoints endpoints;
  private final FhirServerProperties server;

  SmartConfigurationFilter(SmartEndpoints endpoints, FhirServerProperties server) {
    this.endpoints = endpoints;
    this.server = server;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String fhirPath = server.path();
    String publicBaseUrl = server.publicBaseUrl();
    String path = request.getRequestURI().substring(request.getContextPath().length());
    if (!"GET".equals(request.getMethod())
        || !(path.equals(PATH) || path.equals(fhirPath + PATH))) {
      chain.doFilter(request, response);
      return;
    }
    // Behind a proxy the configured public base is what clients can reach.
    String root =
        !publicBaseUrl.isBlank() && publicBaseUrl.endsWith(fhirPath)
            ? publicBaseUrl.substring(0, publicBaseUrl.length() - fhirPath.length())
            : request.getScheme()
                + "://"
                + request.getServerName()
                + ":"
                + request.getServerPort()
                + request.getContextPath();
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    JSON.writeValue(response.getWriter(), endpoints.configuration(root));
  }
}
