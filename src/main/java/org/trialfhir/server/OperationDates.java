package org.trialfhir.server;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.LocalDate;
import java.time.ZoneId;
import org.hl7.fhir.r4.model.DateType;

/** The optional {@code date} parameter our operations share: a full day, or today. */
public final class OperationDates {

  private OperationDates() {}

  /** The day given, or today in the server's time zone; a partial date is a 400. */
  public static LocalDate dayOrToday(DateType date) {
    if (date == null || date.isEmpty()) {
      return LocalDate.now(ZoneId.systemDefault());
    }
    if (date.getPrecision() != TemporalPrecisionEnum.DAY) {
      throw new InvalidRequestException(
          "Parameter 'date' must be a full date (YYYY-MM-DD), not '"
              + date.getValueAsString()
              + "'");
    }
    return LocalDate.parse(date.getValueAsString());
  }
}
