package org.trialfhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.batch2.api.IJobPersistence;
import ca.uhn.fhir.batch2.coordinator.JobDefinitionRegistry;
import ca.uhn.fhir.batch2.model.JobDefinition;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import jakarta.persistence.EntityManager;
import java.util.Date;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A Batch2 job as a node that died leaves it: a new instance with a finished job's parameters,
 * whose first chunk the database says was handed out an hour ago ("queued" or "in progress") and
 * that no node's in-memory queue holds any more.
 */
public final class StuckJobs {

  private static final long HOUR = 3_600_000;

  private final IJobPersistence persistence;
  private final JobDefinitionRegistry definitions;
  private final EntityManager entityManager;
  private final PlatformTransactionManager transactions;

  public StuckJobs(
      IJobPersistence persistence,
      JobDefinitionRegistry definitions,
      EntityManager entityManager,
      PlatformTransactionManager transactions) {
    this.persistence = persistence;
    this.definitions = definitions;
    this.entityManager = entityManager;
    this.transactions = transactions;
  }

  /** The new instance's id; {@code heldAs} is QUEUED or IN_PROGRESS. */
  public String copyOf(String finishedJobId, String definitionId, String heldAs) {
    JobInstance finished = persistence.fetchInstance(finishedJobId).orElseThrow();
    JobDefinition<?> definition = definitions.getJobDefinitionOrThrowException(definitionId, 1);
    return new TransactionTemplate(transactions)
        .execute(
            status -> {
              String id =
                  persistence.onCreateWithFirstChunk(
                          new SystemRequestDetails(), definition, finished.getParameters())
                      .jobInstanceId;
              Date hourAgo = new Date(System.currentTimeMillis() - HOUR);
              int held =
                  entityManager
                      .createNativeQuery(
                          "UPDATE BT2_WORK_CHUNK SET STAT = :stat, CREATE_TIME = :created,"
                              + " START_TIME = :started WHERE INSTANCE_ID = :instance")
                      .setParameter("stat", heldAs)
                      .setParameter("created", hourAgo)
                      .setParameter("started", "IN_PROGRESS".equals(heldAs) ? hourAgo : null)
                      .setParameter("instance", id)
                      .executeUpdate();
              assertThat(held).isEqualTo(1);
              return id;
            });
  }
}
