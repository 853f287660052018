package org.trialfhir.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.util.UrlUtil;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.trialfhir.security.Caller.Role;

/**
 * A search may join only into types its caller may read in full: every type a {@code _has}, chain,
 * chained sort or {@code _list} reaches (see {@link Joins}) must be readable without narrowing to
 * one patient (public types are), AuditEvents only by auditors and treatment allocations (Basic)
 * only by unblinded callers. Otherwise a search on a type the caller may read (a public
 * ResearchStudy, its own Patient) would answer one question per request about data it may not read,
 * and Bundle.total would count the answers.
 *
 * <p>Checked wherever the server runs a search for the caller: the request's own parameters
 * (searches, conditional update and delete), {@code If-None-Exist}, conditional references in a
 * written resource ({@code Patient?identifier=...}: in the request body here, and again in the
 * resource about to be stored, which is how a JSON Patch or FHIRPath Patch gets one there), and
 * every entry of a batch or transaction. Searching Groups by {@code member} needs the right to read
 * Groups too.
 */
final class JoinGuard {

  private static final String GROUP = "Group";

  private final SecurityProperties properties;
  private final Caller caller;
  private final Joins joins;

  JoinGuard(SecurityProperties properties, Caller caller, Joins joins) {
    this.properties = properties;
    this.caller = caller;
    this.joins = joins;
  }

  void check(RequestDetails request) {
    FhirContext fhir = request.getFhirContext();
    check(fhir, request.getResourceName(), request.getParameters());
    checkUrl(fhir, request.getResourceName(), request.getHeader(Constants.HEADER_IF_NONE_EXIST));
    IBaseResource body = request.getResource();
    if (body instanceof Bundle bundle
        && (bundle.getType() == Bundle.BundleType.TRANSACTION
            || bundle.getType() == Bundle.BundleType.BATCH)) {
      for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
        String url = entry.getRequest().getUrl();
        String type = url == null ? null : typeOf(fhir, url);
        checkUrl(fhir, type, url);
        checkUrl(fhir, type, entry.getRequest().getIfNoneExist());
        if (entry.getResource() != null) {
          checkReferences(fhir, entry.getResource());
        }
      }
    } else if (body != null) {
      checkReferences(fhir, body);
    }
  }

  /**
   * Conditional references ({@code Patient?identifier=...}) are searches too. Also checked on the
   * resource as it is about to be stored, whatever the road (see {@link StoredReferenceGuard}): a
   * PATCH puts one there from a body that is not the resource.
   */
  void checkReferences(FhirContext fhir, IBaseResource resource) {
    for (IBaseReference reference :
        fhir.newTerser().getAllPopulatedChildElementsOfType(resource, IBaseReference.class)) {
      String value = reference.getReferenceElement().getValue();
      if (value != null && value.contains("?") && !value.startsWith("#")) {
        String type = typeOf(fhir, value);
        require(type == null ? Joins.ANY : type, value);
        checkUrl(fhir, type, value);
      }
    }
  }

  /** A query, a match URL or a relative URL with a query. */
  private void checkUrl(FhirContext fhir, String type, String url) {
    if (url == null || url.isBlank()) {
      return;
    }
    int question = url.indexOf('?');
    String query = question < 0 ? (url.contains("=") ? url : "") : url.substring(question + 1);
    if (!query.isEmpty()) {
      check(fhir, type, UrlUtil.parseQueryString(query));
    }
  }

  private void check(FhirContext fhir, String type, Map<String, String[]> parameters) {
    if (parameters == null || parameters.isEmpty()) {
      return;
    }
    for (String reached : joins.reached(type, parameters)) {
      require(reached, "a search joining into " + reached);
    }
    if (GROUP.equals(type)
        && parameters.keySet().stream()
            .anyMatch(name -> name.equals("member") || name.startsWith("member:"))) {
      require(GROUP, "searching Groups by member");
    }
  }

  private void require(String type, String what) {
    if (readsInFull(type)) {
      return;
    }
    String needs =
        switch (type) {
          case Joins.ANY ->
              "a scope that reads every resource type, and the auditor and" + " unblinded roles";
          case "AuditEvent" -> "the auditor role and a scope that reads AuditEvents";
          case "Basic" -> "the unblinded role and a scope that reads Basic";
          default -> "a user or system scope that reads " + type;
        };
    String message =
        "Not allowed: "
            + what
            + " (_has, chained parameters, chained _sort, _list and match URLs) needs "
            + needs
            + ", since it answers questions about resources the token may not read";
    if (!caller.authenticated()) {
      AuthenticationException unauthenticated = new AuthenticationException(message);
      unauthenticated.addResponseHeader("WWW-Authenticate", "Bearer realm=\"trialfhir\"");
      throw unauthenticated;
    }
    throw new ForbiddenOperationException(message);
  }

  /** Readable by this caller with no narrowing to one patient. */
  boolean readsInFull(String type) {
    return switch (type) {
      case Joins.ANY ->
          caller.readsAllOf(Joins.ANY) && caller.has(Role.AUDITOR) && caller.has(Role.UNBLINDED);
      case "AuditEvent" -> caller.has(Role.AUDITOR) && caller.readsAllOf(type);
      case "Basic" -> caller.has(Role.UNBLINDED) && caller.readsAllOf(type);
      case GROUP -> caller.readsAllOf(type); // public only without members
      default -> properties.publicTypes().contains(type) || caller.readsAllOf(type);
    };
  }

  /** The resource type an entry URL or match URL starts with, or null. */
  private String typeOf(FhirContext fhir, String url) {
    String path = url.startsWith("/") ? url.substring(1) : url;
    int end = path.length();
    for (char stop : new char[] {'/', '?', '#'}) {
      int at = path.indexOf(stop);
      if (at >= 0 && at < end) {
        end = at;
      }
    }
    if (end == 0) {
      return null;
    }
    String type = joins.type(path.substring(0, end));
    return type.equals(Joins.ANY) ? null : type;
  }
}
