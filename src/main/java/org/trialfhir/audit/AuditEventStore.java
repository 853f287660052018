package org.trialfhir.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

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
  private final TransactionTemplate transactions;

  AuditEventStore(DaoRegistry daos, PlatformTransactionManager transactionManager) {
    this.daos = daos;
    this.transactions = new TransactionTemplate(transactionManager);
  }

  /**
   * Several events in one database transaction: a bulk load raises one event per resource, and a
   * commit each made the trail cost as much as the load. The references of a batch are resolved
   * once, before the transaction (a transaction's events mostly name the same patient, and reads
   * inside it would make Hibernate check every entity the batch has written so far). All or none
   * are stored; after a failure the events are as they were, so that each can be stored on its own.
   */
  void storeAll(List<AuditEvent> events) {
    Map<String, String> pinned = new HashMap<>();
    events.forEach(event -> pinReferences(event, pinned));
    try {
      transactions.executeWithoutResult(
          status ->
              events.forEach(
                  event ->
                      daos.getResourceDao(AuditEvent.class)
                          .create(event, new SystemRequestDetails())));
    } catch (RuntimeException rolledBack) {
      for (AuditEvent event : events) {
        event.setIdElement(null);
        event.getMeta().setVersionId(null).setLastUpdated(null);
      }
      throw rolledBack;
    }
  }

  void store(AuditEvent event) {
    pinReferences(event);
    try {
      daos.getResourceDao(AuditEvent.class).create(event, new SystemRequestDetails());
    } catch (InvalidRequestException | ResourceNotFoundException raced) {
      // A target was deleted between the check and the write: check again, once, as a new create
      // (the failed attempt may have given the event an id and a version).
      event.setIdElement(null);
      event.getMeta().setVersionId(null).setLastUpdated(null);
      pinReferences(event);
      daos.getResourceDao(AuditEvent.class).create(event, new SystemRequestDetails());
    }
  }

  private void pinReferences(AuditEvent event) {
    pinReferences(event, new HashMap<>());
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
