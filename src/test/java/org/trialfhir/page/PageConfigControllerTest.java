package org.trialfhir.page;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.trialfhir.security.SecurityProperties;

class PageConfigControllerTest {

  private static SecurityProperties security(boolean enabled, String issuer, String endSession) {
    return new SecurityProperties(
        enabled,
        issuer,
        "",
        "",
        issuer.isBlank() ? "" : "trialfhir",
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
        false,
        "",
        "",
        Map.of(),
        Map.of(),
        new SecurityProperties.PageClient("coordinator-page", "user/*.cruds", endSession),
        "http://localhost:8080");
  }

  @Test
  void theDevelopmentIssuerEndsItsSessionOnThisServer() {
    assertThat(PageConfigController.endSessionEndpoint(security(true, "", "")))
        .isEqualTo("/connect/logout");
  }

  @Test
  void anIdentityProvidersEndSessionEndpointIsPublishedAsConfigured() {
    String idp = "https://idp.example.org/realms/h/protocol/openid-connect/logout";
    assertThat(
            PageConfigController.endSessionEndpoint(
                security(true, "https://idp.example.org/realms/h", " " + idp)))
        .isEqualTo(idp);
  }

  @Test
  void withoutOneTheresNoEndSessionToSend() {
    assertThat(
            PageConfigController.endSessionEndpoint(
                security(true, "https://idp.example.org/realms/h", "")))
        .isNull();
    assertThat(PageConfigController.endSessionEndpoint(security(false, "", ""))).isNull();
  }
}
