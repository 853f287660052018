package org.trialfhir.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

class AuditTrailGuardTest {

  private final AuditTrailGuard guard = new AuditTrailGuard();

  @Test
  void onlyTheServerRecordsAuditEvents() {
    assertThatCode(() -> guard.created(new AuditEvent(), new SystemRequestDetails()))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> guard.created(new AuditEvent(), new ServletRequestDetails()))
        .isInstanceOf(ForbiddenOperationException.class)
        .hasMessageContaining("append-only")
        .hasMessageContaining("recorded by the server itself");
    assertThatThrownBy(() -> guard.created(new AuditEvent(), null))
        .isInstanceOf(ForbiddenOperationException.class);
  }

  @Test
  void anAuditEventIsNeverChanged() {
    assertThatThrownBy(() -> guard.updated(new AuditEvent(), new AuditEvent()))
        .isInstanceOf(MethodNotAllowedException.class)
        .hasMessageContaining("append-only")
        .hasMessageContaining("updated or patched")
        .satisfies(
            e ->
                assertThat(((MethodNotAllowedException) e).getAllowedMethods())
                    .containsExactlyInAnyOrder(RequestTypeEnum.GET, RequestTypeEnum.HEAD));
    assertThatThrownBy(() -> guard.deleted(new AuditEvent()))
        .isInstanceOf(MethodNotAllowedException.class)
        .hasMessageContaining("deleted");
    assertThatThrownBy(() -> guard.expunged(new AuditEvent()))
        .isInstanceOf(MethodNotAllowedException.class);
  }

  @Test
  void otherResourcesAreNotItsBusiness() {
    assertThatCode(
            () -> {
              guard.created(new Patient(), new ServletRequestDetails());
              guard.updated(new Patient(), new Patient());
              guard.deleted(new Patient());
              guard.expunged(null);
            })
        .doesNotThrowAnyException();
  }
}
