package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.trialfhir.security.SmartScope.Permission;

class SmartScopeTest {

  @ParameterizedTest
  @CsvSource({
    "patient/*.rs, patient, *, READ SEARCH",
    "user/Observation.cruds, user, Observation, CREATE READ UPDATE DELETE SEARCH",
    "system/ResearchStudy.rs, system, ResearchStudy, READ SEARCH",
    "patient/Observation.r, patient, Observation, READ",
    "user/Patient.cu, user, Patient, CREATE UPDATE",
    "patient/*.read, patient, *, READ SEARCH",
    "user/*.write, user, *, CREATE UPDATE DELETE",
    "system/*.*, system, *, CREATE READ UPDATE DELETE SEARCH"
  })
  void readsV2AndV1Scopes(String text, String context, String type, String permissions) {
    SmartScope scope = SmartScope.parse(text).orElseThrow();
    assertThat(scope.context()).isEqualTo(context);
    assertThat(scope.resourceType()).isEqualTo(type);
    assertThat(scope.permissions())
        .containsExactlyInAnyOrderElementsOf(
            java.util.Arrays.stream(permissions.split(" ")).map(Permission::valueOf).toList());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "openid",
        "launch/patient",
        "fhirUser",
        "patient/Observation.rs?category=laboratory",
        "patient/Observation.sr",
        "patient/Observation.rr",
        "patient/observation.rs",
        "admin/*.rs",
        "patient/*.x"
      })
  void grantsNothingForOtherOrMalformedScopes(String text) {
    assertThat(SmartScope.parse(text)).isEmpty();
  }

  @Test
  void keepsOnlyResourceScopesOfAToken() {
    assertThat(SmartScope.parseAll(List.of("openid", "fhirUser", "patient/*.rs")))
        .extracting(SmartScope::resourceType)
        .containsExactly("*");
  }
}
