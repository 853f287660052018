package org.trialfhir.bulkimport;

import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_AUDIT_ENTITY_TYPE;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_AUDIT_ENTITY_TYPE_1_PERSON;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_AUDIT_ENTITY_TYPE_1_PERSON_DISPLAY;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT_DISPLAY;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_AUDIT_EVENT_TYPE;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_OBJECT_ROLE;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_OBJECT_ROLE_1_PATIENT;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_OBJECT_ROLE_1_PATIENT_DISPLAY;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_OBJECT_ROLE_24_QUERY;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_OBJECT_ROLE_4_DOMAIN_RESOURCE;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_OBJECT_ROLE_4_DOMAIN_RESOURCE_DISPLAY;
import static ca.uhn.fhir.storage.interceptor.balp.BalpConstants.CS_RESTFUL_INTERACTION;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.storage.interceptor.balp.BalpConstants;
import ca.uhn.fhir.storage.interceptor.balp.BalpProfileEnum;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditContextServices;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditEventSink;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * One AuditEvent per import chunk, naming the caller (client and user, as BALP's events do), the
 * patients concerned and every resource written, instead of one event per resource: a
 * 50,000-patient history would otherwise add a million events. Recorded through the audit outbox: a
 * stored chunk's event in the chunk's own database transaction (the chunk commits with its record
 * or not at all), a refused chunk's event on its own. Nothing is recorded with the audit trail off.
 */
@Component
class ChunkAudit {

  private final FhirContext fhir;
  private final ObjectProvider<IBalpAuditEventSink> sink;
  private final ObjectProvider<IBalpAuditContextServices> context;

  ChunkAudit(
      FhirContext fhir,
      ObjectProvider<IBalpAuditEventSink> sink,
      ObjectProvider<IBalpAuditContextServices> context) {
    this.fhir = fhir;
    this.sink = sink;
    this.context = context;
  }

  /**
   * @param written the resources stored, with their new ids and versions (empty if refused)
   * @param failure why nothing of the chunk was stored, or null
   */
  void record(
      RequestDetails request,
      String description,
      List<IBaseResource> written,
      boolean anyCreated,
      boolean anyUpdated,
      String failure) {
    IBalpAuditEventSink events = sink.getIfAvailable();
    IBalpAuditContextServices who = context.getIfAvailable();
    if (events == null || who == null) {
      return;
    }
    AuditEvent event = new AuditEvent();
    event.getType().setSystem(CS_AUDIT_EVENT_TYPE).setCode("rest").setDisplay("Restful Operation");
    event
        .addSubtype()
        .setSystem(CS_RESTFUL_INTERACTION)
        .setCode("operation")
        .setDisplay("operation");
    event.setAction(
        anyCreated && !anyUpdated
            ? AuditEventAction.C
            : anyUpdated && !anyCreated ? AuditEventAction.U : AuditEventAction.E);
    event.setRecorded(new Date());
    event.setOutcome(failure == null ? AuditEventOutcome._0 : AuditEventOutcome._4);
    event.setOutcomeDesc(failure == null ? description : description + ": " + failure);
    String server = request.getFhirServerBase();
    event.getSource().getObserver().setDisplay(server);

    AuditEventAgentComponent client = event.addAgent();
    client.getType().addCoding(BalpProfileEnum.BASIC_CREATE.getAgentClientTypeCoding());
    client.setWho(who.getAgentClientWho(request)).setRequestor(false);
    AuditEventAgentComponent self = event.addAgent();
    self.getType().addCoding(BalpProfileEnum.BASIC_CREATE.getAgentServerTypeCoding());
    self.getWho().setDisplay(server);
    self.getNetwork().setAddress(server).setType(BalpConstants.AUDIT_EVENT_AGENT_NETWORK_TYPE_URI);
    self.setRequestor(false);
    AuditEventAgentComponent user = event.addAgent();
    user.getType()
        .addCoding(
            new Coding(
                "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                "AUT",
                "author (originator)"));
    user.setWho(who.getAgentUserWho(request)).setRequestor(true);

    AuditEventEntityComponent query = event.addEntity();
    query.getType().setSystem(CS_AUDIT_ENTITY_TYPE).setCode(CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT);
    query.getType().setDisplay(CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT_DISPLAY);
    query.getRole().setSystem(CS_OBJECT_ROLE).setCode(CS_OBJECT_ROLE_24_QUERY).setDisplay("Query");
    query.setDescription("POST $import " + description);
    query.setQuery((server + "/$import").getBytes(StandardCharsets.UTF_8));

    Set<String> patients = new LinkedHashSet<>();
    for (IBaseResource resource : written) {
      if ("Patient".equals(resource.fhirType())) {
        patients.add("Patient/" + resource.getIdElement().getIdPart());
      } else if (!fhir.getResourceDefinition(resource)
          .getSearchParamsForCompartmentName("Patient")
          .isEmpty()) {
        fhir.newTerser()
            .getCompartmentOwnersForResource("Patient", resource, Set.of())
            .forEach(owner -> patients.add("Patient/" + owner.getIdPart()));
      }
    }
    for (String patient : patients) {
      entity(event, patient, true);
    }
    for (IBaseResource resource : written) {
      entity(event, resource.getIdElement().toUnqualified().getValue(), false);
    }
    AuditEventEntityComponent requestId = event.addEntity();
    requestId
        .getType()
        .setSystem("https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType");
    requestId.getType().setCode("XrequestId");
    requestId.getWhat().getIdentifier().setValue(request.getRequestId());
    events.recordAuditEvent(event);
  }

  private static void entity(AuditEvent event, String reference, boolean patient) {
    AuditEventEntityComponent entity = event.addEntity();
    entity.getType().setSystem(CS_AUDIT_ENTITY_TYPE);
    entity.getRole().setSystem(CS_OBJECT_ROLE);
    if (patient) {
      entity.getType().setCode(CS_AUDIT_ENTITY_TYPE_1_PERSON);
      entity.getType().setDisplay(CS_AUDIT_ENTITY_TYPE_1_PERSON_DISPLAY);
      entity.getRole().setCode(CS_OBJECT_ROLE_1_PATIENT);
      entity.getRole().setDisplay(CS_OBJECT_ROLE_1_PATIENT_DISPLAY);
    } else {
      entity.getType().setCode(CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT);
      entity.getType().setDisplay(CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT_DISPLAY);
      entity.getRole().setCode(CS_OBJECT_ROLE_4_DOMAIN_RESOURCE);
      entity.getRole().setDisplay(CS_OBJECT_ROLE_4_DOMAIN_RESOURCE_DISPLAY);
    }
    entity.setWhat(new Reference(reference));
  }
}
