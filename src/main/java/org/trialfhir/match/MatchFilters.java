package org.trialfhir.match;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.HashMap;
import java.util.Map;
import org.hl7.fhir.exceptions.FHIRException;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.ResearchStudy.ResearchStudyStatus;

/**
 * The filters of a {@code $match}: the operation's parameters, else those of a Parameters resource
 * inside the clinical data Bundle, where the mCODE matching engine puts them (its services read
 * them from there). recruitmentStatus must be a ResearchStudy status code (400 otherwise); it
 * defaults to {@code active}, the studies {@code $match-studies} evaluates.
 */
record MatchFilters(String zipCode, String travelRadius, String phase, String recruitmentStatus) {

  static final String DEFAULT_STATUS = "active";

  static MatchFilters of(
      Bundle clinicalData,
      String zipCode,
      String travelRadius,
      String phase,
      String recruitmentStatus) {
    Map<String, String> inBundle = inBundle(clinicalData);
    String status = first(recruitmentStatus, inBundle.get("recruitmentStatus"), DEFAULT_STATUS);
    try {
      ResearchStudyStatus.fromCode(status);
    } catch (FHIRException e) {
      throw new InvalidRequestException(
          "Parameter 'recruitmentStatus' must be a ResearchStudy status code"
              + " (http://hl7.org/fhir/research-study-status), such as active, not '"
              + status
              + "'");
    }
    return new MatchFilters(
        first(zipCode, inBundle.get("zipCode"), null),
        first(travelRadius, inBundle.get("travelRadius"), null),
        first(phase, inBundle.get("phase"), null),
        status);
  }

  /** The primitive parameters of the Bundle's Parameters entries, the first of each name. */
  private static Map<String, String> inBundle(Bundle clinicalData) {
    Map<String, String> found = new HashMap<>();
    if (clinicalData == null) {
      return found;
    }
    for (Bundle.BundleEntryComponent entry : clinicalData.getEntry()) {
      if (entry.getResource() instanceof Parameters parameters) {
        for (ParametersParameterComponent p : parameters.getParameter()) {
          if (p.getValue() instanceof PrimitiveType<?> value && value.hasValue()) {
            found.putIfAbsent(p.getName(), value.getValueAsString().trim());
          }
        }
      }
    }
    return found;
  }

  private static String first(String given, String inBundle, String otherwise) {
    if (given != null && !given.isEmpty()) {
      return given;
    }
    return inBundle != null && !inBundle.isEmpty() ? inBundle : otherwise;
  }
}
