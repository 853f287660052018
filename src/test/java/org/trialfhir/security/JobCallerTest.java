package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/** What a job keeps of its caller is enough to act as them, and is not their token. */
class JobCallerTest {

  private static final SecurityProperties PROPERTIES =
      new SecurityProperties(
          true,
          "",
          "",
          "",
          "",
          "groups",
          "patient",
          "hospital",
          new SecurityProperties.Roles(
              "trial-coordinator", "pi", "pharmacy", "registry", "ehr", "audit", "admin"),
          List.of(),
          List.of(),
          1024,
          false,
          "",
          "",
          Map.of(),
          Map.of(),
          new SecurityProperties.PageClient("coordinator-page", "user/*.cruds", ""),
          "http://localhost:8080");

  private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.secret-token-text.signature";

  @AfterEach
  void clear() {
    SecurityContextHolder.clearContext();
  }

  private static void signIn(Map<String, Object> claims) {
    Jwt.Builder jwt = Jwt.withTokenValue(TOKEN).header("alg", "RS256");
    claims.forEach(jwt::claim);
    SecurityContextHolder.getContext()
        .setAuthentication(new JwtAuthenticationToken(jwt.build(), List.of()));
  }

  @Test
  void theRebuiltCallerHasTheSameRightsAndNames() throws Exception {
    signIn(
        Map.of(
            "sub", "alice",
            "client_id", "screening-app",
            "iss", "https://idp.example",
            "scope", "openid user/Patient.rs user/Observation.rs launch",
            "groups", List.of("trial-coordinator", "pharmacy", "unknown-role"),
            "hospital", "Organization/h1"));
    Caller original = Caller.current(PROPERTIES);

    JobCaller kept = JobCaller.current(PROPERTIES);
    String stored = new ObjectMapper().writeValueAsString(kept);
    JobCaller read = new ObjectMapper().readValue(stored, JobCaller.class);
    SecurityContextHolder.clearContext();
    SecurityContextHolder.getContext().setAuthentication(read.authentication(PROPERTIES, "job:x"));
    Caller rebuilt = Caller.current(PROPERTIES);

    assertThat(stored).doesNotContain(TOKEN).doesNotContain("openid").doesNotContain("unknown");
    assertThat(rebuilt.scopes()).isEqualTo(original.scopes());
    assertThat(rebuilt.roles()).isEqualTo(original.roles());
    assertThat(rebuilt.clientId()).isEqualTo("screening-app");
    assertThat(rebuilt.organization()).isEqualTo("Organization/h1");
    assertThat(rebuilt.patient()).isNull();
    Jwt jwt =
        ((JwtAuthenticationToken) SecurityContextHolder.getContext().getAuthentication())
            .getToken();
    assertThat(jwt.getSubject()).isEqualTo("alice");
    assertThat(jwt.getClaimAsString("iss")).isEqualTo("https://idp.example");
    assertThat(jwt.getTokenValue()).isEqualTo("job:x");
  }

  @Test
  void noCallerWithoutATokenOrWithSecurityOff() {
    assertThat(JobCaller.current(PROPERTIES)).isNull();
  }
}
