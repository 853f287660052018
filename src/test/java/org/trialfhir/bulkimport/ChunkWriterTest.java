package org.trialfhir.bulkimport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import jakarta.persistence.PersistenceException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.SimpleTransactionStatus;
import org.trialfhir.bulkimport.ImportModels.Chunk;
import org.trialfhir.bulkimport.ImportModels.ChunkOutcome;
import org.trialfhir.bulkimport.ImportModels.Line;
import org.trialfhir.bulkimport.ImportModels.Refusal;

/**
 * A chunk whose transaction fails as a whole (a database error at a write or at commit, such as the
 * same id stored by two parallel chunks) is refused with a generic message, so the job still
 * completes with its report and no SQL reaches the client.
 */
class ChunkWriterTest {

  private static final String SQL =
      "could not execute statement [Unique index or primary key violation: \"IDX_RES_ID\" ON"
          + " PUBLIC.HFJ_RESOURCE]; SQL [insert into hfj_resource values (?)]";

  private final FhirContext fhir = FhirContext.forR4Cached();
  private final PlatformTransactionManager transactions = mock(PlatformTransactionManager.class);

  @SuppressWarnings("rawtypes")
  private final IFhirResourceDao dao = mock(IFhirResourceDao.class);

  private static final Chunk CHUNK =
      new Chunk(
          0,
          1,
          "Binary/file",
          "Patient",
          List.of(
              new Line(1, "{\"resourceType\":\"Patient\",\"id\":\"twice\"}", null),
              new Line(2, "{\"resourceType\":\"Patient\",\"active\":true}", null)),
          null);

  @SuppressWarnings("unchecked")
  private ChunkWriter writer() {
    DaoRegistry daos = mock(DaoRegistry.class);
    doReturn(dao).when(daos).getResourceDao("Patient");
    ObjectProvider<RestfulServer> server = mock(ObjectProvider.class);
    when(server.getObject()).thenReturn(new RestfulServer(fhir));
    when(transactions.getTransaction(any(TransactionDefinition.class)))
        .thenReturn(new SimpleTransactionStatus());
    return new ChunkWriter(fhir, daos, server, transactions, mock(ChunkAudit.class));
  }

  @SuppressWarnings("unchecked")
  private void daoStores() {
    when(dao.update(any(IBaseResource.class), any(RequestDetails.class)))
        .thenAnswer(call -> stored(call.getArgument(0), false));
    when(dao.create(any(IBaseResource.class), any(RequestDetails.class)))
        .thenAnswer(call -> stored(call.getArgument(0), true));
  }

  private static DaoMethodOutcome stored(IBaseResource resource, boolean created) {
    DaoMethodOutcome outcome = new DaoMethodOutcome();
    outcome.setCreated(created);
    outcome.setResource(resource);
    return outcome;
  }

  private static void refusedWholeAndGenerically(ChunkOutcome outcome) {
    assertThat(outcome.created()).isZero();
    assertThat(outcome.updated()).isZero();
    assertThat(outcome.notStored()).isZero();
    assertThat(outcome.refused()).extracting(Refusal::line).containsExactly(1, 2);
    for (Refusal refusal : outcome.refused()) {
      assertThat(refusal.status()).isEqualTo(409);
      assertThat(refusal.message()).isEqualTo(ChunkWriter.CHUNK_FAILED).doesNotContain("SQL");
    }
  }

  @Test
  void aChunkWhoseCommitFailsIsRefusedWholeWithAGenericMessage() {
    ChunkWriter writer = writer();
    daoStores();
    doThrow(new DataIntegrityViolationException(SQL))
        .when(transactions)
        .commit(any(TransactionStatus.class));

    refusedWholeAndGenerically(writer.store(CHUNK, "http://localhost/fhir", "request"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aChunkWhoseWriteFailsInTheDatabaseIsRefusedWholeWithAGenericMessage() {
    ChunkWriter writer = writer();
    daoStores();
    when(dao.create(any(IBaseResource.class), any(RequestDetails.class)))
        .thenThrow(new PersistenceException(SQL));

    refusedWholeAndGenerically(writer.store(CHUNK, "http://localhost/fhir", "request"));
  }
}
