package org.trialfhir.server;

import ca.uhn.fhir.rest.server.RestfulServer;
import jakarta.servlet.GenericServlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The servlet registered for the FHIR endpoint: it looks up HAPI's {@link RestfulServer} bean only
 * when the servlet container initialises it, and hands every request to it.
 *
 * <p>Why not register the RestfulServer bean itself: Spring Boot collects servlet registrations
 * while it creates the embedded web server, before the bean factory's configuration is frozen. A
 * registration holding the RestfulServer pulled the whole HAPI graph (every provider, DAO and
 * repository, well over a thousand beans) into existence at that point, when Spring does not yet
 * cache its by-type lookups, and each of HAPI's autowired fields then scanned every bean definition
 * (5 s of main-thread CPU in a JFR profile of start-up, docs/measuring.md "Start-up"). Created with
 * the rest of the singletons, after the freeze, those lookups can be served from Spring's cache;
 * the gain is not yet confirmed by a measurement on an idle machine. The servlet still loads on
 * start-up (load-on-startup 1), when Tomcat starts, after all singletons exist.
 */
final class DeferredFhirServlet extends GenericServlet {

  private static final long serialVersionUID = 1L;

  private final transient ObjectProvider<RestfulServer> server;
  private transient volatile RestfulServer delegate;

  DeferredFhirServlet(ObjectProvider<RestfulServer> server) {
    this.server = server;
  }

  @Override
  public void init(ServletConfig config) throws ServletException {
    super.init(config);
    RestfulServer restfulServer = server.getObject();
    restfulServer.init(config);
    delegate = restfulServer;
  }

  @Override
  public void service(ServletRequest request, ServletResponse response)
      throws ServletException, IOException {
    RestfulServer restfulServer = delegate;
    if (restfulServer == null) {
      throw new ServletException("The FHIR servlet has not been initialised");
    }
    restfulServer.service(request, response);
  }

  @Override
  public void destroy() {
    RestfulServer restfulServer = delegate;
    if (restfulServer != null) {
      restfulServer.destroy();
    }
  }

  @Override
  public String getServletInfo() {
    return "trialfhir FHIR endpoint (HAPI RestfulServer)";
  }
}
