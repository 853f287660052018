package org.trialfhir.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The token endpoints of the development issuer ({@code /oauth2/token}, {@code /oauth2/introspect},
 * {@code /oauth2/revoke}) answer OAuth clients, which read {@code {"error": ...}} (RFC 6749 section
 * 5.2), not an OperationOutcome. Spring Authorization Server writes that body for the errors it
 * detects, but a request without client credentials was redirected (302) to the HTML sign-in page,
 * and some refusals had an empty body. Here, a token request is never redirected: it gets {@code
 * 401 invalid_client}, and any error without a body gets an RFC 6749 body.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class TokenEndpointErrors extends OncePerRequestFilter {

  private static final Set<String> TOKEN_ENDPOINTS =
      Set.of("/oauth2/token", "/oauth2/introspect", "/oauth2/revoke");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !TOKEN_ENDPOINTS.contains(request.getRequestURI());
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    NoRedirects wrapped = new NoRedirects(response);
    chain.doFilter(request, wrapped);
    if (response.isCommitted() && !wrapped.redirected) {
      return;
    }
    if (wrapped.redirected) {
      response.resetBuffer();
      response.setHeader("Location", null);
      write(
          response,
          401,
          "invalid_client",
          "Client authentication failed: send the client's credentials (HTTP Basic, or client_id"
              + " and client_secret in the form)");
    } else if (response.getStatus() >= 400 && !wrapped.bodyWritten) {
      int status = response.getStatus();
      write(
          response,
          status,
          status == 401 ? "invalid_client" : "invalid_request",
          "The token request was refused (HTTP " + status + ")");
    }
  }

  private static void write(HttpServletResponse response, int status, String error, String text)
      throws IOException {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("error_description", text);
    byte[] bytes = JSON.writeValueAsBytes(body);
    response.setStatus(status);
    response.setContentType("application/json;charset=UTF-8");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
    response.flushBuffer();
  }

  /** Swallows redirects and notes whether anything wrote a body. */
  private static final class NoRedirects extends HttpServletResponseWrapper {
    boolean redirected;
    boolean bodyWritten;

    NoRedirects(HttpServletResponse response) {
      super(response);
    }

    @Override
    public void sendRedirect(String location) {
      redirected = true;
    }

    @Override
    public void sendError(int status, String message) throws IOException {
      bodyWritten = true; // the error page (OutcomeErrorController) writes the RFC 6749 body
      super.sendError(status, message);
    }

    @Override
    public void sendError(int status) throws IOException {
      bodyWritten = true;
      super.sendError(status);
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
      bodyWritten = true;
      return super.getOutputStream();
    }

    @Override
    public PrintWriter getWriter() throws IOException {
      bodyWritten = true;
      return super.getWriter();
    }
  }
}
