package org.trialfhir.bulkimport;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.api.svc.IIdHelperService;
import ca.uhn.fhir.jpa.api.svc.ResolveIdentityMode;
import ca.uhn.fhir.jpa.model.cross.IResourceLookup;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.util.FhirTerser;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.stereotype.Component;

/**
 * Resolves, in one query at the start of a chunk's transaction, the ids its lines name (their own,
 * for updates, and those their references point to), into the chunk's {@link TransactionDetails},
 * as HAPI's transaction processor does for the entries of a Bundle.
 *
 * <p>Why: without it every reference is resolved by its own query as each resource is written, and
 * Hibernate flushes the whole session before each query, checking every entity written so far in
 * the chunk. Profiled on PostgreSQL, that was two thirds of the import workers' CPU (see
 * docs/measuring.md). Outcomes do not change: only ids that exist and are not deleted are given
 * (the storage layer checks everything else as before: a missing, deleted or wrongly typed target
 * takes the same path and message), and an update's own id that does not exist is marked as such,
 * which sends it to the same create the lookup would have.
 */
@Component
class ReferencePrefetch {

  private final FhirContext fhir;
  private final IIdHelperService<JpaPid> ids;

  ReferencePrefetch(FhirContext fhir, IIdHelperService<JpaPid> ids) {
    this.fhir = fhir;
    this.ids = ids;
  }

  void into(TransactionDetails details, Collection<IBaseResource> resources) {
    FhirTerser terser = fhir.newTerser();
    Set<IIdType> own = new HashSet<>();
    Set<IIdType> wanted = new HashSet<>();
    for (IBaseResource resource : resources) {
      if (resource.getIdElement().hasIdPart()) {
        IIdType id = new IdType(resource.fhirType(), resource.getIdElement().getIdPart());
        own.add(id);
        wanted.add(id);
      }
      for (ResourceReferenceInfo info : terser.getAllResourceReferences(resource)) {
        IIdType target = info.getResourceReference().getReferenceElement();
        if (plain(target)) {
          wanted.add(target.toUnqualifiedVersionless());
        }
      }
    }
    if (wanted.isEmpty()) {
      return;
    }
    // Deleted ones too, so that they are told apart from missing ones and left to the usual path.
    // Partitioning is off in this server: one partition holds everything.
    Map<IIdType, IResourceLookup<JpaPid>> found =
        ids.resolveResourceIdentities(
            RequestPartitionId.allPartitions(),
            wanted,
            ResolveIdentityMode.includeDeleted().noCacheUnlessDeletesDisabled());
    Set<String> known = new HashSet<>();
    for (Map.Entry<IIdType, IResourceLookup<JpaPid>> entry : found.entrySet()) {
      IIdType id = entry.getKey().toUnqualifiedVersionless();
      known.add(id.getValue());
      if (entry.getValue().getDeleted() == null) {
        details.addResolvedResourceId(id, entry.getValue().getPersistentId());
      }
    }
    for (IIdType id : own) {
      if (!known.contains(id.getValue())) {
        details.addResolvedResourceId(id, null);
      }
    }
  }

  /** A relative "Type/id" reference: not contained, not a urn, not conditional, not absolute. */
  private boolean plain(IIdType target) {
    return target != null
        && target.hasResourceType()
        && target.hasIdPart()
        && !target.hasBaseUrl()
        && !target.isLocal()
        && !target.isUuid()
        && !target.getValue().contains("?")
        && fhir.getResourceTypes().contains(target.getResourceType());
  }
}
