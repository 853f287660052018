package org.trialfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class TokenEndpointErrorsTest {

  private final TokenEndpointErrors filter = new TokenEndpointErrors();

  @Test
  void aTokenRequestIsNeverRedirectedToTheSignInPage() throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(
        new MockHttpServletRequest("POST", "/oauth2/token"),
        response,
        (req, res) -> ((jakarta.servlet.http.HttpServletResponse) res).sendRedirect("/login"));
    assertThat(response.getStatus()).isEqualTo(401);
    assertThat(response.getRedirectedUrl()).isNull();
    assertThat(response.getContentType()).startsWith("application/json");
    assertThat(response.getContentAsString()).contains("\"error\":\"invalid_client\"");
  }

  @Test
  void anErrorWithoutABodyGetsAnRfc6749Body() throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(
        new MockHttpServletRequest("POST", "/oauth2/token"),
        response,
        (req, res) -> ((jakarta.servlet.http.HttpServletResponse) res).setStatus(401));
    assertThat(response.getStatus()).isEqualTo(401);
    assertThat(response.getContentAsString()).contains("\"error\":\"invalid_client\"");
  }

  @Test
  void anOAuthErrorBodyIsLeftAlone() throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(
        new MockHttpServletRequest("POST", "/oauth2/token"),
        response,
        (req, res) -> {
          jakarta.servlet.http.HttpServletResponse http =
              (jakarta.servlet.http.HttpServletResponse) res;
          http.setStatus(400);
          http.getWriter().write("{\"error\":\"unsupported_grant_type\"}");
        });
    assertThat(response.getStatus()).isEqualTo(400);
    assertThat(response.getContentAsString()).isEqualTo("{\"error\":\"unsupported_grant_type\"}");
  }

  @Test
  void otherPathsAreNotTouched() throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(
        new MockHttpServletRequest("GET", "/login"),
        response,
        (req, res) -> ((jakarta.servlet.http.HttpServletResponse) res).sendRedirect("/elsewhere"));
    assertThat(response.getRedirectedUrl()).isEqualTo("/elsewhere");
  }
}
