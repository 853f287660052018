package org.trialfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.method.BaseMethodBinding;
import ca.uhn.fhir.rest.server.method.OperationMethodBinding;
import ca.uhn.fhir.rest.server.method.OperationParameter;
import ca.uhn.fhir.util.DateUtils;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.springframework.stereotype.Component;

/**
 * Refuses, with a 400 (or 415) naming the problem, requests that HAPI would otherwise answer with a
 * 500 or quietly misread: malformed conditional headers, out-of-range paging and unknown values of
 * the result parameters, unknown search modifiers, a PATCH without a target or with a resource as
 * its body, a single-valued operation parameter given twice, and bodies that HAPI's parsers would
 * read with data lost (see {@link StrictBodyCheck}).
 *
 * <p>REST-only: it looks at the HTTP request, at {@code SERVER_INCOMING_REQUEST_POST_PROCESSED},
 * when HAPI has chosen the method that will answer but has not parsed the body yet.
 */
@Component
@Interceptor
public class RequestChecksInterceptor implements RestInterceptor {

  /**
   * A version ETag as FHIR writes it ({@code W/"3"}); HAPI also takes {@code "3"} and {@code 3}.
   */
  private static final Pattern VERSION_ETAG = Pattern.compile("(W/)?(\"[0-9]{1,18}\"|[0-9]{1,18})");

  private static final Set<String> SUMMARY = Set.of("true", "text", "data", "count", "false");
  private static final Set<String> TOTAL = Set.of("none", "estimate", "accurate");
  private static final Set<String> PRETTY = Set.of("true", "false");

  /** Result parameters that take one value: a second one would be ignored silently. */
  private static final List<String> SINGLE_VALUED =
      List.of(
          Constants.PARAM_COUNT,
          Constants.PARAM_OFFSET,
          Constants.PARAM_SUMMARY,
          Constants.PARAM_SEARCH_TOTAL_MODE,
          Constants.PARAM_FORMAT,
          Constants.PARAM_PRETTY);

  /** Search modifiers of FHIR R4 and the HAPI extensions this server's JPA storage knows. */
  private static final Set<String> MODIFIERS =
      Set.of(
          "missing",
          "exact",
          "contains",
          "text",
          "not",
          "above",
          "below",
          "in",
          "not-in",
          "of-type",
          "identifier",
          "nickname",
          "mdm",
          "text-advanced");

  private static final Set<String> INCLUDE_MODIFIERS = Set.of("iterate", "recurse");

  /** {@code _format} values besides content types: HAPI's browser view. */
  private static final Set<String> HTML_FORMATS =
      Set.of("html", "text/html", "html/json", "html/xml");

  private final RequestLimitsProperties limits;

  RequestChecksInterceptor(RequestLimitsProperties limits) {
    this.limits = limits;
  }

  /**
   * Public: HAPI invokes hooks reflectively. Returns false when it has answered the request itself.
   */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean checkRequest(
      RequestDetails request, HttpServletRequest servletRequest, HttpServletResponse response)
      throws IOException {
    String unsupported = unsupportedContentType(request);
    if (unsupported != null) {
      // Written here: HAPI would answer in the format of the request body, i.e. in Turtle.
      OutcomeBodies.write(servletRequest, response, 415, IssueType.NOTSUPPORTED, unsupported);
      return false;
    }
    checkConditionalHeaders(request);
    checkParameterCounts(request.getParameters(), limits);
    checkResultParameters(request.getParameters());
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (operation == RestOperationTypeEnum.SEARCH_TYPE
        || operation == RestOperationTypeEnum.SEARCH_SYSTEM) {
      checkSearchModifiers(request.getParameters(), request.getFhirContext().getResourceTypes());
    }
    String rootType = checkBody(request);
    if (operation == RestOperationTypeEnum.PATCH) {
      checkPatch(request, rootType);
    }
    if (operation == RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE
        || operation == RestOperationTypeEnum.EXTENDED_OPERATION_TYPE
        || operation == RestOperationTypeEnum.EXTENDED_OPERATION_SERVER
        || operation == RestOperationTypeEnum.VALIDATE) {
      checkOperationParameters(request, rootType);
    }
    return true;
  }

  /** Whether a header value is a version ETag, as If-Match and Bundle request.ifMatch need. */
  static boolean isVersionEtag(String value) {
    return value != null && VERSION_ETAG.matcher(value.trim()).matches();
  }

  /** The 400 for an ETag that is not one: {@code where} names the header or Bundle element. */
  static InvalidRequestException notAnEtag(String where, String value) {
    return new InvalidRequestException(
        where
            + " value '"
            + printable(value)
            + "' is not a version ETag: FHIR expects W/\"<versionId>\", e.g. W/\"3\"");
  }

  private static void checkConditionalHeaders(RequestDetails request) {
    for (String value : headers(request, Constants.HEADER_IF_MATCH)) {
      if (!isVersionEtag(value)) {
        throw notAnEtag("The If-Match header", value);
      }
    }
    for (String value : headers(request, Constants.HEADER_IF_NONE_MATCH)) {
      if (!"*".equals(value.trim()) && !isVersionEtag(value)) {
        throw notAnEtag("The If-None-Match header", value);
      }
    }
    for (String value : headers(request, Constants.HEADER_IF_MODIFIED_SINCE)) {
      if (DateUtils.parseDate(value.trim()) == null) {
        throw new InvalidRequestException(
            "The If-Modified-Since header value '"
                + printable(value)
                + "' is not an HTTP date (RFC 9110), e.g. 'Sun, 06 Nov 1994 08:49:37 GMT'");
      }
    }
  }

  /** HAPI's RDF parser fails on request bodies with a 500: Turtle is not a format we accept. */
  private static String unsupportedContentType(RequestDetails request) {
    String contentType = request.getHeader(Constants.HEADER_CONTENT_TYPE);
    if (contentType == null || !hasBody(request)) {
      return null;
    }
    String type = mediaType(contentType);
    if (EncodingEnum.forContentType(type) == EncodingEnum.RDF || type.contains("turtle")) {
      return "Content-Type "
          + printable(type)
          + " is not accepted: send FHIR JSON (application/fhir+json) or FHIR XML"
          + " (application/fhir+xml)";
    }
    return null;
  }

  /**
   * The checks of a URL's parameters, for a Bundle entry's {@code request.url} (HAPI hands batch
   * and transaction entries to its DAOs without this interceptor's REST hook).
   */
  static void checkQuery(
      Map<String, String[]> parameters, Set<String> resourceTypes, RequestLimitsProperties limits) {
    checkParameterCounts(parameters, limits);
    checkResultParameters(parameters);
    checkSearchModifiers(parameters, resourceTypes);
  }

  private static void checkParameterCounts(
      Map<String, String[]> parameters, RequestLimitsProperties limits) {
    int total = 0;
    for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
      int repeats = parameter.getValue() == null ? 0 : parameter.getValue().length;
      if (repeats > limits.maxParameterRepeats()) {
        throw new InvalidRequestException(
            "The parameter '"
                + printable(parameter.getKey())
                + "' is given "
                + repeats
                + " times; this server takes at most "
                + limits.maxParameterRepeats());
      }
      total += repeats;
    }
    if (total > limits.maxParameters()) {
      throw new InvalidRequestException(
          "The request carries "
              + total
              + " parameter values; this server takes at most "
              + limits.maxParameters());
    }
  }

  private static void checkResultParameters(Map<String, String[]> parameters) {
    for (String name : SINGLE_VALUED) {
      String[] values = parameters.get(name);
      if (values != null && values.length > 1) {
        throw new InvalidRequestException(
            "The parameter "
                + name
                + " may be given once, but was given "
                + values.length
                + " times");
      }
    }
    nonNegative(parameters, Constants.PARAM_COUNT);
    nonNegative(parameters, Constants.PARAM_OFFSET);
    oneOf(parameters, Constants.PARAM_SUMMARY, SUMMARY);
    oneOf(parameters, Constants.PARAM_SEARCH_TOTAL_MODE, TOTAL);
    oneOf(parameters, Constants.PARAM_PRETTY, PRETTY);
    String format = first(parameters, Constants.PARAM_FORMAT);
    if (format != null) {
      String type = mediaType(format);
      if (EncodingEnum.forContentType(type) == null && !HTML_FORMATS.contains(type)) {
        throw new InvalidRequestException(
            "The parameter _format='"
                + printable(format)
                + "' names no format this server writes: use json, xml, application/fhir+json or"
                + " application/fhir+xml");
      }
    }
  }

  private static void nonNegative(Map<String, String[]> parameters, String name) {
    String value = first(parameters, name);
    if (value == null) {
      return;
    }
    try {
      if (Integer.parseInt(value.trim()) >= 0) {
        return;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new InvalidRequestException(
        "The parameter " + name + "='" + printable(value) + "' must be a whole number, 0 or more");
  }

  private static void oneOf(Map<String, String[]> parameters, String name, Set<String> allowed) {
    String value = first(parameters, name);
    if (value != null && !allowed.contains(value.trim())) {
      throw new InvalidRequestException(
          "The parameter "
              + name
              + "='"
              + printable(value)
              + "' is not one of "
              + String.join(", ", allowed.stream().sorted().toList()));
    }
  }

  /**
   * {@code name:bogus=x} matched nothing at all (HAPI ignores a modifier it does not know on some
   * parameter types); a client must hear that its filter was not applied.
   */
  private static void checkSearchModifiers(Map<String, String[]> parameters, Set<String> types) {
    for (String name : parameters.keySet()) {
      int colon = name.indexOf(':');
      if (colon < 0 || name.startsWith(Constants.PARAM_HAS)) {
        continue;
      }
      String base = name.substring(0, colon);
      String modifier = name.substring(colon + 1);
      int chain = modifier.indexOf('.');
      if (chain >= 0) {
        modifier = modifier.substring(0, chain); // subject:Patient.name: the type, then a chain
      }
      boolean known =
          base.equals(Constants.PARAM_INCLUDE) || base.equals(Constants.PARAM_REVINCLUDE)
              ? INCLUDE_MODIFIERS.contains(modifier)
              : base.equals(Constants.PARAM_ELEMENTS)
                  ? modifier.equals("exclude")
                  : MODIFIERS.contains(modifier) || types.contains(modifier);
      if (!known) {
        throw new InvalidRequestException(
            "Unknown search modifier ':"
                + printable(modifier)
                + "' in the parameter '"
                + printable(name)
                + "'");
      }
    }
  }

  /**
   * Checks the raw body for what the parsers would lose (see {@link StrictBodyCheck}) and returns
   * the type of its root resource, or null when there is no FHIR body.
   */
  private static String checkBody(RequestDetails request) {
    if (!hasBody(request)) {
      return null;
    }
    String contentType = request.getHeader(Constants.HEADER_CONTENT_TYPE);
    if (contentType == null) {
      return null;
    }
    String type = mediaType(contentType);
    boolean json = type.endsWith("json") && !type.contains("ndjson");
    boolean xml = EncodingEnum.forContentType(type) == EncodingEnum.XML;
    if (!json && !xml) {
      return null;
    }
    if ("Binary".equals(request.getResourceName())
        && EncodingEnum.forContentTypeStrict(type) == null) {
      return null; // raw content of a Binary (e.g. a JSON document), not a FHIR resource
    }
    byte[] body = request.loadRequestContents();
    if (body == null || body.length == 0) {
      return null;
    }
    return json ? StrictBodyCheck.checkJson(body) : StrictBodyCheck.checkFhirXml(body);
  }

  private static void checkPatch(RequestDetails request, String rootType) {
    boolean hasId = request.getId() != null && request.getId().hasIdPart();
    if (!hasId && request.getConditionalUrl(RestOperationTypeEnum.PATCH) == null) {
      throw new InvalidRequestException(
          "PATCH needs a target: PATCH "
              + request.getResourceName()
              + "/[id], or a conditional PATCH "
              + request.getResourceName()
              + "?[search parameters]");
    }
    String contentType = request.getHeader(Constants.HEADER_CONTENT_TYPE);
    if (contentType != null
        && EncodingEnum.forContentTypeStrict(mediaType(contentType)) != null
        && rootType != null
        && !"Parameters".equals(rootType)) {
      throw new InvalidRequestException(
          "A FHIRPath Patch body must be a Parameters resource, not "
              + printable(rootType)
              + "; to replace the whole resource, use PUT");
    }
  }

  /**
   * An operation parameter declared with max 1 that arrives twice would be read as its first value
   * only; a resource parameter given as a plain value fails deep in HAPI. Both are the client's
   * error, so they are refused here for every operation, ours and HAPI's.
   */
  private static void checkOperationParameters(RequestDetails request, String rootType) {
    if (!(request.getServer() instanceof RestfulServer server)) {
      return;
    }
    BaseMethodBinding binding;
    try {
      binding = server.determineResourceMethod(request, request.getRequestPath());
    } catch (RuntimeException e) {
      return; // HAPI reports an unknown operation itself
    }
    if (!(binding instanceof OperationMethodBinding operation)) {
      return;
    }
    Parameters body = "Parameters".equals(rootType) ? parameters(request) : null;
    FhirContext fhir = request.getFhirContext();
    for (Object parameter : operation.getParameters()) {
      if (!(parameter instanceof OperationParameter declared)) {
        continue;
      }
      String name = declared.getName();
      String[] inUrl = request.getParameters().get(name);
      List<ParametersParameterComponent> inBody =
          body == null
              ? List.of()
              : body.getParameter().stream().filter(p -> name.equals(p.getName())).toList();
      int count = (inUrl == null ? 0 : inUrl.length) + inBody.size();
      if (declared.getMax() == 1 && count > 1) {
        throw new InvalidRequestException(
            "The parameter '"
                + name
                + "' of "
                + operation.getName()
                + " may be given once, but was given "
                + count
                + " times");
      }
      if (isResourceType(fhir, declared.getParamType())) {
        for (ParametersParameterComponent given : inBody) {
          if (given.getResource() == null) {
            throw new InvalidRequestException(
                "The parameter '"
                    + name
                    + "' of "
                    + operation.getName()
                    + " must hold a resource (parameter.resource), not "
                    + (given.getValue() == null
                        ? "nothing"
                        : "a value (value" + capitalised(given.getValue().fhirType()) + ")"));
          }
        }
      }
    }
  }

  private static boolean isResourceType(FhirContext fhir, String type) {
    return type != null
        && ("Resource".equals(type)
            || "DomainResource".equals(type)
            || fhir.getResourceTypes().contains(type));
  }

  /** The body as Parameters, or null when it does not parse (HAPI then reports it). */
  private static Parameters parameters(RequestDetails request) {
    byte[] body = request.getRequestContentsIfLoaded();
    String contentType = request.getHeader(Constants.HEADER_CONTENT_TYPE);
    if (body == null || contentType == null) {
      return null;
    }
    EncodingEnum encoding = EncodingEnum.forContentType(mediaType(contentType));
    if (encoding == null) {
      return null;
    }
    try {
      IBaseResource parsed =
          encoding
              .newParser(request.getFhirContext())
              .parseResource(new String(body, StandardCharsets.UTF_8));
      return parsed instanceof Parameters p ? p : null;
    } catch (DataFormatException e) {
      return null;
    }
  }

  private static boolean hasBody(RequestDetails request) {
    RequestTypeEnum method = request.getRequestType();
    return method == RequestTypeEnum.POST
        || method == RequestTypeEnum.PUT
        || method == RequestTypeEnum.PATCH;
  }

  private static List<String> headers(RequestDetails request, String name) {
    List<String> values = request.getHeaders(name);
    return values == null ? List.of() : values;
  }

  private static String first(Map<String, String[]> parameters, String name) {
    String[] values = parameters.get(name);
    return values == null || values.length == 0 ? null : values[0];
  }

  /** The media type without parameters such as charset, lower case. */
  private static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
        .trim()
        .toLowerCase(Locale.ROOT);
  }

  private static String capitalised(String type) {
    return type.isEmpty() ? type : Character.toUpperCase(type.charAt(0)) + type.substring(1);
  }

  /** Echoed input: no control characters, and not more than a line of it. */
  static String printable(String text) {
    if (text == null) {
      return "";
    }
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() <= 80 ? clean : clean.substring(0, 77) + "...";
  }
}
