package org.trialfhir.audit;

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
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.storage.interceptor.balp.BalpConstants;
import ca.uhn.fhir.storage.interceptor.balp.BalpProfileEnum;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditContextServices;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;

/**
 * Builds the AuditEvent of a FHIR operation ({@code $eligibility}, {@code $enroll}, …), which BALP
 * does not cover, in BALP's shape: type {@code rest}, subtype {@code operation}, action {@code E},
 * the client, server and user agents, the query (operation, URL and parameters) and, as entities,
 * the instance the operation ran on and every patient it concerned. Also builds the event of any
 * failed request (read, search, write), with that interaction as subtype.
 */
final class OperationAuditEvents {

  /** Longest parameter value kept in the query; an imported registry record can be megabytes. */
  static final int MAX_VALUE_LENGTH = 256;

  private final FhirContext fhirContext;
  private final IBalpAuditContextServices context;

  OperationAuditEvents(FhirContext fhirContext, IBalpAuditContextServices context) {
    this.fhirContext = fhirContext;
    this.context = context;
  }

  /**
   * @param status the HTTP status answered
   * @param failure what went wrong, or null on success
   * @param response the resource answered (its patients are entities too), or null
   */
  AuditEvent build(
      ServletRequestDetails request, int status, String failure, IBaseResource response) {
    boolean operation = isOperation(request.getRestOperationType());
    AuditEvent event = new AuditEvent();
    event.getType().setSystem(CS_AUDIT_EVENT_TYPE).setCode("rest").setDisplay("Restful Operation");
    String subtype = operation ? "operation" : request.getRestOperationType().getCode();
    event.addSubtype().setSystem(CS_RESTFUL_INTERACTION).setCode(subtype).setDisplay(subtype);
    event.setAction(operation ? AuditEventAction.E : action(request.getRestOperationType()));
    event.setRecorded(new Date());
    event.setOutcome(
        failure == null
            ? AuditEventOutcome._0
            : status >= 500 ? AuditEventOutcome._8 : AuditEventOutcome._4);
    event.setOutcomeDesc("HTTP " + status + (failure == null ? "" : ": " + failure));
    String server = request.getFhirServerBase();
    event.getSource().getObserver().setDisplay(server);
    addAgents(event, request, server);

    List<String> parameters = parameters(request);
    AuditEventEntityComponent query = event.addEntity();
    query.getType().setSystem(CS_AUDIT_ENTITY_TYPE).setCode(CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT);
    query.getType().setDisplay(CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT_DISPLAY);
    query.getRole().setSystem(CS_OBJECT_ROLE).setCode(CS_OBJECT_ROLE_24_QUERY).setDisplay("Query");
    String name = operation ? request.getOperation() : subtype;
    IIdType instance = request.getId();
    String target =
        instance != null && instance.hasIdPart()
            ? instance.getResourceType() + "/" + instance.getIdPart()
            : request.getResourceName();
    query.setDescription(
        request.getRequestType() + " " + name + (target == null ? "" : " on " + target));
    String url = server + "/" + request.getRequestPath();
    query.setQuery(
        (parameters.isEmpty() ? url : url + "?" + String.join("&", parameters))
            .getBytes(StandardCharsets.UTF_8));

    Set<String> patients = new LinkedHashSet<>();
    if (instance != null && instance.hasIdPart()) {
      if ("Patient".equals(instance.getResourceType())) {
        patients.add("Patient/" + instance.getIdPart());
      } else {
        addEntity(event, target, false);
      }
    }
    patients.addAll(patientParameters(request));
    patients.addAll(patientsOf(response));
    patients.forEach(patient -> addEntity(event, patient, true));

    if (failure == null) {
      LateEntryAudit.ofRequest(event, request);
    }

    AuditEventEntityComponent requestId = event.addEntity();
    requestId
        .getType()
        .setSystem("https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType");
    requestId.getType().setCode("XrequestId");
    requestId.getWhat().getIdentifier().setValue(request.getRequestId());
    return event;
  }

  static boolean isOperation(RestOperationTypeEnum type) {
    return type == RestOperationTypeEnum.EXTENDED_OPERATION_SERVER
        || type == RestOperationTypeEnum.EXTENDED_OPERATION_TYPE
        || type == RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE;
  }

  private static AuditEventAction action(RestOperationTypeEnum type) {
    return switch (type) {
      case CREATE -> AuditEventAction.C;
      case UPDATE, PATCH, META_ADD, META_DELETE -> AuditEventAction.U;
      case DELETE -> AuditEventAction.D;
      case READ, VREAD -> AuditEventAction.R;
      default -> AuditEventAction.E;
    };
  }

  /** The same agents as BALP's query events: the client, this server, the user (requestor). */
  private void addAgents(AuditEvent event, ServletRequestDetails request, String server) {
    String address = context.getNetworkAddress(request);
    AuditEventAgentComponent client = event.addAgent();
    client.getType().addCoding(BalpProfileEnum.BASIC_QUERY.getAgentClientTypeCoding());
    client.setWho(context.getAgentClientWho(request)).setRequestor(false);
    client.getWho().setDisplay(address); // as BALP shows the client
    client.getNetwork().setAddress(address).setType(context.getNetworkAddressType(request));

    AuditEventAgentComponent self = event.addAgent();
    self.getType().addCoding(BalpProfileEnum.BASIC_QUERY.getAgentServerTypeCoding());
    self.getWho().setDisplay(server);
    self.getNetwork().setAddress(server).setType(BalpConstants.AUDIT_EVENT_AGENT_NETWORK_TYPE_URI);
    self.setRequestor(false);

    AuditEventAgentComponent user = event.addAgent();
    user.getType()
        .addCoding(
            new Coding(
                "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                "IRCP",
                "information recipient"));
    user.setWho(context.getAgentUserWho(request)).setRequestor(true);
  }

  private static void addEntity(AuditEvent event, String reference, boolean patient) {
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

  /** {@code name=value} from the URL and, for a POST, the Parameters body; long values cut. */
  static List<String> parameters(ServletRequestDetails request) {
    List<String> parameters = new ArrayList<>();
    Map<String, String[]> query = request.getParameters();
    if (query != null) {
      query.forEach(
          (name, values) -> {
            for (String value : values) {
              parameters.add(name + "=" + shorten(value));
            }
          });
    }
    if (request.getResource() instanceof Parameters body) {
      for (ParametersParameterComponent parameter : body.getParameter()) {
        parameters.add(parameter.getName() + "=" + shorten(valueOf(parameter)));
      }
    }
    return parameters;
  }

  /** Patients named by a {@code patient} parameter, as {@code Patient/id}. */
  static Set<String> patientParameters(ServletRequestDetails request) {
    Set<String> patients = new LinkedHashSet<>();
    String[] fromUrl =
        request.getParameters() == null ? null : request.getParameters().get("patient");
    if (fromUrl != null) {
      for (String value : fromUrl) {
        addPatient(patients, value);
      }
    }
    if (request.getResource() instanceof Parameters body) {
      for (ParametersParameterComponent parameter : body.getParameter()) {
        if ("patient".equals(parameter.getName())) {
          addPatient(patients, valueOf(parameter));
        }
      }
    }
    return patients;
  }

  /** The patients an answered resource belongs to, e.g. the subject $withdraw returns. */
  private Set<String> patientsOf(IBaseResource response) {
    Set<String> patients = new LinkedHashSet<>();
    if (response == null
        || response instanceof Parameters
        || response instanceof Bundle
        || response instanceof OperationOutcome) {
      return patients;
    }
    if ("Patient".equals(response.fhirType())) {
      if (response.getIdElement().hasIdPart()) {
        addPatient(patients, "Patient/" + response.getIdElement().getIdPart());
      }
    } else if (!fhirContext
        .getResourceDefinition(response)
        .getSearchParamsForCompartmentName("Patient")
        .isEmpty()) {
      fhirContext
          .newTerser()
          .getCompartmentOwnersForResource("Patient", response, Set.of())
          .forEach(owner -> addPatient(patients, owner.getValue()));
    }
    return patients;
  }

  private static void addPatient(Set<String> patients, String value) {
    if (value == null || value.isBlank()) {
      return;
    }
    IdType id = new IdType(value.trim());
    if ("Patient".equals(id.getResourceType()) && id.hasIdPart()) {
      patients.add("Patient/" + id.getIdPart());
    }
  }

  private static String valueOf(ParametersParameterComponent parameter) {
    if (parameter.getValue() instanceof Reference reference) {
      return reference.getReference();
    }
    if (parameter.getValue() instanceof IPrimitiveType<?> primitive) {
      return primitive.getValueAsString();
    }
    if (parameter.getResource() != null) {
      return parameter.getResource().fhirType();
    }
    return parameter.getValue() == null ? "" : parameter.getValue().fhirType();
  }

  private static String shorten(String value) {
    if (value == null) {
      return "";
    }
    return value.length() <= MAX_VALUE_LENGTH
        ? value
        : value.substring(0, MAX_VALUE_LENGTH) + "…(" + value.length() + " chars)";
  }
}
