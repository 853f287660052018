package org.trialfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentInterceptor;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOutcome;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentService;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.springframework.stereotype.Component;
import org.trialfhir.security.Caller.Role;
import org.trialfhir.server.RestInterceptor;
import org.trialfhir.study.StudyDesign;

/**
 * Keeps treatment allocations from blinded callers on every path that shows resources (read, vread,
 * search, includes, history, $everything, bundle responses): resources labelled {@link #LABEL_CODE}
 * are withheld, and a ResearchSubject of a masked study loses {@code assignedArm} and {@code
 * actualArm}. Only the unblinded role sees them.
 */
@Component
@Interceptor
public class BlindingInterceptor extends ConsentInterceptor implements RestInterceptor {

  public static final String LABEL_SYSTEM = "http://trialfhir.org/fhir/CodeSystem/security-label";
  public static final String LABEL_CODE = "treatment-allocation";

  private final SecurityProperties properties;

  BlindingInterceptor(SecurityProperties properties, DaoRegistry daos) {
    super(new Blinding(properties, daos));
    this.properties = properties;
  }

  // Storage hooks fire for the server's own work too (see SmartAuthorizationInterceptor).

  /**
   * Not a hook: the inherited one refuses {@code _summary=count} on the whole server, but a count
   * reveals no arm (counts of labelled resources are not hidden; their content is).
   */
  @Override
  public void interceptPreHandled(RequestDetails request) {
    // intentionally nothing: Blinding has no per-request start
  }

  /**
   * Not a hook (the override hides the inherited one): blinding decides on what is shown, and a
   * registered pre-access hook would make HAPI drop {@code Bundle.total} from every search.
   */
  @Override
  public void interceptPreAccess(RequestDetails request, IPreResourceAccessDetails details) {
    // intentionally nothing
  }

  /**
   * What writes and bundles of writes send back (a created or updated resource, batch and
   * transaction responses, operation outputs) has not passed {@link #interceptPreShow}; search and
   * history pages have, and the inherited hook would strip their {@code Bundle.total}.
   */
  @Override
  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public void interceptOutgoingResponse(RequestDetails request, ResponseDetails response) {
    if (response.getResponseResource() instanceof Bundle bundle
        && (bundle.getType() == Bundle.BundleType.SEARCHSET
            || bundle.getType() == Bundle.BundleType.HISTORY)) {
      return;
    }
    super.interceptOutgoingResponse(request, response);
    // An update's answer is the stored study, whose seed a blinded writer's PUT kept (see
    // BlindedWritesInterceptor) without having been shown it.
    if (response.getResponseResource() instanceof ResearchStudy study
        && !SmartAuthorizationInterceptor.internal(request)
        && !CurrentCaller.unblinded(properties)) {
      response.setResponseResource(StudyDesign.withoutSeed(study));
    }
  }

  /** Before the authorisation rules look at what is shown (they would refuse a whole response). */
  @Override
  @Hook(value = Pointcut.STORAGE_PRESHOW_RESOURCES, order = -100)
  public void interceptPreShow(RequestDetails request, IPreResourceShowDetails details) {
    if (!SmartAuthorizationInterceptor.internal(request)) {
      super.interceptPreShow(request, details);
    }
  }

  /** The consent decision: who is blinded, and what a blinded caller may not see. */
  record Blinding(SecurityProperties properties, DaoRegistry daos) implements IConsentService {

    @Override
    public boolean shouldProcessCanSeeResource(
        RequestDetails request, IConsentContextServices services) {
      return false; // everything is decided on what would be shown
    }

    @Override
    public ConsentOutcome willSeeResource(
        RequestDetails request, IBaseResource resource, IConsentContextServices services) {
      if (!properties.enabled() || request instanceof SystemRequestDetails) {
        return ConsentOutcome.PROCEED;
      }
      Caller caller = Caller.current(properties);
      // Direct AuditEvent requests are refused (403) by the rules; this keeps them out of
      // compartment responses such as $everything, which would otherwise be refused whole.
      if (resource instanceof AuditEvent && !caller.has(Role.AUDITOR)) {
        return ConsentOutcome.REJECT;
      }
      if (caller.has(Role.UNBLINDED)) {
        return ConsentOutcome.PROCEED;
      }
      if (resource instanceof Bundle bundle) {
        // A batch or transaction response, built for this caller only: blinded in place.
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
          if (entry.hasResource() && hidden(entry.getResource())) {
            entry.setResource(null);
          } else if (entry.getResource() instanceof ResearchStudy study) {
            entry.setResource(StudyDesign.withoutSeed(study));
          } else if (entry.getResource() instanceof ResearchSubject subject && masked(subject)) {
            subject.setAssignedArm(null);
            subject.setActualArm(null);
          }
        }
        return ConsentOutcome.PROCEED;
      }
      if (hidden(resource)) {
        return ConsentOutcome.REJECT;
      }
      if (resource instanceof ResearchStudy study && StudyDesign.withoutSeed(study) != study) {
        return new ConsentOutcome(
            ConsentOperationStatusEnum.PROCEED, StudyDesign.withoutSeed(study));
      }
      if (resource instanceof ResearchSubject subject
          && (subject.hasAssignedArm() || subject.hasActualArm())
          && masked(subject)) {
        ResearchSubject redacted = subject.copy();
        redacted.setAssignedArm(null);
        redacted.setActualArm(null);
        return new ConsentOutcome(ConsentOperationStatusEnum.PROCEED, redacted);
      }
      return ConsentOutcome.PROCEED;
    }

    private static boolean hidden(IBaseResource resource) {
      return resource.getMeta().getSecurity(LABEL_SYSTEM, LABEL_CODE) != null;
    }

    private boolean masked(ResearchSubject subject) {
      return StudyDesign.masked(subject, daos);
    }
  }
}
