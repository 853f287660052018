package org.trialfhir.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

class ServerRecordGuardTest {

  private final ServerRecordGuard guard = new ServerRecordGuard();

  private static Provenance naming(String who) {
    Provenance provenance = new Provenance();
    provenance.addTarget(new Reference("ResearchSubject/1"));
    provenance.addAgent().setWho(new Reference().setDisplay(who));
    return provenance;
  }

  @Test
  void aClientCannotWriteARecordMarkedAsTheServers() {
    Provenance forged = ServerRecords.mark(naming("Dr X"));
    assertThatThrownBy(() -> guard.created(forged, new SystemRequestDetails()))
        .isInstanceOf(UnprocessableEntityException.class)
        .hasMessageContaining("server-record")
        .hasMessageContaining("$record-screening");
    assertThatThrownBy(() -> guard.created(forged, null))
        .as("an import without a request")
        .isInstanceOf(UnprocessableEntityException.class);
  }

  @Test
  void aClientCannotChangeTheServersRecordEvenDroppingTheMark() {
    Provenance stored = ServerRecords.mark(naming("coordinator"));
    assertThatThrownBy(() -> guard.updated(stored, naming("Dr X"), new SystemRequestDetails()))
        .isInstanceOf(UnprocessableEntityException.class);
  }

  @Test
  void theServersRecordIsNotDeleted() {
    assertThatThrownBy(
            () -> guard.deleted(ServerRecords.mark(naming("a")), new SystemRequestDetails()))
        .isInstanceOf(UnprocessableEntityException.class)
        .hasMessageContaining("not deleted");
    assertThatCode(() -> guard.deleted(naming("Dr X"), new SystemRequestDetails()))
        .doesNotThrowAnyException();
  }

  @Test
  void theOperationsOwnWriteAndUnmarkedRecordsPass() {
    assertThatCode(() -> guard.created(ServerRecords.mark(naming("a")), ServerRecords.writer()))
        .doesNotThrowAnyException();
    assertThatCode(() -> guard.created(naming("Dr X"), new SystemRequestDetails()))
        .as("a client's own Provenance is stored, but is not the server's")
        .doesNotThrowAnyException();
    assertThat(ServerRecords.marked(naming("Dr X"))).isFalse();
    assertThat(ServerRecords.marked(ServerRecords.mark(ServerRecords.mark(naming("a"))))).isTrue();
    assertThat(ServerRecords.mark(ServerRecords.mark(naming("a"))).getMeta().getTag())
        .as("marked once")
        .hasSize(1);
  }
}
