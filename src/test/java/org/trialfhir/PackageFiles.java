package org.trialfhir;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.ValueSet;

/** Conformance resources of the project's FHIR package, read from fhir-profiles/ as shipped. */
public final class PackageFiles {

  private PackageFiles() {}

  public static ValueSet valueSet(String id) {
    return read("ValueSet-" + id + ".json", ValueSet.class);
  }

  public static CodeSystem codeSystem(String id) {
    return read("CodeSystem-" + id + ".json", CodeSystem.class);
  }

  private static <T extends org.hl7.fhir.instance.model.api.IBaseResource> T read(
      String file, Class<T> type) {
    try {
      return FhirContext.forR4Cached()
          .newJsonParser()
          .parseResource(type, Files.readString(Path.of("fhir-profiles", file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
