package org.trialfhir.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * Spring Boot's error page ({@code /error}), which answers whatever the servlet container or Spring
 * refuses outside HAPI: a path nothing serves, a method Spring does not route, an exception in a
 * filter. Replaces Boot's {@code BasicErrorController} (HTML for browsers, {@code
 * {"timestamp":...}} JSON otherwise) with a FHIR OperationOutcome, in XML when the client asked for
 * XML.
 *
 * <p>The OAuth endpoints ({@code /oauth2/...}) are the exception: OAuth clients read {@code
 * {"error": ..., "error_description": ...}} (RFC 6749 section 5.2), so that is what they get there.
 * Spring Authorization Server already answers its own errors that way; this covers the rest (e.g.
 * {@code GET /oauth2/token}).
 */
@Controller
class OutcomeErrorController implements ErrorController {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RequestMapping("${server.error.path:${error.path:/error}}")
  void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
    int status = status(request);
    String path = String.valueOf(request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI));
    String diagnostics = describe(request, status, path);
    if (path.startsWith("/oauth2/")) {
      writeOAuthError(response, status, diagnostics);
      return;
    }
    OutcomeBodies.write(request, response, status, OutcomeBodies.issueType(status), diagnostics);
  }

  private static int status(HttpServletRequest request) {
    Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    return status instanceof Integer code && code >= 400 ? code : 500;
  }

  /**
   * What went wrong, from the status and the request: never an exception's message, which may name
   * internals (the reason {@code server.error.include-message} is {@code never}).
   */
  private static String describe(HttpServletRequest request, int status, String path) {
    HttpStatus known = HttpStatus.resolve(status);
    String reason = known == null ? "Error" : known.getReasonPhrase();
    String method = request.getMethod();
    return switch (status) {
      case 404 -> "Nothing is served at " + path + " (FHIR requests go to the FHIR base URL)";
      case 405 -> "Method " + method + " is not allowed on " + path;
      default ->
          "HTTP "
              + status
              + " "
              + reason
              + " for "
              + method
              + " "
              + path
              + (status >= 500 ? "" : ": the request was refused before it reached the server");
    };
  }

  private static void writeOAuthError(HttpServletResponse response, int status, String description)
      throws IOException {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", status >= 500 ? "server_error" : "invalid_request");
    body.put("error_description", description);
    byte[] bytes = JSON.writeValueAsBytes(body);
    response.resetBuffer();
    response.setStatus(status);
    response.setContentType("application/json;charset=UTF-8");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
    response.flushBuffer();
  }
}
