package org.trialfhir.subject;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirInterceptor;

/**
 * Refuses a ResearchSubject status change that the lifecycle does not allow (e.g. withdrawn back to
 * on-study), and one from before enrolment to on study not made by $enroll ({@link Enrolment}). A
 * storage hook, so direct PUTs, PATCHes, transactions and in-process writers all obey.
 */
@Component
@Interceptor
public class SubjectStatusInterceptor implements FhirInterceptor {

  /** Public: HAPI invokes hooks reflectively. */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void statusChange(
      IBaseResource oldResource, IBaseResource newResource, RequestDetails request) {
    if (oldResource instanceof ResearchSubject before
        && newResource instanceof ResearchSubject after) {
      String from = before.hasStatus() ? before.getStatus().toCode() : null;
      String to = after.hasStatus() ? after.getStatus().toCode() : null;
      if (!SubjectStatusTransitions.allowed(from, to)) {
        throw new UnprocessableEntityException(
            "ResearchSubject/"
                + before.getIdElement().getIdPart()
                + " cannot go from status '"
                + from
                + "' to '"
                + to
                + "'; allowed next: "
                + (SubjectStatusTransitions.next(from).isEmpty()
                    ? "none ('" + from + "' is final)"
                    : String.join(", ", new TreeSet<>(SubjectStatusTransitions.next(from)))));
      }
      boolean enrolling =
          request != null && Boolean.TRUE.equals(request.getUserData().get(Enrolment.ENROLLING));
      if (SubjectStatusTransitions.enrolment(from, to) && !enrolling) {
        throw new UnprocessableEntityException(
            "ResearchSubject/"
                + before.getIdElement().getIdPart()
                + " goes from '"
                + from
                + "' to '"
                + to
                + "' only by ResearchStudy/[id]/$enroll, which checks eligibility and consent"
                + " and draws the arm: enrol the patient with $enroll, not by writing the status");
      }
    }
  }
}
