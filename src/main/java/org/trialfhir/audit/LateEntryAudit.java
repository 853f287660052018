package org.trialfhir.audit;

import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_AUDIT_ENTITY_TYPE;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_OBJECT_ROLE;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_OBJECT_ROLE_4_DOMAIN_RESOURCE;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * Says in an AuditEvent that the resource it is about was entered late, with the reason given: a
 * detail {@value #LATE_ENTRY_CODE} on the resource's entity. The enrolment feature's storage rule
 * (subject/EntryDateRule) marks a late entry it accepts with the user data {@value #WRITTEN_LATE}
 * on the written resource, for the write's own event; an operation that writes one as the server
 * ($enroll) marks its request the same way, for the operation's event.
 */
final class LateEntryAudit {

  static final String WRITTEN_LATE = "org.trialfhir.late-entry";
  static final String LATE_ENTRY_CODE = "late-entry";

  private LateEntryAudit() {}

  /** For the event of a write: a resource this very write entered late. */
  static void ofWrite(AuditEvent event, IBaseResource written) {
    if (written instanceof Base base && base.getUserData(WRITTEN_LATE) instanceof String reason) {
      describe(event, written, reason);
    }
  }

  /**
   * For the event of an operation that entered records late ($enroll): the request's user data
   * {@value #WRITTEN_LATE} maps each such record (e.g. ResearchSubject/1) to its reason.
   */
  static void ofRequest(AuditEvent event, RequestDetails request) {
    if (request.getUserData().get(WRITTEN_LATE) instanceof Map<?, ?> written) {
      written.forEach(
          (reference, reason) ->
              describe(event, String.valueOf(reference), String.valueOf(reason)));
    }
  }

  private static void describe(AuditEvent event, IBaseResource resource, String reason) {
    if (resource.getIdElement().hasIdPart()) {
      describe(event, resource.fhirType() + "/" + resource.getIdElement().getIdPart(), reason);
    }
  }

  private static void describe(AuditEvent event, String id, String reason) {
    AuditEventEntityComponent entity =
        event.getEntity().stream()
            .filter(
                e ->
                    e.getWhat().hasReference()
                        && id.equals(
                            new IdType(e.getWhat().getReference())
                                .toUnqualifiedVersionless()
                                .getValue()))
            .findFirst()
            .orElseGet(
                () -> {
                  AuditEventEntityComponent added = event.addEntity().setWhat(new Reference(id));
                  added
                      .getType()
                      .setSystem(CS_AUDIT_ENTITY_TYPE)
                      .setCode(CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT);
                  added
                      .getRole()
                      .setSystem(CS_OBJECT_ROLE)
                      .setCode(CS_OBJECT_ROLE_4_DOMAIN_RESOURCE);
                  return added;
                });
    entity.addDetail().setType(LATE_ENTRY_CODE).setValue(new StringType(reason));
  }
}
