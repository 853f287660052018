package org.trialfhir.server;

import org.apache.catalina.Host;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.stereotype.Component;

/**
 * Puts {@link OutcomeErrorReportValve} in place of Tomcat's HTML error report valve. Runs when all
 * singletons exist: the embedded Tomcat is then created but its connector does not accept requests
 * yet, so no request ever sees the HTML page.
 */
@Component
class OutcomeErrorReportInstaller implements SmartInitializingSingleton {

  private final ApplicationContext context;
  private final ServerProperties server;

  OutcomeErrorReportInstaller(ApplicationContext context, ServerProperties server) {
    this.context = context;
    this.server = server;
  }

  @Override
  public void afterSingletonsInstantiated() {
    if (!(context instanceof ServletWebServerApplicationContext web)) {
      return; // no embedded server (e.g. a test slice)
    }
    WebServer webServer = web.getWebServer();
    if (!(webServer instanceof TomcatWebServer tomcat)) {
      return;
    }
    Host host = tomcat.getTomcat().getHost();
    Pipeline pipeline = host.getPipeline();
    for (Valve valve : pipeline.getValves()) {
      if (valve instanceof ErrorReportValve && !(valve instanceof OutcomeErrorReportValve)) {
        pipeline.removeValve(valve);
      }
    }
    pipeline.addValve(
        new OutcomeErrorReportValve((int) server.getMaxHttpRequestHeaderSize().toBytes()));
  }
}
