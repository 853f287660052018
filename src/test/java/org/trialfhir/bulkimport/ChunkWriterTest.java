package org.trialfhir.bulkimport;

import static ca.uhn.fhir.interceptor.api.Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import jakarta.persistence.PersistenceException;
import java.util.ArrayList;
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
import org.trialfhir.security.SmartAuthorizationInterceptor;

/**
 * A chunk whose transaction fails as a whole (a database error at a write or at commit, such as the
 * same id stored by two parallel chunks) is refused with a generic message, so the job still
 * completes with its report and no SQL reaches the client; and each line is authorised as its REST
 * write before the DAO sees it.
 */
class ChunkWriterTest {

  private static final String SQL =
      "could not execute statement [Unique index or primary key violation: \"IDX_RES_ID\" ON"
          + " PUBLIC.HFJ_RESOURCE]; SQL [insert into hfj_resource values (?)]";

  private final FhirContext fhir = FhirContext.forR4Cached();
  private final PlatformTransactionManager transactions = mock(PlatformTransactionManager.class);

  @SuppressWarnings("rawtypes")
  private final IFhirResourceDao dao = mock(IFhirResourceDao.class);

  private final SmartAuthorizationInterceptor authorization =
      mock(SmartAuthorizationInterceptor.class);

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
    return new ChunkWriter(
        fhir,
        daos,
        server,
        transactions,
        mock(ChunkAudit.class),
        authorization,
        mock(ReferencePrefetch.class));
  }

  @SuppressWarnings("unchecked")
  private void daoStores() {
    when(dao.update(
            any(IBaseResource.class),
            isNull(),
            eq(true),
            eq(false),
            any(RequestDetails.class),
            any(TransactionDetails.class)))
        .thenAnswer(call -> stored(call.getArgument(0), false));
    when(dao.create(
            any(IBaseResource.class),
            isNull(),
            eq(true),
            any(RequestDetails.class),
            any(TransactionDetails.class)))
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
    when(dao.create(
            any(IBaseResource.class),
            isNull(),
            eq(true),
            any(RequestDetails.class),
            any(TransactionDetails.class)))
        .thenThrow(new PersistenceException(SQL));

    refusedWholeAndGenerically(writer.store(CHUNK, "http://localhost/fhir", "request"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aLineIsAuthorisedAsItsRestWriteBeforeTheDaoSeesIt() {
    ChunkWriter writer = writer();
    daoStores();
    List<RestOperationTypeEnum> judged = new ArrayList<>();
    doAnswer(
            call -> {
              RequestDetails request = call.getArgument(0);
              judged.add(request.getRestOperationType());
              if (request.getRestOperationType() == RestOperationTypeEnum.UPDATE) {
                assertThat(request.getId().getValue()).isEqualTo("Patient/twice");
                assertThat(request.getResource()).isNotNull();
                throw new ForbiddenOperationException("HAPI-0334: Access denied by default policy");
              }
              return null;
            })
        .when(authorization)
        .incomingRequestPreHandled(
            any(RequestDetails.class), eq(SERVER_INCOMING_REQUEST_PRE_HANDLED));

    ChunkOutcome outcome = writer.store(CHUNK, "http://localhost/fhir", "request");

    // The line with an id is judged as the PUT it stands for, and refused before any storage.
    assertThat(judged.get(0)).isEqualTo(RestOperationTypeEnum.UPDATE);
    assertThat(outcome.refused())
        .singleElement()
        .satisfies(
            refusal -> {
              assertThat(refusal.line()).isEqualTo(1);
              assertThat(refusal.status()).isEqualTo(403);
              assertThat(refusal.message()).contains("Access denied by default policy");
            });
    verify(dao, never())
        .update(
            any(IBaseResource.class),
            any(),
            any(Boolean.class),
            any(Boolean.class),
            any(RequestDetails.class),
            any(TransactionDetails.class));
    // The line without an id is judged as a create (and then, on a dry run, written).
    assertThat(judged).contains(RestOperationTypeEnum.CREATE);
  }
}
