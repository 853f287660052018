package org.trialfhir.server;

import java.util.Objects;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;

/** Whether references point at the same resource, whatever their base URL or version. */
public final class References {

  private References() {}

  /** "Type/id" of the reference's target without base or version; null when it has none. */
  public static String target(Reference reference) {
    return reference != null && reference.hasReference()
        ? new IdType(reference.getReference()).toUnqualifiedVersionless().getValue()
        : null;
  }

  /** Whether {@code value} is a Reference to the target of {@code expected}; both must have one. */
  public static boolean sameTarget(Object value, Reference expected) {
    String target = value instanceof Reference reference ? target(reference) : null;
    return target != null && target.equals(target(expected));
  }

  /** Whether both point at the same target, or neither points anywhere. */
  public static boolean sameOrBothEmpty(Reference before, Reference after) {
    return Objects.equals(target(before), target(after));
  }
}
