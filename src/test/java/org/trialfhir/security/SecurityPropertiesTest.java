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
            "coordinator", "investigator", "unblinded", "registry", "ehr-system", "auditor"),
        List.of("ResearchStudy"),
        List.of(),
        1024,
        requireIssuer,
        "",
        "",
        Map.of(),
        Map.of(),
        new SecurityProperties.PageClient("coordinator-page", "user/*.cruds"));
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
    assertThat(properties(true, "", "file:/etc/trialfhir/idp.pem").devIssuer()).isFalse();
  }

  @Test
  void theProductionProfileRefusesToStartWithoutAnAudience() {
    assertThatThrownBy(() -> properties(true, "https://idp.example.org/realms/h", "", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("audience");
    assertThat(properties(false, "https://idp.example.org/realms/h", "", "").devIssuer()).isFalse();
  }

  @Test
  void withNothingConfiguredDevelopmentUsesTheBuiltInIssuer() {
    assertThat(properties(false, "", "").devIssuer()).isTrue();
  }
}
