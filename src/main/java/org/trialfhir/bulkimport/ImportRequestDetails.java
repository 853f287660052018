package org.trialfhir.bulkimport;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request details an import chunk's writes are made with: bound to the REST server's
 * interceptor registry, so that each create or update meets the caller's authorisation rules as a
 * REST write does (the JPA registry's storage guards run for every DAO call anyway), with the
 * interaction (create or update) set per resource, as the guards read it. Deliberately not a {@code
 * ServletRequestDetails}: BALP's capture records one AuditEvent per written resource only for
 * those, and an import records one per chunk instead ({@link ChunkAudit}).
 */
final class ImportRequestDetails extends RequestDetails {

  private final RestfulServer server;
  private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

  ImportRequestDetails(RestfulServer server, String serverBase, String requestId) {
    super(server.getInterceptorService());
    this.server = server;
    setFhirServerBase(serverBase == null ? "" : serverBase);
    setRequestPath("$import");
    setCompleteUrl(getFhirServerBase() + "/$import");
    setRequestType(RequestTypeEnum.POST);
    setParameters(new HashMap<>());
    setRequestId(requestId);
  }

  @Override
  protected byte[] getByteStreamRequestContents() {
    return new byte[0];
  }

  @Override
  public Charset getCharset() {
    return StandardCharsets.UTF_8;
  }

  @Override
  public FhirContext getFhirContext() {
    return server.getFhirContext();
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
  public void addHeader(String name, String value) {
    headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
  }

  @Override
  public void setHeaders(String name, List<String> values) {
    headers.put(name, new ArrayList<>(values));
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
  public RestfulServer getServer() {
    return server;
  }

  @Override
  public String getServerBaseForRequest() {
    return getFhirServerBase();
  }
}
