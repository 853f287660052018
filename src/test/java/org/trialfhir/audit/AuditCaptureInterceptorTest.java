package org.trialfhir.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.HookParams;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.interceptor.executor.InterceptorService;
import ca.uhn.fhir.rest.api.InterceptorInvocationTimingEnum;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SimplePreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** Through HAPI's own interceptor service, as the server registers it. */
class AuditCaptureInterceptorTest {

  private static final FhirContext R4 = FhirContext.forR4Cached();

  private final List<AuditEvent> recorded = new ArrayList<>();
  private final InterceptorService hooks = new InterceptorService();

  AuditCaptureInterceptorTest() {
    hooks.registerInterceptor(
        new AuditCaptureInterceptor(recorded::add, new AuditContextServices(), request -> {}));
  }

  private static ServletRequestDetails client(RestOperationTypeEnum type, String resourceName) {
    ServletRequestDetails request = new ServletRequestDetails();
    request.setServer(new RestfulServer(R4));
    request.setServletRequest(new MockHttpServletRequest());
    request.setRestOperationType(type);
    request.setResourceName(resourceName);
    request.setRequestType(RequestTypeEnum.GET);
    request.setFhirServerBase("http://localhost/fhir");
    request.setCompleteUrl("http://localhost/fhir/" + resourceName);
    request.setRequestPath(resourceName);
    return request;
  }

  private void show(RequestDetails request, IBaseResource... resources) {
    hooks.callHooks(Pointcut.STORAGE_PRESHOW_RESOURCES, showParams(request, resources));
  }

  private static HookParams showParams(RequestDetails request, IBaseResource... resources) {
    return new HookParams()
        .add(IPreResourceShowDetails.class, new SimplePreResourceShowDetails(List.of(resources)))
        .add(RequestDetails.class, request)
        .addIfMatchesType(ServletRequestDetails.class, request);
  }

  private static Patient patient() {
    Patient patient = new Patient();
    patient.setId("Patient/p1/_history/2");
    return patient;
  }

  @Test
  void aClientsReadIsRecordedOnceWithThePatient() {
    show(client(RestOperationTypeEnum.READ, "Patient"), patient());

    assertThat(recorded).as("one hook, not BALP's and ours").hasSize(1);
    AuditEvent event = recorded.get(0);
    assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("read");
    assertThat(event.getEntity())
        .anySatisfy(
            e -> {
              assertThat(e.getRole().getCode()).isEqualTo("1");
              assertThat(e.getWhat().getReference()).isEqualTo("Patient/p1/_history/2");
            });
  }

  @Test
  void historyIsRecordedAsAQueryOnThePatient() {
    show(client(RestOperationTypeEnum.HISTORY_INSTANCE, "Patient"), patient(), patient());

    assertThat(recorded).hasSize(1);
    AuditEvent event = recorded.get(0);
    assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("history-instance");
    assertThat(event.getEntity())
        .anySatisfy(e -> assertThat(e.getWhat().getReference()).isEqualTo("Patient/p1"));
  }

  @Test
  void theServersOwnReadsAndTheTrailItselfAreNotRecorded() {
    show(new SystemRequestDetails(), patient());
    show(client(RestOperationTypeEnum.SEARCH_TYPE, "AuditEvent"), new AuditEvent());

    assertThat(recorded).isEmpty();
  }

  @Test
  void writesOfAClientAreRecordedButNotTheServersOwn() {
    Observation observation = new Observation();
    observation.setId("Observation/o1/_history/1");
    observation.setSubject(new Reference("Patient/p1"));

    for (RequestDetails request :
        List.of(client(RestOperationTypeEnum.CREATE, "Observation"), new SystemRequestDetails())) {
      hooks.callHooks(
          Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED,
          new HookParams()
              .add(IBaseResource.class, observation)
              .add(RequestDetails.class, request)
              .addIfMatchesType(ServletRequestDetails.class, request)
              .add(TransactionDetails.class, new TransactionDetails())
              .add(InterceptorInvocationTimingEnum.class, InterceptorInvocationTimingEnum.ACTIVE));
    }

    assertThat(recorded).hasSize(1);
    assertThat(recorded.get(0).getAction()).isEqualTo(AuditEvent.AuditEventAction.C);
    assertThat(recorded.get(0).getEntity())
        .extracting(e -> e.getWhat().getReference())
        .contains("Observation/o1/_history/1", "Patient/p1");
  }
}
