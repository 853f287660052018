package org.trialfhir.bulkimport;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.trialfhir.bulkimport.ImportModels.Chunk;
import org.trialfhir.bulkimport.ImportModels.ChunkOutcome;
import org.trialfhir.bulkimport.ImportModels.Line;
import org.trialfhir.bulkimport.ImportModels.Refusal;
import org.trialfhir.security.SmartAuthorizationInterceptor;
import org.trialfhir.server.StrictBodyCheck;

/**
 * Stores one chunk as its caller, all or nothing, in one database transaction: each line is parsed
 * as strictly as a REST body, must be a resource of the file's type, and is then created (no id) or
 * updated (an id: the import is repeatable) through the DAOs with request details that carry the
 * caller ({@link ImportRequestDetails}), so that authorisation, the organisation guard, blinding,
 * reference and validation rules refuse it exactly as they would refuse it by REST.
 *
 * <p>If any resource is refused, nothing of the chunk is stored. To report every refused resource
 * of the chunk rather than the first, the chunk is tried again without the ones refused so far
 * (each try rolled back), up to {@link #MAX_TRIES} times; a try stops at its first refusal, since a
 * DAO call that failed leaves the transaction's session unfit for more writes.
 */
@Component
class ChunkWriter {

  private static final Logger LOG = LoggerFactory.getLogger(ChunkWriter.class);

  /** Tries per refused chunk; after that, lines not yet tried are reported as not checked. */
  static final int MAX_TRIES = 10;

  private final FhirContext fhir;
  private final DaoRegistry daos;
  private final ObjectProvider<RestfulServer> server;
  private final TransactionTemplate transactions;
  private final ChunkAudit audit;
  private final SmartAuthorizationInterceptor authorization;
  private final ReferencePrefetch prefetch;

  ChunkWriter(
      FhirContext fhir,
      DaoRegistry daos,
      ObjectProvider<RestfulServer> server,
      PlatformTransactionManager transactions,
      ChunkAudit audit,
      SmartAuthorizationInterceptor authorization,
      ReferencePrefetch prefetch) {
    this.fhir = fhir;
    this.daos = daos;
    this.server = server;
    this.transactions = new TransactionTemplate(transactions);
    this.audit = audit;
    this.authorization = authorization;
    this.prefetch = prefetch;
  }

  /** Runs with the caller as the thread's authentication (see JobCallerRequests#as). */
  ChunkOutcome store(Chunk chunk, String serverBase, String requestId) {
    String description =
        "chunk of "
            + chunk.source()
            + " lines "
            + chunk.lines().get(0).number()
            + "-"
            + chunk.lines().get(chunk.lines().size() - 1).number();
    ImportRequestDetails request =
        new ImportRequestDetails(server.getObject(), serverBase, requestId);
    request.setResourceName(chunk.type());

    Map<Integer, Refusal> refused = new LinkedHashMap<>();
    Map<Integer, IBaseResource> parsed = new LinkedHashMap<>();
    for (Line line : chunk.lines()) {
      Refusal problem = parse(line, chunk.type(), parsed);
      if (problem != null) {
        refused.put(line.number(), problem);
      }
    }

    Try outcome = null;
    for (int tries = 0; tries < MAX_TRIES; tries++) {
      boolean dryRun = !refused.isEmpty();
      outcome = write(parsed, refused, request, description, dryRun);
      if (outcome.failed()) {
        // The chunk's transaction failed as a whole (e.g. the same id written by a parallel
        // chunk): no line is to blame, so every line not already refused is refused with it.
        for (Integer number : parsed.keySet()) {
          refused.put(number, new Refusal(number, 409, CHUNK_FAILED));
        }
        parsed.clear();
        outcome = new Try(0, 0, null, null, false);
        break;
      }
      if (outcome.refusal() == null) {
        break;
      }
      refused.put(outcome.refusedLine(), outcome.refusal());
      parsed.remove(outcome.refusedLine());
    }
    int lines = chunk.lines().size();
    if (refused.isEmpty()) {
      return new ChunkOutcome(
          chunk.file(),
          chunk.source(),
          chunk.type(),
          lines,
          outcome.created(),
          outcome.updated(),
          0,
          List.of(),
          null);
    }
    String unchecked =
        outcome.refusal() != null
            ? "; after " + MAX_TRIES + " refusals the chunk's other lines were not checked"
            : "";
    List<Refusal> refusals = new ArrayList<>(refused.values());
    refusals.sort((a, b) -> Integer.compare(a.line(), b.line()));
    audit.record(
        request,
        description,
        List.of(),
        false,
        false,
        refusals.size()
            + " resource(s) refused (first: line "
            + refusals.get(0).line()
            + ": "
            + refusals.get(0).message()
            + "); nothing of this chunk was stored"
            + unchecked);
    return new ChunkOutcome(
        chunk.file(),
        chunk.source(),
        chunk.type(),
        lines,
        0,
        0,
        lines - refusals.size(),
        refusals,
        unchecked.isEmpty() ? null : unchecked.substring(2));
  }

  /** Checks and parses a line; a refusal if it is no FHIR JSON resource of the file's type. */
  private Refusal parse(Line line, String type, Map<Integer, IBaseResource> parsed) {
    if (line.problem() != null) {
      return new Refusal(line.number(), 413, line.problem());
    }
    IBaseResource resource;
    try {
      String declared = StrictBodyCheck.checkJson(line.json().getBytes(StandardCharsets.UTF_8));
      if (declared == null) {
        return new Refusal(line.number(), 400, "is not a JSON object with a resourceType");
      }
      if (!declared.equals(type)) {
        return new Refusal(
            line.number(),
            400,
            "is a " + declared + ", but this file was declared to hold " + type + " resources");
      }
      resource = fhir.newJsonParser().parseResource(line.json());
    } catch (BaseServerResponseException e) {
      return new Refusal(line.number(), e.getStatusCode(), e.getMessage());
    } catch (DataFormatException e) {
      return new Refusal(line.number(), 400, "is not a valid FHIR resource: " + e.getMessage());
    } catch (RuntimeException e) {
      // Anything a parser throws for one line is that line's problem, not the chunk's.
      return new Refusal(line.number(), 400, "could not be parsed: " + e.getMessage());
    }
    parsed.put(line.number(), resource);
    return null;
  }

  /**
   * What a line is refused with when its chunk's transaction failed for another reason than a
   * refused line (a database error, at a write or at commit). Generic on purpose: the exception may
   * carry SQL and other rows' values, which belong in the server's log, not in the report.
   */
  static final String CHUNK_FAILED =
      "the chunk could not be stored (conflicting write); nothing of it was stored";

  /** What one try of the chunk gave; {@code failed} if its transaction failed as a whole. */
  private record Try(
      int created, int updated, Integer refusedLine, Refusal refusal, boolean failed) {}

  /**
   * Writes the parsed resources in one transaction; commits with the chunk's AuditEvent only if
   * nothing was refused before ({@code dryRun} false) and nothing is refused now.
   */
  private Try write(
      Map<Integer, IBaseResource> parsed,
      Map<Integer, Refusal> refused,
      ImportRequestDetails request,
      String description,
      boolean dryRun) {
    try {
      return tryChunk(parsed, request, description, dryRun);
    } catch (RuntimeException e) {
      // Not a line's refusal (those are caught per line) but the transaction's own failure, at a
      // write or at commit: a refusal of the chunk, so that the job completes with its report
      // instead of retrying and failing.
      LOG.warn("{} could not be stored: {}", description, e.toString(), e);
      return new Try(0, 0, null, null, true);
    }
  }

  private Try tryChunk(
      Map<Integer, IBaseResource> parsed,
      ImportRequestDetails request,
      String description,
      boolean dryRun) {
    return transactions.execute(
        status -> {
          int created = 0;
          int updated = 0;
          List<IBaseResource> written = new ArrayList<>();
          // One for the chunk, as for the entries of a transaction Bundle: ids resolved once.
          TransactionDetails details = new TransactionDetails();
          prefetch.into(details, parsed.values());
          for (Map.Entry<Integer, IBaseResource> entry : parsed.entrySet()) {
            IBaseResource resource = entry.getValue();
            try {
              DaoMethodOutcome result = writeOne(resource, request, details);
              written.add(result.getResource() != null ? result.getResource() : resource);
              if (Boolean.TRUE.equals(result.getCreated())) {
                created++;
              } else {
                updated++;
              }
            } catch (BaseServerResponseException e) {
              status.setRollbackOnly();
              return new Try(
                  0,
                  0,
                  entry.getKey(),
                  new Refusal(entry.getKey(), e.getStatusCode(), e.getMessage()),
                  false);
            }
          }
          if (dryRun) {
            status.setRollbackOnly();
            return new Try(0, 0, null, null, false);
          }
          audit.record(request, description, written, created > 0, updated > 0, null);
          return new Try(created, updated, null, null, false);
        });
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private DaoMethodOutcome writeOne(
      IBaseResource original, ImportRequestDetails request, TransactionDetails details) {
    IBaseResource resource = copy(original);
    IFhirResourceDao dao = daos.getResourceDao(resource.fhirType());
    boolean update = resource.getIdElement().hasIdPart();
    IdType id =
        update ? new IdType(resource.fhirType(), resource.getIdElement().getIdPart()) : null;
    if (update) {
      resource.setId(id);
    }
    request.setResourceName(resource.fhirType());
    request.setRestOperationType(
        update ? RestOperationTypeEnum.UPDATE : RestOperationTypeEnum.CREATE);
    request.setId(id);
    request.setResource(resource);
    // The decision REST makes before any DAO call, on what the client asked (a line with an id is
    // a PUT: UPDATE, whether or not the resource exists), with REST's 403 and message on a deny.
    // Without it the storage guards would run (and report) first, and a line naming a resource
    // that does not exist would be judged as CREATE: a create-only scope choosing its ids.
    authorization.incomingRequestPreHandled(request, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
    return update
        ? dao.update(resource, null, true, false, request, details)
        : dao.create(resource, null, true, request, details);
  }

  /** The DAOs change what they store (id, meta); each try starts from the line's resource. */
  private IBaseResource copy(IBaseResource resource) {
    return ((Resource) resource).copy();
  }
}
