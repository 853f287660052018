package org.trialfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.HookParams;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.cache.IResourceChangeEvent;
import ca.uhn.fhir.jpa.cache.IResourceChangeListener;
import ca.uhn.fhir.jpa.cache.IResourceChangeListenerRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.CacheControlDirective;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.interceptor.InterceptorOrders;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.instance.model.api.IIdType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Serves {@code /metadata} from a serialised copy. The CapabilityStatement is 1.5 MB: building it
 * from the search parameter registry and serialising (and compressing) it cost about half a second
 * of CPU per request, which under load queued every caller behind it. It changes when the
 * SearchParameters change (HAPI's registry) and when StructureDefinitions do (the package's
 * profiles, listed as supported profiles): a committed write of either drops every copy ({@link
 * CapabilityStatementChanges}), and so does one made by another node sharing the database, seen
 * through HAPI's resource change listener registry (what the search parameter registry polls with).
 * The copies also expire after {@code max-age}, for the per-type resource counts.
 *
 * <p>Each copy is the exact bytes HAPI's serialiser produced for one variant: base URL (the
 * statement's {@code implementation.url} and SMART endpoints follow the request's host), Accept
 * header, query parameters, gzip, and what decides whether the response highlighter answers in
 * HTML. A copy is taken on the way out ({@code SERVER_OUTGOING_RESPONSE}, after the highlighter)
 * and served before HAPI builds anything ({@code SERVER_INCOMING_REQUEST_POST_PROCESSED}), with the
 * request-handled and completed hooks still called as HAPI does for its own cached statement, so
 * authorisation, audit and the access log see the request. {@code Cache-Control: no-cache} builds
 * afresh (and replaces the copy), as HAPI's own cache honours it. Each copy carries an ETag and
 * answers {@code If-None-Match} with 304.
 */
@Component
@Interceptor
public class CapabilityStatementCache implements RestInterceptor {

  private static final Logger log = LoggerFactory.getLogger(CapabilityStatementCache.class);
  private static final String VARIANT = CapabilityStatementCache.class.getName() + ".variant";
  private static final String GENERATION = CapabilityStatementCache.class.getName() + ".gen";

  /** What the statement is built from, besides configuration fixed at start-up. */
  static final List<String> WATCHED = List.of("SearchParameter", "StructureDefinition");

  /** A rebuild that failed (the request ended without a copy) is retried after this long. */
  private static final long REBUILD_CLAIM_MILLIS = 30_000;

  private final CapabilityStatementProperties properties;
  private final ISearchParamRegistry searchParams;
  private final IResourceChangeListenerRegistry changes;
  private final AtomicLong generation = new AtomicLong();
  private final Map<Variant, Copy> copies = new ConcurrentHashMap<>();
  private final List<Watch> watches = new CopyOnWriteArrayList<>();

  CapabilityStatementCache(
      CapabilityStatementProperties properties,
      ISearchParamRegistry searchParams,
      IResourceChangeListenerRegistry changes) {
    this.properties = properties;
    this.searchParams = searchParams;
    this.changes = changes;
  }

  @PostConstruct
  void watch() {
    // Local writes drop the copies at once (CapabilityStatementChanges); these listeners are for
    // writes on another node sharing the database, which HAPI's registry also polls for.
    WATCHED.forEach(
        type ->
            changes.registerResourceResourceChangeListener(
                type, SearchParameterMap.newSynchronous(), new Watch(type), 60_000));
  }

  @PreDestroy
  void unwatch() {
    watches.forEach(changes::unregisterResourceResourceChangeListener);
  }

  /** Drops every copy: the next request of each variant builds the statement again. */
  void invalidate(String why) {
    generation.incrementAndGet();
    boolean hadCopies = !copies.isEmpty();
    copies.clear();
    // A package install writes dozens of these before anyone asked for the statement.
    if (hadCopies) {
      log.info("CapabilityStatement copies dropped: {}", why);
    } else {
      log.debug("CapabilityStatement changed: {}", why);
    }
  }

  /** One watched resource type. */
  private final class Watch implements IResourceChangeListener {
    private final String type;

    Watch(String type) {
      this.type = type;
      watches.add(this);
    }

    @Override
    public void handleInit(Collection<IIdType> resourceIds) {
      // The resources as they were when watching began: no copy can predate them.
    }

    @Override
    public void handleChange(IResourceChangeEvent event) {
      if (event.isEmpty()) {
        return;
      }
      // The search parameter registry polls for the same change on its own schedule, maybe
      // after this one: bring it up to date first, or the next copy would be built from the old
      // set and kept.
      if (type.equals("SearchParameter")) {
        searchParams.forceRefresh();
      }
      invalidate(
          type
              + " changed elsewhere: "
              + event.getCreatedResourceIds().size()
              + " created, "
              + event.getUpdatedResourceIds().size()
              + " updated, "
              + event.getDeletedResourceIds().size()
              + " deleted");
    }
  }

  /**
   * Answers from a copy, before HAPI builds the statement; after the other checks of the request
   * (parameter limits, encoding), which the request that made the copy passed too. Public: HAPI
   * calls hooks reflectively.
   */
  @Hook(
      value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED,
      order = InterceptorOrders.RESPONSE_HIGHLIGHTER_INTERCEPTOR)
  public boolean serveCopy(
      ServletRequestDetails request, HttpServletRequest in, HttpServletResponse out)
      throws IOException {
    if (!properties.cache()
        || request.getRestOperationType() != RestOperationTypeEnum.METADATA
        || (request.getRequestType() != RequestTypeEnum.GET
            && request.getRequestType() != RequestTypeEnum.HEAD)) {
      return true;
    }
    Variant variant = Variant.of(request, in);
    long current = generation.get();
    request.getUserData().put(VARIANT, variant);
    request.getUserData().put(GENERATION, current);
    if (new CacheControlDirective()
        .parse(request.getHeaders(Constants.HEADER_CACHE_CONTROL))
        .isNoCache()) {
      return true;
    }
    Copy copy = copies.get(variant);
    if (copy == null || copy.generation() != current) {
      return true;
    }
    long now = System.currentTimeMillis();
    if (now - copy.builtAt() >= properties.maxAge().toMillis() && copy.claimRebuild(now)) {
      return true; // this request rebuilds; the others keep being served the copy meanwhile
    }
    HookParams handled =
        new HookParams()
            .add(RestOperationTypeEnum.class, RestOperationTypeEnum.METADATA)
            .add(RequestDetails.class, request)
            .add(ServletRequestDetails.class, request);
    request
        .getInterceptorBroadcaster()
        .callHooks(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, handled);
    write(copy, request, in, out);
    HookParams completed =
        new HookParams()
            .add(RequestDetails.class, request)
            .add(ServletRequestDetails.class, request);
    request
        .getInterceptorBroadcaster()
        .callHooks(Pointcut.SERVER_PROCESSING_COMPLETED_NORMALLY, completed);
    return false;
  }

  /**
   * Serialises a statement HAPI built, keeps the bytes and sends them. Ordered after the response
   * highlighter, which answers browsers in HTML and then stops the chain.
   */
  @Hook(
      value = Pointcut.SERVER_OUTGOING_RESPONSE,
      order = InterceptorOrders.RESPONSE_HIGHLIGHTER_INTERCEPTOR + 1)
  public boolean keepCopy(
      ServletRequestDetails request,
      ResponseDetails response,
      HttpServletRequest in,
      HttpServletResponse out)
      throws IOException {
    if (!(request.getUserData().get(VARIANT) instanceof Variant variant)
        || !(request.getUserData().get(GENERATION) instanceof Long builtFor)
        || !(response.getResponseResource() instanceof IBaseConformance statement)
        || response.getResponseCode() != HttpServletResponse.SC_OK) {
      return true;
    }
    Set<SummaryEnum> summary = RestfulServerUtils.determineSummaryMode(request);
    if (summary.equals(Collections.singleton(SummaryEnum.TEXT))) {
      return true; // HAPI sends the narrative as HTML for _summary=text
    }
    Copy copy = serialise(statement, variant, builtFor, request);
    if (copies.size() >= properties.maxVariants() && !copies.containsKey(variant)) {
      copies.clear(); // unusual Accept headers must not grow memory without bound
    }
    copies.put(variant, copy);
    write(copy, request, in, out);
    return false;
  }

  private static Copy serialise(
      IBaseConformance statement, Variant variant, long builtFor, ServletRequestDetails request)
      throws IOException {
    FhirContext context = request.getFhirContext();
    // HAPI's own parser set-up for this request: encoding, _pretty, _summary, _elements, base.
    byte[] plain =
        RestfulServerUtils.getNewParser(context, context.getVersion().getVersion(), request)
            .encodeResourceToString(statement)
            .getBytes(StandardCharsets.UTF_8);
    byte[] body = variant.gzip() ? gzip(plain) : plain;
    String contentType =
        RestfulServerUtils.determineResponseEncodingWithDefault(request).getResourceContentType();
    IIdType id = statement.getIdElement();
    String location =
        id != null && id.hasIdPart()
            ? request.getFhirServerBase()
                + "/"
                + context.getResourceType(statement)
                + "/"
                + id.getIdPart()
            : null;
    return new Copy(
        body,
        contentType,
        variant.gzip(),
        location,
        etag(body),
        builtFor,
        System.currentTimeMillis(),
        new AtomicLong());
  }

  /** The headers HAPI would have sent with the statement, then the bytes (or 304). */
  private static void write(
      Copy copy, ServletRequestDetails request, HttpServletRequest in, HttpServletResponse out)
      throws IOException {
    request.getServer().addHeadersToResponse(out);
    for (Map.Entry<String, List<String>> header : request.getResponse().getHeaders().entrySet()) {
      boolean first = true;
      for (String value : header.getValue()) {
        if (first) {
          out.setHeader(header.getKey(), value);
          first = false;
        } else {
          out.addHeader(header.getKey(), value);
        }
      }
    }
    if (copy.location() != null) {
      out.setHeader(Constants.HEADER_CONTENT_LOCATION, copy.location());
    }
    out.setHeader(Constants.HEADER_ETAG, copy.etag());
    if (matches(in.getHeaders(Constants.HEADER_IF_NONE_MATCH), copy.etag())) {
      out.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
      return;
    }
    out.setStatus(HttpServletResponse.SC_OK);
    out.setContentType(copy.contentType());
    out.setCharacterEncoding(Constants.CHARSET_NAME_UTF8);
    if (copy.gzip()) {
      out.setHeader(Constants.HEADER_CONTENT_ENCODING, Constants.ENCODING_GZIP);
    }
    out.setContentLength(copy.body().length);
    out.getOutputStream().write(copy.body());
  }

  private static boolean matches(Enumeration<String> ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    String opaque = opaque(etag);
    for (String header : Collections.list(ifNoneMatch)) {
      for (String tag : header.split(",")) {
        // Weak comparison (RFC 9110 13.1.2), and the spellings HAPI takes for versions: W/"n",
        // "n" and n.
        if (tag.trim().equals("*") || opaque(tag).equals(opaque)) {
          return true;
        }
      }
    }
    return false;
  }

  private static String opaque(String tag) {
    String trimmed = tag.trim();
    if (trimmed.startsWith("W/")) {
      trimmed = trimmed.substring(2);
    }
    return trimmed.replace("\"", "");
  }

  /**
   * An ETag of digits in FHIR's weak form ({@code W/"n"}), from the bytes' SHA-256: that is the
   * form FHIR clients send back, and the only one RequestChecksInterceptor lets through
   * If-None-Match.
   */
  private static String etag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      long value = 0;
      for (int i = 0; i < 7; i++) {
        value = (value << 8) | (digest[i] & 0xff);
      }
      return "W/\"" + value + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(plain.length / 8);
    try (GZIPOutputStream zip = new GZIPOutputStream(bytes)) {
      zip.write(plain);
    }
    return bytes.toByteArray();
  }

  /**
   * Everything HAPI's answer to {@code /metadata} depends on: the base URL, content negotiation
   * (Accept, {@code _format}, {@code _pretty}, {@code _summary}, {@code _elements} and any other
   * parameter), gzip, and what the response highlighter looks at (method, X-Requested-With,
   * Origin).
   */
  record Variant(
      String base,
      String method,
      List<String> accept,
      Map<String, List<String>> parameters,
      boolean gzip,
      boolean requestedWith,
      boolean origin) {

    static Variant of(ServletRequestDetails request, HttpServletRequest in) {
      Map<String, List<String>> parameters = new TreeMap<>();
      request
          .getParameters()
          .forEach((name, values) -> parameters.put(name, Arrays.asList(values)));
      List<String> accept =
          in.getHeaders(Constants.HEADER_ACCEPT) == null
              ? List.of()
              : Collections.list(in.getHeaders(Constants.HEADER_ACCEPT));
      return new Variant(
          request.getFhirServerBase(),
          in.getMethod(),
          accept,
          parameters,
          request.isRespondGzip(),
          in.getHeader(Constants.HEADER_X_REQUESTED_WITH) != null,
          in.getHeader(Constants.HEADER_CORS_ORIGIN) != null);
    }
  }

  /** One variant's bytes, the generation they were built in, and who is rebuilding them. */
  record Copy(
      byte[] body,
      String contentType,
      boolean gzip,
      String location,
      String etag,
      long generation,
      long builtAt,
      AtomicLong rebuildClaimedAt) {

    boolean claimRebuild(long now) {
      long claimed = rebuildClaimedAt.get();
      return (claimed == 0 || now - claimed >= REBUILD_CLAIM_MILLIS)
          && rebuildClaimedAt.compareAndSet(claimed, now);
    }
  }
}
