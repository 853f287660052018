package org.trialfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** Configuration mistakes stop the server at start-up with the key named. */
class FhirServerPropertiesTest {

  @Configuration
  @EnableConfigurationProperties({FhirServerProperties.class, DatabaseProperties.class})
  static class Bind {}

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
          .withUserConfiguration(Bind.class);

  @Test
  void defaults() {
    runner.run(
        context -> {
          FhirServerProperties server = context.getBean(FhirServerProperties.class);
          assertThat(server.path()).isEqualTo("/fhir");
          assertThat(server.defaultPageSize()).isEqualTo(20);
          assertThat(server.clientIdStrategy()).isEqualTo("ANY");
          assertThat(context.getBean(DatabaseProperties.class).migrateOnStart()).isTrue();
        });
  }

  @Test
  void kebabCaseKeysBind() {
    runner
        .withPropertyValues(
            "trialfhir.server.default-page-size=50",
            "trialfhir.server.max-page-size=100",
            "trialfhir.database.migrate-on-start=false")
        .run(
            context -> {
              assertThat(context.getBean(FhirServerProperties.class).maxPageSize()).isEqualTo(100);
              assertThat(context.getBean(DatabaseProperties.class).migrateOnStart()).isFalse();
            });
  }

  @Test
  void invalidValuesFailFast() {
    runner
        .withPropertyValues("trialfhir.server.default-page-size=0")
        .run(context -> assertThat(context).hasFailed());
    runner
        .withPropertyValues(
            "trialfhir.server.default-page-size=100", "trialfhir.server.max-page-size=10")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("max-page-size must be at least default-page-size"));
    runner
        .withPropertyValues("trialfhir.server.path=fhir")
        .run(context -> assertThat(context).hasFailed());
    runner
        .withPropertyValues("trialfhir.server.client-id-strategy=SOMETIMES")
        .run(context -> assertThat(context).hasFailed());
  }
}
