package org.trialfhir.subject;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Objects;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirInterceptor;

/**
 * A subject before enrolment, or whose screening ended, has no arm: an arm is drawn by $enroll (and
 * masked there for a blinded study). A write giving one an arm is refused (422), whoever writes.
 *
 * <p>Runs after the blinded writers' rule (security/BlindedWritesInterceptor), which puts the
 * stored arms back on a blinded caller's update: an arm stored on such a subject before this rule
 * existed is dropped rather than refused, so that the caller neither fails for an arm they did not
 * send nor learns from the answer that one was there.
 */
@Component
@Interceptor
public class PreEnrolmentArmRule implements FhirInterceptor {

  /**
   * Public: HAPI invokes hooks reflectively. After the blinded writers' rule, whose 403 says
   * nothing about the study's arms, speaks first to a blinded caller.
   */
  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = 100)
  public void created(IBaseResource resource) {
    check(null, resource);
  }

  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = 100)
  public void updated(IBaseResource oldResource, IBaseResource newResource) {
    check(oldResource, newResource);
  }

  static void check(IBaseResource previous, IBaseResource resource) {
    if (!(resource instanceof ResearchSubject subject)
        || !subject.hasStatus()
        || !(SubjectStatusTransitions.BEFORE_ENROLMENT.contains(subject.getStatus().toCode())
            || SubjectStatusTransitions.SCREENING_ENDED.contains(subject.getStatus().toCode()))
        || !(subject.hasAssignedArm() || subject.hasActualArm())) {
      return;
    }
    if (previous instanceof ResearchSubject before
        && Objects.equals(before.getAssignedArm(), subject.getAssignedArm())
        && Objects.equals(before.getActualArm(), subject.getActualArm())) {
      subject.setAssignedArm(null);
      subject.setActualArm(null);
      return;
    }
    throw new UnprocessableEntityException(
        "A ResearchSubject with status '"
            + subject.getStatus().toCode()
            + "' is not enrolled and has no arm (assignedArm, actualArm): the arm is drawn when"
            + " the patient is enrolled with ResearchStudy/[id]/$enroll");
  }
}
