package org.trialfhir.screeninglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

class ScreeningRecordsTest {

  private static final String BASE = "https://site.example/fhir";

  @Test
  void aLocalReferenceNamesThePatientHere() {
    assertThat(ScreeningRecords.patient(new Reference("Patient/1"), BASE).getValue())
        .isEqualTo("Patient/1");
    assertThat(ScreeningRecords.patient(new Reference("Patient/1/_history/3"), BASE).getValue())
        .isEqualTo("Patient/1");
    assertThat(ScreeningRecords.patient(new Reference(BASE + "/Patient/1"), BASE + "/").getValue())
        .as("this server's own base")
        .isEqualTo("Patient/1");
  }

  @Test
  void aPatientOnAnotherServerIsNotReadAsOneHere() {
    assertThatThrownBy(
            () -> ScreeningRecords.patient(new Reference("http://other/fhir/Patient/1"), BASE))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("on this server")
        .hasMessageContaining("http://other/fhir/Patient/1");
    assertThatThrownBy(
            () -> ScreeningRecords.patient(new Reference("http://other/fhir/Patient/1"), null))
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void missingOrOtherTypesAreRefused() {
    assertThatThrownBy(() -> ScreeningRecords.patient(null, BASE))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("required");
    assertThatThrownBy(() -> ScreeningRecords.patient(new Reference("Group/1"), BASE))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("must reference a Patient");
  }
}
