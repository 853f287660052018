package org.trialfhir.audit;

import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_AUDIT_ENTITY_TYPE;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_OBJECT_ROLE;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_OBJECT_ROLE_4_DOMAIN_RESOURCE;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * Says in an AuditEvent that the resource it is about was entered late, with the reason given: a
 * detail {@value #LATE_ENTRY_CODE} on the resource's entity. The enrolment feature's storage rule
 * (subject/EntryDateRule) marks a late entry it accepts: the written resource carries the user data
 * {@value #WRITTEN_LATE} for the write's own event, and the stored one the tag {@value
 * #RECORD_LABEL}#{@value #LATE_ENTRY_CODE} for the event of the operation that answers it
 * ($enroll).
 */
final class LateEntryAudit {

  static final String WRITTEN_LATE = "org.trialfhir.late-entry";
  static final String RECORD_LABEL = "http://trialfhir.org/fhir/CodeSystem/record-label";
  static final String LATE_ENTRY_CODE = "late-entry";
  static final String LATE_ENTRY = "http://trialfhir.org/fhir/StructureDefinition/late-entry";

  private LateEntryAudit() {}

  /** For the event of a write: a resource this very write entered late. */
  static void ofWrite(AuditEvent event, IBaseResource written) {
    if (written instanceof Base base && base.getUserData(WRITTEN_LATE) instanceof String reason) {
      describe(event, written, reason);
    }
  }

  /** For the event of an operation: the resource it answered, if labelled a late entry. */
  static void ofAnswer(AuditEvent event, IBaseResource answered) {
    if (answered instanceof DomainResource resource
        && resource.getMeta().getTag(RECORD_LABEL, LATE_ENTRY_CODE) != null) {
      Extension reason = resource.getExtensionByUrl(LATE_ENTRY);
      describe(
          event,
          resource,
          reason != null && reason.getValue() instanceof StringType text ? text.getValue() : "");
    }
  }

  private static void describe(AuditEvent event, IBaseResource resource, String reason) {
    if (!resource.getIdElement().hasIdPart()) {
      return;
    }
    String id = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
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
