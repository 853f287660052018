package org.trialfhir.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;

/**
 * Stores an AuditEvent in this server's database as the server itself ({@link
 * SystemRequestDetails}: neither audited again nor refused by {@link AuditTrailGuard}).
 *
 * <p>Every entity reference is made version-specific first, as BALP intends. This is also what
 * keeps the trail from getting in the way: HAPI keeps versions at {@code AuditEvent.entity.what}
 * and does not let versioned references block a delete, so a patient who was read can still be
 * deleted. A reference the server can no longer resolve (the resource was deleted, or never
 * existed, e.g. a wrong {@code patient} parameter) would make the store refuse the whole event
 * (referential integrity), so it is kept as display text instead and the event is still stored.
 */
class AuditEventStore {

  private final DaoRegistry daos;
  private final EntityManager entityManager;

  AuditEventStore(DaoRegistry daos, EntityManager entityManager) {
    this.daos = daos;
    this.entityManager = entityManager;
  }

  /**
   * Makes the events' references version-specific, or display text where they no longer resolve.
   * Outside any transaction: a read of a resource that is gone fails, and inside a transaction that
   * failure would mark it for rollback. The events of one request mostly name the same patient, so
   * each reference is resolved once per batch.
   */
  void pinAll(List<AuditEvent> events) {
    Map<String, String> pinned = new HashMap<>();
    events.forEach(event -> pinReferences(event, pinned));
  }

  /** Creates the (pinned) events in the caller's transaction, which also deletes their rows. */
  void createAll(List<AuditEvent> events) {
    // Each create resolves the references of its event with a query, and Hibernate flushes the
    // whole session before each query: every entity the batch has written so far, again and again
    // (most of the relay's CPU in a JFR profile of an ingest). The events of a batch never read
    // one another, so the session is flushed once, at commit, as HAPI's transaction processor does
    // for the entries of a Bundle.
    FlushModeType before = entityManager.getFlushMode();
    entityManager.setFlushMode(FlushModeType.COMMIT);
    try {
      events.forEach(
          event -> daos.getResourceDao(AuditEvent.class).create(event, new SystemRequestDetails()));
    } finally {
      entityManager.setFlushMode(before);
    }
  }

  private void pinReferences(AuditEvent event, Map<String, String> pinned) {
    for (AuditEventEntityComponent entity : event.getEntity()) {
      Reference what = entity.getWhat();
      if (what.hasReference() && isLocal(what.getReference())) {
        String reference = what.getReference();
        String current = pinned.computeIfAbsent(reference, this::currentVersionOf);
        if (current == null) {
          what.setReference(null);
          what.setDisplay(reference + " (not on this server when the event was stored)");
        } else {
          what.setReference(current);
        }
      }
    }
  }

  /** The reference with the version it names, or the current one; null if it does not resolve. */
  private String currentVersionOf(String reference) {
    IdType id = new IdType(reference);
    if (!daos.isResourceTypeSupported(id.getResourceType())) {
      return null;
    }
    try {
      IBaseResource current =
          daos.getResourceDao(id.getResourceType())
              .read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
      String version =
          id.hasVersionIdPart() ? id.getVersionIdPart() : current.getIdElement().getVersionIdPart();
      return id.getResourceType()
          + "/"
          + id.getIdPart()
          + (version == null ? "" : "/_history/" + version);
    } catch (ResourceNotFoundException | ResourceGoneException gone) {
      return null;
    }
  }

  private static boolean isLocal(String reference) {
    IdType id = new IdType(reference);
    return !id.isAbsolute() && id.hasResourceType() && id.hasIdPart() && !id.isLocal();
  }
}
