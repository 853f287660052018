package org.trialfhir.ctgov;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ResearchStudy;

/**
 * What a study carries for the registry sync (docs/registry-import.md, "Followed studies"): whether
 * the server follows it (an extension, not a tag, so that an ordinary update of the study can set
 * it either way), and the registry's last-update date of the record it was imported from.
 */
final class CtgovSyncMarks {

  /** true: the sync keeps the study up to date with the registry. */
  static final String FOLLOW = CtgovStudyMapper.BASE + "StructureDefinition/registry-follow";

  /** The registry's {@code lastUpdatePostDateStruct.date} of the record imported (a date). */
  static final String LAST_UPDATE =
      CtgovStudyMapper.BASE + "StructureDefinition/registry-last-update";

  private CtgovSyncMarks() {}

  /**
   * Marks the study about to be written: the record's last-update date, and whether it is followed:
   * yes if {@code follow} (fetched from the registry), else as the study held so far said (a
   * re-import by record neither follows nor unfollows it).
   */
  static void mark(JsonNode record, ResearchStudy mapped, ResearchStudy existing, boolean follow) {
    LocalDate lastUpdate = lastUpdate(record);
    mapped
        .getExtension()
        .removeIf(e -> LAST_UPDATE.equals(e.getUrl()) || FOLLOW.equals(e.getUrl()));
    if (lastUpdate != null) {
      mapped.addExtension(LAST_UPDATE, new DateType(lastUpdate.toString()));
    }
    if (follow) {
      mapped.addExtension(FOLLOW, new BooleanType(true));
    } else if (existing != null && existing.getExtensionByUrl(FOLLOW) != null) {
      mapped.addExtension(existing.getExtensionByUrl(FOLLOW).copy());
    }
  }

  static boolean followed(ResearchStudy study) {
    var extension = study == null ? null : study.getExtensionByUrl(FOLLOW);
    return extension != null
        && extension.getValue() instanceof BooleanType b
        && Boolean.TRUE.equals(b.getValue());
  }

  /** The registry's last-update date of a record, null if it states none or not as a date. */
  static LocalDate lastUpdate(JsonNode record) {
    JsonNode date =
        record
            .path("protocolSection")
            .path("statusModule")
            .path("lastUpdatePostDateStruct")
            .path("date");
    return date.isTextual() ? date(date.asText()) : null;
  }

  /** The last-update date the study was imported with, null if unknown. */
  static LocalDate lastUpdate(ResearchStudy study) {
    var extension = study.getExtensionByUrl(LAST_UPDATE);
    return extension == null || !(extension.getValue() instanceof DateType d) || !d.hasValue()
        ? null
        : date(d.getValueAsString());
  }

  static String nctId(ResearchStudy study) {
    return study.getIdentifier().stream()
        .filter(i -> CtgovStudyMapper.NCT_SYSTEM.equals(i.getSystem()) && i.hasValue())
        .map(Identifier::getValue)
        .findFirst()
        .orElse(null);
  }

  private static LocalDate date(String value) {
    try {
      // The registry writes partial dates (2024-05) for some fields; last-update is a full date.
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
