package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;
import org.trialfhir.security.Caller.Role;

class CallerTest {

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

  private static Jwt jwt(Map<String, Object> claims) {
    Jwt.Builder jwt = Jwt.withTokenValue("t").header("alg", "none");
    claims.forEach(jwt::claim);
    return jwt.build();
  }

  @Test
  void rolesComeFromTheConfiguredClaimAndNames() {
    Caller caller =
        Caller.of(
            jwt(
                Map.of(
                    "scope", "user/*.rs", "groups", List.of("trial-coordinator", "pharmacy", "x"))),
            PROPERTIES);
    assertThat(caller.roles()).containsExactlyInAnyOrder(Role.COORDINATOR, Role.UNBLINDED);
    assertThat(caller.has(Role.AUDITOR)).isFalse();
  }

  @Test
  void scopesMayBeASpaceSeparatedStringOrAList() {
    assertThat(Caller.of(jwt(Map.of("scope", "openid patient/*.rs")), PROPERTIES).scopes())
        .hasSize(1);
    assertThat(
            Caller.of(
                    jwt(Map.of("scope", List.of("patient/*.rs", "user/Observation.cruds"))),
                    PROPERTIES)
                .scopes())
        .hasSize(2);
  }

  @Test
  void thePatientInContextIsTheConfiguredClaim() {
    assertThat(
            Caller.of(jwt(Map.of("scope", "patient/*.rs", "patient", "123")), PROPERTIES).patient())
        .isEqualTo("123");
    assertThat(Caller.of(jwt(Map.of("scope", "patient/*.rs")), PROPERTIES).patient()).isNull();
  }

  @Test
  void theOrganisationIsAReferenceAndTheClientFallsBackToAzpThenSub() {
    Caller caller =
        Caller.of(
            jwt(Map.of("scope", "system/Observation.cruds", "hospital", "st-mary", "azp", "lis")),
            PROPERTIES);
    assertThat(caller.organization()).isEqualTo("Organization/st-mary");
    assertThat(caller.clientId()).isEqualTo("lis");
    assertThat(
            Caller.of(
                    jwt(Map.of("hospital", "Organization/x", "client_id", "ehr", "sub", "someone")),
                    PROPERTIES)
                .clientId())
        .isEqualTo("ehr");
  }
}
