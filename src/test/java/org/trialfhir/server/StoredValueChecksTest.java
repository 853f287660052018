package org.trialfhir.server;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.math.BigDecimal;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.Test;

class StoredValueChecksTest {

  private final StoredValueChecks checks =
      new StoredValueChecks(FhirContext.forR4Cached(), new RequestLimitsProperties(20, 100));

  @Test
  void decimalsADoubleCannotHoldAreRefusedByPath() {
    Observation observation = new Observation();
    observation.setValue(new Quantity().setValueElement(new DecimalType(new BigDecimal("1e400"))));
    assertThatThrownBy(() -> checks.checkCreated(observation))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("Observation.valueQuantity.value");
    Patient patient = new Patient();
    patient.addExtension("urn:x", new DecimalType(new BigDecimal("-1e-400")));
    assertThatThrownBy(() -> checks.checkUpdated(null, patient))
        .hasMessageContaining("Patient.extension.valueDecimal");
  }

  @Test
  void loneSurrogatesAreRefusedAndOrdinaryValuesPass() {
    Patient patient = new Patient();
    patient.addName().setFamily("A\ud800");
    assertThatThrownBy(() -> checks.checkCreated(patient))
        .hasMessageContaining("Patient.name.family");
    Patient fine = new Patient();
    fine.addName().setFamily("Doe \ud83d\ude00");
    fine.addExtension("urn:x", new DecimalType("7.25"));
    assertThatCode(() -> checks.checkCreated(fine)).doesNotThrowAnyException();
  }

  @Test
  void transactionEntriesNeedVersionEtags() {
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction
        .addEntry()
        .getRequest()
        .setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Patient/1")
        .setIfMatch("W/\"2\"");
    assertThatCode(() -> checks.checkTransaction(transaction)).doesNotThrowAnyException();
    transaction
        .addEntry()
        .getRequest()
        .setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Patient/2")
        .setIfMatch("garbage");
    assertThatThrownBy(() -> checks.checkTransaction(transaction))
        .hasMessageContaining("Bundle.entry[1]")
        .hasMessageContaining("ifMatch");
    Bundle search = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    search.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient?_offset=-1");
    assertThatThrownBy(() -> checks.checkTransaction(search))
        .hasMessageContaining("request.url")
        .hasMessageContaining("_offset");
    Bundle batch = transaction.copy().setType(Bundle.BundleType.BATCH);
    assertThatCode(() -> checks.checkTransaction(batch)).doesNotThrowAnyException();
  }
}
