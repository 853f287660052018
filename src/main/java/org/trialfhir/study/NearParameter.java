package org.trialfhir.study;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.math.BigDecimal;

/**
 * A {@code near} search value, {@code [latitude]|[longitude]|[distance]|[units]} (FHIR R4
 * Location.near): both coordinates are required, numbers within the globe, so that a half
 * coordinate is refused naming what is missing rather than matched against something else or
 * ignored.
 */
record NearParameter(BigDecimal latitude, BigDecimal longitude) {

  private static final BigDecimal MAX_LATITUDE = BigDecimal.valueOf(90);
  private static final BigDecimal MAX_LONGITUDE = BigDecimal.valueOf(180);

  /**
   * @param name the search parameter, as the caller wrote it (for the message)
   * @param value its value
   */
  static NearParameter parse(String name, String value) {
    String[] parts = (value == null ? "" : value).split("\\|", -1);
    String latitude = parts[0].trim();
    String longitude = parts.length > 1 ? parts[1].trim() : "";
    if (latitude.isEmpty() || longitude.isEmpty()) {
      throw refused(
          name,
          value,
          latitude.isEmpty() && longitude.isEmpty()
              ? "no latitude and no longitude"
              : latitude.isEmpty()
                  ? "a longitude without a latitude"
                  : "a latitude without a longitude");
    }
    BigDecimal lat = number(name, value, "latitude", latitude);
    BigDecimal lon = number(name, value, "longitude", longitude);
    if (lat.abs().compareTo(MAX_LATITUDE) > 0) {
      throw refused(name, value, "latitude " + latitude + " is outside -90 to 90");
    }
    if (lon.abs().compareTo(MAX_LONGITUDE) > 0) {
      throw refused(name, value, "longitude " + longitude + " is outside -180 to 180");
    }
    if (parts.length > 2 && !parts[2].isBlank()) {
      BigDecimal distance = number(name, value, "distance", parts[2].trim());
      if (distance.signum() < 0) {
        throw refused(name, value, "the distance " + parts[2].trim() + " is negative");
      }
    }
    return new NearParameter(lat, lon);
  }

  private static BigDecimal number(String name, String value, String what, String text) {
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw refused(name, value, "the " + what + " '" + text + "' is not a decimal number");
    }
  }

  private static InvalidRequestException refused(String name, String value, String problem) {
    return new InvalidRequestException(
        name
            + "="
            + value
            + " is refused: "
            + problem
            + ". It takes [latitude]|[longitude]|[distance]|[units] in decimal degrees, e.g. "
            + name
            + "=52.37|4.89|50|km");
  }
}
