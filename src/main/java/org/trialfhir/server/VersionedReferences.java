package org.trialfhir.server;

import ca.uhn.fhir.context.FhirContext;
import java.util.HashSet;
import java.util.Set;

/**
 * Paths where a reference keeps its version when stored (HAPI strips versions elsewhere): records
 * of who did what, whose target must stay the version they were about.
 */
public final class VersionedReferences {

  private VersionedReferences() {}

  /** Keeps versions in references at this path, e.g. {@code Provenance.target}. */
  public static void keep(FhirContext fhirContext, String path) {
    Set<String> paths =
        new HashSet<>(fhirContext.getParserOptions().getDontStripVersionsFromReferencesAtPaths());
    if (paths.add(path)) {
      fhirContext.getParserOptions().setDontStripVersionsFromReferencesAtPaths(paths);
    }
  }
}
