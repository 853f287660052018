package org.trialfhir.profiles;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.validation.*}: how every write is checked against the base R4 specification and
 * the profiles it claims.
 *
 * @param mode {@code enforce}: an invalid write is refused (422, nothing stored); {@code warn}: it
 *     is stored and the problems are returned with the response (legacy feeds); {@code off}: not
 *     validated (bulk loads of data validated before)
 * @param enabled the former switch, kept as an alias: {@code false} means {@code mode: off}
 *     whatever {@code mode} says; {@code true} or absent leaves {@code mode} in force
 */
@Validated
@ConfigurationProperties("trialfhir.validation")
public record ValidationProperties(@DefaultValue("enforce") Mode mode, Boolean enabled) {

  /** What a validation error does to a write. */
  public enum Mode {
    ENFORCE,
    WARN,
    OFF
  }

  public ValidationProperties {
    if (mode == null) {
      mode = Mode.ENFORCE;
    }
  }

  /** The mode in force, after the {@code enabled: false} alias. */
  public Mode effectiveMode() {
    return Boolean.FALSE.equals(enabled) ? Mode.OFF : mode;
  }
}
