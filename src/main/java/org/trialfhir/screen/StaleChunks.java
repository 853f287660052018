package org.trialfhir.screen;

import ca.uhn.fhir.batch2.model.WorkChunkStatusEnum;
import ca.uhn.fhir.jpa.dao.data.IBatch2WorkChunkRepository;
import ca.uhn.fhir.jpa.model.sched.HapiJob;
import ca.uhn.fhir.jpa.model.sched.IHasScheduledJobs;
import ca.uhn.fhir.jpa.model.sched.ISchedulerService;
import ca.uhn.fhir.jpa.model.sched.ScheduledJobDefinition;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.quartz.JobExecutionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.trialfhir.server.ReclaimableJob;

/**
 * Gives back the chunks a dead node held, for every job declared a {@link ReclaimableJob} ({@code
 * $screen}, {@code $rebuild-projection}). HAPI's open-source Batch2 hands work chunks to an
 * in-memory channel of the node that ran the maintenance pass: when that node dies, its queued and
 * running chunks stay "queued" or "in progress" in the database for ever, and the job never ends (a
 * screening was seen at 24 % for 12 minutes, through restarts). Every node looks, once a {@code
 * stale-chunk-check}, for chunks of those jobs queued or started longer than {@code
 * stale-chunk-after} ago and moves them to HAPI's poll-waiting state with a deadline of now: the
 * next maintenance pass, on any node, makes them ready and hands them out again.
 *
 * <p>A chunk handed out twice is harmless: whichever of its two messages is taken first moves it to
 * "in progress" and runs it, and the other finds it no longer queued and is dropped; if a slow
 * chunk was in fact still running, its results arrive twice, which a screening's report ({@link
 * ScreenReducer}) keeps once per patient and a rebuild's recomputation simply repeats.
 */
@Component
public class StaleChunks implements IHasScheduledJobs {

  private static final Logger log = LoggerFactory.getLogger(StaleChunks.class);
  private static final Set<WorkChunkStatusEnum> HELD =
      Set.of(WorkChunkStatusEnum.QUEUED, WorkChunkStatusEnum.IN_PROGRESS);

  @PersistenceContext private EntityManager entityManager;
  private final IBatch2WorkChunkRepository chunks;
  private final TransactionTemplate transaction;
  private final ScreenProperties properties;
  private final List<String> jobs;

  StaleChunks(
      IBatch2WorkChunkRepository chunks,
      PlatformTransactionManager transactions,
      ScreenProperties properties,
      List<ReclaimableJob> reclaimable) {
    this.chunks = chunks;
    this.transaction = new TransactionTemplate(transactions);
    this.properties = properties;
    this.jobs = reclaimable.stream().map(ReclaimableJob::definitionId).distinct().toList();
  }

  @Override
  public void scheduleJobs(ISchedulerService scheduler) {
    ScheduledJobDefinition job = new ScheduledJobDefinition();
    job.setId(StaleChunks.class.getName());
    job.setJobClass(Check.class);
    scheduler.scheduleLocalJob(properties.staleChunkCheck().toMillis(), job);
  }

  /** Hands out again the stale chunks of every reclaimable job; returns how many. */
  public int reclaim() {
    Date cutoff = new Date(System.currentTimeMillis() - properties.staleChunkAfter().toMillis());
    Integer reclaimed =
        transaction.execute(
            status -> {
              List<String> stale =
                  entityManager
                      .createQuery(
                          "SELECT c.myId FROM Batch2WorkChunkEntity c WHERE c.myJobDefinitionId"
                              + " IN (:jobs) AND c.myStatus IN (:held) AND COALESCE(c.myStartTime,"
                              + " c.myCreateTime) < :cutoff",
                          String.class)
                      .setParameter("jobs", jobs)
                      .setParameter("held", HELD)
                      .setParameter("cutoff", cutoff)
                      .getResultList();
              int count = 0;
              for (String id : stale) {
                // Only if still held: a chunk finished meanwhile stays finished.
                count +=
                    chunks.updateWorkChunkNextPollTime(
                        id, WorkChunkStatusEnum.POLL_WAITING, HELD, new Date());
              }
              return count;
            });
    if (reclaimed != null && reclaimed > 0) {
      log.warn(
          "Handed out again {} {} chunk(s) held for more than {} (a node died?)",
          reclaimed,
          jobs,
          properties.staleChunkAfter());
    }
    return reclaimed == null ? 0 : reclaimed;
  }

  /** Quartz creates this and Spring fills its field; public for both. */
  public static class Check implements HapiJob {
    @Autowired private StaleChunks target;

    @Override
    public void execute(JobExecutionContext context) {
      target.reclaim();
    }
  }
}
