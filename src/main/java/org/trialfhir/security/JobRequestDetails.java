package org.trialfhir.security;

import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request details of work done for a caller after their HTTP request has ended (a Batch2 step):
 * bound to the RestfulServer's interceptor registry, so that DAO calls made with it fire its hooks
 * (authorisation, blinding, audit capture) as they do for the caller's own requests, and a {@code
 * ServletRequestDetails}, which BALP's capture requires. There is no servlet request behind it:
 * headers and attributes are its own (none unless set).
 */
final class JobRequestDetails extends ServletRequestDetails {

  private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private final Map<String, Object> attributes = Collections.synchronizedMap(new HashMap<>());

  JobRequestDetails(RestfulServer server) {
    super(server.getInterceptorService());
    setServer(server);
  }

  @Override
  public String getHeader(String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  @Override
  public List<String> getHeaders(String name) {
    return headers.getOrDefault(name, List.of());
  }

  @Override
  public Map<String, List<String>> getHeaders() {
    return Collections.unmodifiableMap(headers);
  }

  @Override
  public void addHeader(String name, String value) {
    headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
  }

  @Override
  public void setHeaders(String name, List<String> values) {
    headers.put(name, new ArrayList<>(values));
  }

  @Override
  public Object getServletAttribute(String name) {
    return attributes.get(name);
  }

  @Override
  public void setServletAttribute(String name, Object value) {
    attributes.put(name, value);
  }

  @Override
  @SuppressWarnings("deprecation")
  public Object getAttribute(String name) {
    return attributes.get(name);
  }

  @Override
  @SuppressWarnings("deprecation")
  public void setAttribute(String name, Object value) {
    attributes.put(name, value);
  }

  @Override
  public InputStream getInputStream() {
    return new ByteArrayInputStream(new byte[0]);
  }

  @Override
  public Reader getReader() {
    return new StringReader("");
  }

  @Override
  protected byte[] getByteStreamRequestContents() {
    return new byte[0];
  }

  @Override
  public String getServerBaseForRequest() {
    return getFhirServerBase();
  }

  @Override
  public boolean isPreferRespondAsync() {
    return false;
  }
}
