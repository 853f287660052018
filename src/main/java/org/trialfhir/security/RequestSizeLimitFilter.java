package org.trialfhir.security;

import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.Enumeration;
import java.util.zip.GZIPInputStream;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies above {@code trialfhir.security.max-request-bytes}: 413 up front when the
 * client declares the length, and a failed read (answered 4xx by HAPI) when a chunked body runs
 * over (413 from HAPI as well), so that one request cannot exhaust the server's memory.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestSizeLimitFilter extends OncePerRequestFilter {

  private final long max;

  RequestSizeLimitFilter(SecurityProperties properties) {
    this.max = properties.maxRequestBytes();
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (request.getContentLengthLong() > max) {
      response.setStatus(413);
      SecurityConfig.writeOutcome(
          response, "too-costly", "The request body is larger than the limit of " + max + " bytes");
      return;
    }
    chain.doFilter(new Limited(request, max), response);
  }

  /** Counts what is read of a body of undeclared length. */
  private static final class Limited extends HttpServletRequestWrapper {
    private final long max;
    private ServletInputStream stream;

    Limited(HttpServletRequest request, long max) {
      super(request);
      this.max = max;
    }

    /**
     * A gzip body is inflated here, within the limit, and handed on as plain: HAPI would inflate it
     * without any limit (a few MB of zeros inflate to gigabytes).
     */
    private boolean gzip() {
      return "gzip".equalsIgnoreCase(super.getHeader("Content-Encoding"));
    }

    @Override
    public String getHeader(String name) {
      return gzip() && "Content-Encoding".equalsIgnoreCase(name) ? null : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return gzip() && "Content-Encoding".equalsIgnoreCase(name)
          ? Collections.emptyEnumeration()
          : super.getHeaders(name);
    }

    @Override
    public int getContentLength() {
      return gzip() ? -1 : super.getContentLength();
    }

    @Override
    public long getContentLengthLong() {
      return gzip() ? -1 : super.getContentLengthLong();
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        ServletInputStream raw = super.getInputStream();
        InputStream in = gzip() ? new GZIPInputStream(raw) : raw;
        stream =
            new ServletInputStream() {
              private long read;

              @Override
              public int read() throws IOException {
                int b = in.read();
                if (b >= 0 && ++read > max) {
                  throw new PayloadTooLargeException(
                      "The request body is larger than the limit of " + max + " bytes");
                }
                return b;
              }

              @Override
              public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = in.read(buffer, offset, length);
                if (n > 0 && (read += n) > max) {
                  throw new PayloadTooLargeException(
                      "The request body is larger than the limit of " + max + " bytes");
                }
                return n;
              }

              @Override
              public boolean isFinished() {
                return raw.isFinished();
              }

              @Override
              public boolean isReady() {
                return raw.isReady();
              }

              @Override
              public void setReadListener(ReadListener listener) {
                raw.setReadListener(listener);
              }
            };
      }
      return stream;
    }
  }
}
