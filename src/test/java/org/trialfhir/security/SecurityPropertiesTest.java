package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecurityPropertiesTest {

  private static SecurityProperties properties(
      boolean requireIssuer, String issuer, String publicKey) {
    return properties(requireIssuer, issuer, publicKey, "trialfhir");
  }

  private static SecurityProperties properties(
      boolean requireIssuer, String issuer, String publicKey, String audience) {
    return new SecurityProperties(
        true,
        issuer,
        "",
        publicKey,
        audience,
        "roles",
        "patient",
        "organization",
        new SecurityProperties.Roles(
            "coordinator",
            "investigator",
            "unblinded",
            "registry",
            "ehr-system",
            "auditor",
            "administrator"),
        List.of("ResearchStudy"),
        List.of(),
        1024,
        requireIssuer,
        "",
        "",
        Map.of(),
        Map.of(),
        new SecurityProperties.PageClient("coordinator-page", "user/*.cruds", ""),
        "http://localhost:8080");
  }

  @Test
  void theProductionProfileRefusesToStartWithoutAnIdentityProvider() {
    assertThatThrownBy(() -> properties(true, "", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("issuer-uri");
  }

  @Test
  void anIssuerOrAKeySatisfiesProduction() {
    assertThat(properties(true, "https://idp.example.org/realms/h", "").devIssuer()).isFalse();
    assertThat(
            properties(true, "https://idp.example.org/realms/h", "file:/etc/trialfhir/idp.pem")
                .devIssuer())
        .isFalse();
  }

  @Test
  void aKeyWithoutAnIssuerToCheckIsRefused() {
    for (boolean production : new boolean[] {true, false}) {
      assertThatThrownBy(() -> properties(production, "", "file:/etc/trialfhir/idp.pem"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("issuer-uri");
    }
  }

  @Test
  void theProductionProfileRefusesToStartWithoutAnAudience() {
    assertThatThrownBy(() -> properties(true, "https://idp.example.org/realms/h", "", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("audience");
    // Outside production too: an IdP's tokens for other services must not be accepted here.
    assertThatThrownBy(() -> properties(false, "https://idp.example.org/realms/h", "", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("audience");
  }

  @Test
  void withNothingConfiguredDevelopmentUsesTheBuiltInIssuer() {
    SecurityProperties development = properties(false, "", "", "");
    assertThat(development.devIssuer()).isTrue();
    assertThat(development.expectedIssuer()).isEqualTo("http://localhost:8080");
    assertThat(development.expectedAudience()).isEqualTo(SecurityProperties.DEV_AUDIENCE);
  }
}
