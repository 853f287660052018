package org.trialfhir.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class OperationAuditEventsTest {

  private static final FhirContext R4 = FhirContext.forR4Cached();

  private final OperationAuditEvents events =
      new OperationAuditEvents(R4, new AuditContextServices());

  private static ServletRequestDetails operation(
      RequestTypeEnum method, String path, IdType instance, String name) {
    ServletRequestDetails request = new ServletRequestDetails();
    request.setRequestType(method);
    request.setRestOperationType(
        instance == null
            ? RestOperationTypeEnum.EXTENDED_OPERATION_TYPE
            : RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE);
    request.setFhirServerBase("http://localhost:8080/fhir");
    request.setRequestPath(path);
    request.setResourceName(instance == null ? "ResearchStudy" : instance.getResourceType());
    request.setId(instance);
    request.setOperation(name);
    request.setRequestId("req-1");
    MockHttpServletRequest servletRequest = new MockHttpServletRequest();
    servletRequest.setRemoteAddr("10.0.0.9");
    request.setServletRequest(servletRequest);
    return request;
  }

  private static List<String> whatWithRole(AuditEvent event, String role) {
    return event.getEntity().stream()
        .filter(e -> role.equals(e.getRole().getCode()))
        .map(e -> e.getWhat().getReference())
        .toList();
  }

  @Test
  void eligibilityNamesTheStudyThePatientAndTheQuery() {
    ServletRequestDetails request =
        operation(
            RequestTypeEnum.GET,
            "ResearchStudy/nct06407297/$eligibility",
            new IdType("ResearchStudy/nct06407297"),
            "$eligibility");
    request.setParameters(
        Map.of("patient", new String[] {"Patient/p1"}, "date", new String[] {"2026-06-15"}));

    AuditEvent event = events.build(request, 200, null, new Parameters());

    assertThat(event.getType().getCode()).isEqualTo("rest");
    assertThat(event.getSubtypeFirstRep().getSystem())
        .isEqualTo("http://hl7.org/fhir/restful-interaction");
    assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("operation");
    assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.E);
    assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
    assertThat(event.getOutcomeDesc()).isEqualTo("HTTP 200");
    assertThat(event.getAgent()).hasSize(3);
    assertThat(event.getAgentFirstRep().getNetwork().getAddress()).isEqualTo("10.0.0.9");
    assertThat(event.getAgent().get(2).getRequestor()).as("the user asked").isTrue();
    assertThat(whatWithRole(event, "4")).containsExactly("ResearchStudy/nct06407297");
    assertThat(whatWithRole(event, "1")).containsExactly("Patient/p1");
    AuditEventEntityComponent query =
        event.getEntity().stream()
            .filter(e -> "24".equals(e.getRole().getCode()))
            .findFirst()
            .orElseThrow();
    assertThat(query.getDescription()).isEqualTo("GET $eligibility on ResearchStudy/nct06407297");
    assertThat(new String(query.getQuery(), StandardCharsets.UTF_8))
        .startsWith("http://localhost:8080/fhir/ResearchStudy/nct06407297/$eligibility?")
        .contains("patient=Patient/p1")
        .contains("date=2026-06-15");
  }

  @Test
  void aPostedPatientParameterAndTheAnsweredSubjectAreEntities() {
    ServletRequestDetails request =
        operation(
            RequestTypeEnum.POST,
            "ResearchStudy/s1/$enroll",
            new IdType("ResearchStudy/s1"),
            "$enroll");
    Parameters body = new Parameters();
    body.addParameter().setName("patient").setValue(new Reference("Patient/p2"));
    body.addParameter()
        .setName("record")
        .setValue(new org.hl7.fhir.r4.model.StringType("x".repeat(5000)));
    request.setResource(body);
    ResearchSubject subject = new ResearchSubject();
    subject.setId("ResearchSubject/rs1");
    subject.setIndividual(new Reference("Patient/p3"));

    AuditEvent event = events.build(request, 200, null, subject);

    assertThat(whatWithRole(event, "1")).containsExactly("Patient/p2", "Patient/p3");
    String query =
        new String(
            event.getEntity().stream()
                .filter(e -> "24".equals(e.getRole().getCode()))
                .findFirst()
                .orElseThrow()
                .getQuery(),
            StandardCharsets.UTF_8);
    assertThat(query).contains("patient=Patient/p2").contains("(5000 chars)");
    assertThat(query.length()).isLessThan(1000);
  }

  @Test
  void aFailureRecordsItsStatusAndAnOperationOnAPatientNamesIt() {
    ServletRequestDetails request =
        operation(
            RequestTypeEnum.GET,
            "Patient/p4/$match-studies",
            new IdType("Patient/p4"),
            "$match-studies");

    AuditEvent notFound = events.build(request, 404, "Patient/p4 is not known", null);
    AuditEvent broken = events.build(request, 500, "boom", null);

    assertThat(notFound.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4);
    assertThat(notFound.getOutcomeDesc()).isEqualTo("HTTP 404: Patient/p4 is not known");
    assertThat(broken.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._8);
    assertThat(whatWithRole(notFound, "1")).containsExactly("Patient/p4");
    assertThat(whatWithRole(notFound, "4")).isEmpty();
  }
}
