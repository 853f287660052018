package org.trialfhir.subject;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Resource;

/**
 * The mark of a record the server itself wrote as the outcome of an operation (the Provenance of a
 * $record-screening or an $enroll): a meta.tag no client can write ({@link ServerRecordGuard}).
 * Whoever reads such a record for what it says about who did what (the screening log) counts only
 * marked ones, so a Provenance posted by a client naming someone else never passes for the
 * server's.
 */
public final class ServerRecords {

  public static final String SYSTEM = "http://trialfhir.org/fhir/CodeSystem/record-label";
  public static final String CODE = "server-record";

  /** Request user data by which {@link ServerRecordGuard} lets the operation's own write by. */
  static final String WRITING = ServerRecords.class.getName() + ".writing";

  private ServerRecords() {}

  /** A request as the server, whose writes may carry the mark. */
  public static SystemRequestDetails writer() {
    SystemRequestDetails request = new SystemRequestDetails();
    request.getUserData().put(WRITING, Boolean.TRUE);
    return request;
  }

  /** Marks a record the server is about to write with {@link #writer()}. */
  public static <T extends Resource> T mark(T resource) {
    if (!marked(resource)) {
      resource.getMeta().addTag(SYSTEM, CODE, "Written by the server");
    }
    return resource;
  }

  public static boolean marked(IBaseResource resource) {
    return resource instanceof Resource r && r.getMeta().getTag(SYSTEM, CODE) != null;
  }

  static boolean writing(RequestDetails request) {
    return request != null && Boolean.TRUE.equals(request.getUserData().get(WRITING));
  }
}
