package org.trialfhir.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletSubRequestDetails;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

class AuditContextServicesTest {

  private final AuditContextServices services = new AuditContextServices();
  private final ServletRequestDetails request = new ServletRequestDetails();

  @AfterEach
  void clearSecurityContext() {
    SecurityContextHolder.clearContext();
  }

  private static void signedInWith(Map<String, Object> claims) {
    Jwt.Builder jwt = Jwt.withTokenValue("t").header("alg", "none");
    claims.forEach(jwt::claim);
    SecurityContextHolder.getContext().setAuthentication(new JwtAuthenticationToken(jwt.build()));
  }

  @Test
  void clientIsClientIdAndUserIsFhirUser() {
    signedInWith(
        Map.of(
            "iss", "https://idp.example.org",
            "sub", "u-42",
            "client_id", "ehr-interface",
            "azp", "other",
            "fhirUser", "Practitioner/123"));

    Reference client = services.getAgentClientWho(request);
    Reference user = services.getAgentUserWho(request);

    assertThat(client.getIdentifier().getValue()).isEqualTo("ehr-interface");
    assertThat(client.getIdentifier().getSystem()).isEqualTo("https://idp.example.org");
    assertThat(user.getDisplay()).isEqualTo("Practitioner/123");
    assertThat(user.getIdentifier().getValue()).isEqualTo("u-42");
    assertThat(user.hasReference())
        .as("never a resolvable reference: the server need not hold the Practitioner")
        .isFalse();
  }

  @Test
  void withoutClientIdTheClientIsAzpAndWithoutFhirUserTheUserIsSub() {
    signedInWith(Map.of("sub", "u-7", "azp", "smart-app"));

    assertThat(services.getAgentClientWho(request).getIdentifier().getValue())
        .isEqualTo("smart-app");
    Reference user = services.getAgentUserWho(request);
    assertThat(user.getDisplay()).isEqualTo("u-7");
    assertThat(user.getIdentifier().getValue()).isEqualTo("u-7");
    assertThat(user.getIdentifier().hasSystem()).as("no issuer claim").isFalse();
  }

  @Test
  void withoutAuthenticationBothAreAnonymous() {
    assertThat(services.getAgentClientWho(request).getIdentifier().getValue())
        .isEqualTo("anonymous");
    assertThat(services.getAgentUserWho(request).getDisplay()).isEqualTo("anonymous");

    SecurityContextHolder.getContext()
        .setAuthentication(
            new AnonymousAuthenticationToken(
                "key", "anonymousUser", AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS")));
    assertThat(services.getAgentUserWho(request).getDisplay()).isEqualTo("anonymous");
  }

  /**
   * HAPI runs a batch Bundle's GET entries on its own thread pool, with sub-request details that
   * share the Bundle request's user data: the caller remembered when the Bundle arrived is named.
   */
  @Test
  void aBatchEntryReadOnAnotherThreadNamesTheCallerOfTheBundle() throws Exception {
    signedInWith(Map.of("sub", "u-9", "client_id", "lab-feed"));
    RequestAudit.of(request); // as AuditCaptureInterceptor does when the request starts
    ServletSubRequestDetails entry = new ServletSubRequestDetails(request);
    AtomicReference<Reference> client = new AtomicReference<>();
    AtomicReference<Reference> user = new AtomicReference<>();

    Thread pool =
        new Thread(
            () -> {
              client.set(services.getAgentClientWho(entry));
              user.set(services.getAgentUserWho(entry));
            });
    pool.start();
    pool.join();

    assertThat(client.get().getIdentifier().getValue()).isEqualTo("lab-feed");
    assertThat(user.get().getIdentifier().getValue()).isEqualTo("u-9");
  }

  @Test
  void eachCallGetsItsOwnReference() {
    // BALP writes the network address into the client's display; that must not leak elsewhere.
    assertThat(services.getAgentClientWho(request))
        .isNotSameAs(services.getAgentClientWho(request));
  }

  @Test
  void networkAddressIsTheServletRequestsRemoteAddress() {
    MockHttpServletRequest servletRequest = new MockHttpServletRequest();
    servletRequest.setRemoteAddr("10.1.2.3");
    request.setServletRequest(servletRequest);

    assertThat(services.getNetworkAddress(request)).isEqualTo("10.1.2.3");
  }

  @Test
  void resourceIdsAreRelativeAndVersionedExceptForQueries() {
    Patient patient = new Patient();
    IdType id = new IdType("http://localhost:8080/fhir", "Patient", "p1", "3");
    request.setRestOperationType(RestOperationTypeEnum.READ);
    assertThat(services.massageResourceIdForStorage(request, patient, id))
        .isEqualTo("Patient/p1/_history/3");

    request.setRestOperationType(RestOperationTypeEnum.SEARCH_TYPE);
    assertThat(services.massageResourceIdForStorage(request, patient, id)).isEqualTo("Patient/p1");

    request.setRestOperationType(RestOperationTypeEnum.HISTORY_INSTANCE);
    assertThat(services.massageResourceIdForStorage(request, patient, id)).isEqualTo("Patient/p1");
  }

  /** BALP names a contained patient by its local id; the event names the containing resource. */
  @Test
  void aContainedPatientIsNamedByTheResourceThatContainsIt() {
    Claim claim = new Claim();
    claim.setId(new IdType("Claim", "c1", "1"));
    request.setRestOperationType(RestOperationTypeEnum.CREATE);
    assertThat(services.massageResourceIdForStorage(request, claim, new IdType("#patient")))
        .isEqualTo("Claim/c1/_history/1");
  }
}
