package org.trialfhir.projection;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Recomputes every row of the projection from the stored resources, as HAPI's {@code $reindex}
 * recomputes its search indexes. Done at start-up when the projection's version (its views and
 * tables, see {@link Views}) differs from the one the database was built with: on the first start
 * of this version over an existing database, and after a view changes. Until it is done the
 * projection is not {@link #ready()} and every fact is read from the resources.
 *
 * <p>Work nobody asked for, so it reads as the server. Writes made meanwhile keep their rows
 * through the interceptor as usual; a resource written while its page is being recomputed may be
 * recomputed from the version before (the rebuild runs before the server is in use, see
 * docs/projection.md).
 */
class ProjectionRebuild {

  static final String STATE = "views";
  static final int PAGE = 500;
  private static final Logger log = LoggerFactory.getLogger(ProjectionRebuild.class);

  private final Projection projection;
  private final DaoRegistry daos;
  private final TransactionTemplate transaction;
  private volatile boolean ready;

  ProjectionRebuild(
      Projection projection, DaoRegistry daos, PlatformTransactionManager transactions) {
    this.projection = projection;
    this.daos = daos;
    this.transaction = new TransactionTemplate(transactions);
  }

  @EventListener(ApplicationReadyEvent.class)
  void onStart() {
    String version = projection.views().version();
    if (!version.equals(projection.tables().version(STATE))) {
      long started = System.nanoTime();
      long rows = rebuild();
      log.info(
          "Eligibility projection rebuilt for version {}: {} resources in {} ms",
          version,
          rows,
          (System.nanoTime() - started) / 1_000_000);
    }
    ready = true;
  }

  /** Whether every row is known to be in step with the resources. */
  boolean ready() {
    return ready;
  }

  /** Recomputes every row; returns how many resources were read. */
  long rebuild() {
    long resources = 0;
    for (View view : projection.views().all()) {
      transaction.executeWithoutResult(s -> projection.tables().clear(view));
      List<String> ids = ids(view);
      for (int from = 0; from < ids.size(); from += PAGE) {
        recompute(view, ids.subList(from, Math.min(ids.size(), from + PAGE)));
      }
      resources += ids.size();
    }
    transaction.executeWithoutResult(
        s -> projection.tables().setVersion(STATE, projection.views().version()));
    return resources;
  }

  /** The ids of every stored (not deleted) resource the view reads. */
  List<String> ids(View view) {
    return daos
        .getResourceDao(view.resource())
        .searchForResourceIds(new SearchParameterMap(), new SystemRequestDetails())
        .stream()
        .map(id -> ((IIdType) id).getIdPart())
        .toList();
  }

  /** Replaces the rows of these resources (at most {@link #PAGE}) in one transaction. */
  void recompute(View view, List<String> page) {
    transaction.executeWithoutResult(
        s -> {
          TokenOrListParam ids = new TokenOrListParam();
          page.forEach(id -> ids.addOr(new TokenParam(id)));
          SearchParameterMap search = SearchParameterMap.newSynchronous().add("_id", ids);
          search.setLoadSynchronousUpTo(page.size());
          IFhirResourceDao<?> dao = daos.getResourceDao(view.resource());
          for (IBaseResource resource :
              dao.search(search, new SystemRequestDetails()).getAllResources()) {
            projection
                .tables()
                .replace(
                    view, resource.getIdElement().getIdPart(), projection.compute(view, resource));
          }
        });
  }

  /**
   * Removes the rows of resources that are no longer stored (deleted while the rows were kept, e.g.
   * by a node without the interceptor); returns how many resources' rows went. Each candidate is
   * read again in the transaction that removes it, so a resource created meanwhile keeps its rows.
   */
  int removeLeftovers(View view) {
    Set<String> stored = new HashSet<>(ids(view));
    List<String> candidates =
        projection
            .tables()
            .jdbc()
            .queryForList("SELECT DISTINCT ID FROM " + view.table(), String.class)
            .stream()
            .filter(id -> !stored.contains(id))
            .toList();
    IFhirResourceDao<?> dao = daos.getResourceDao(view.resource());
    int removed = 0;
    for (String id : candidates) {
      // A search, not a read: a read of a deleted resource throws, which would mark the
      // surrounding transaction (Batch2's, in the job's last step) for rollback.
      SearchParameterMap exists = SearchParameterMap.newSynchronous("_id", new TokenParam(id));
      Boolean gone =
          transaction.execute(
              s -> {
                if (!dao.searchForResourceIds(exists, new SystemRequestDetails()).isEmpty()) {
                  return false;
                }
                projection.tables().delete(view, id);
                return true;
              });
      removed += Boolean.TRUE.equals(gone) ? 1 : 0;
    }
    return removed;
  }
}
