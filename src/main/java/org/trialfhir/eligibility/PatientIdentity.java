package org.trialfhir.eligibility;

import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * Which references name the record's Patient, by the Bundle's resolution rules: its fullUrl, or
 * {@code Patient/[id]} (relative, or absolute with any base) with its id, the id being the
 * resource's, else the last segment of an http(s) fullUrl.
 */
final class PatientIdentity {
  private final String fullUrl;
  private final String id;

  PatientIdentity(BundleEntryComponent entry) {
    this.fullUrl = entry.hasFullUrl() ? entry.getFullUrl() : null;
    IdType own = ((Resource) entry.getResource()).getIdElement();
    String fromResource = own.hasIdPart() && !own.isUrn() ? own.getIdPart() : null;
    String fromUrl =
        fullUrl != null && fullUrl.matches("https?://.*/Patient/[^/]+")
            ? new IdType(fullUrl).getIdPart()
            : null;
    this.id = fromResource != null ? fromResource : fromUrl;
  }

  boolean is(Reference reference) {
    if (!reference.hasReference()) {
      return false;
    }
    String target = reference.getReference();
    if (target.equals(fullUrl)) {
      return true;
    }
    if (target.startsWith("urn:") || target.startsWith("#") || id == null) {
      return false;
    }
    IdType parsed = new IdType(target);
    return "Patient".equals(parsed.getResourceType()) && id.equals(parsed.getIdPart());
  }
}
