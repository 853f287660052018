package org.trialfhir.subject;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.enrolment.*}: how strictly the dates of consents and enrolments are judged
 * against the server's clock (docs/enrolment.md#dates-that-cannot-lie).
 *
 * @param clockSkew how far a client's clock may run ahead of or behind the server's before a date
 *     is judged in the future or a late entry; between 0 and 1 hour
 */
@Validated
@ConfigurationProperties("trialfhir.enrolment")
record EntryDateProperties(@DefaultValue("5m") Duration clockSkew) {

  EntryDateProperties {
    if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "trialfhir.enrolment.clock-skew must be between 0 and 1h, not " + clockSkew);
    }
  }
}
