package org.trialfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.springframework.stereotype.Component;
import org.trialfhir.security.Caller.Role;
import org.trialfhir.server.FhirInterceptor;
import org.trialfhir.server.References;
import org.trialfhir.study.StudyDesign;

/**
 * A blinded caller reads a ResearchSubject without its arm; when it writes the subject back, the
 * stored arm is kept rather than erased, and it cannot set one either. Without this, blinding would
 * turn every routine update by a blinded coordinator into data loss.
 */
@Component
@Interceptor
public class BlindedWritesInterceptor implements FhirInterceptor {

  private final SecurityProperties properties;

  BlindedWritesInterceptor(SecurityProperties properties) {
    this.properties = properties;
  }

  /**
   * A new subject written by a blinded caller carries no arm: arms come from the randomisation
   * ({@code $enroll}) or an unblinded caller. Refused rather than stripped, so no data is dropped
   * silently, and refused whatever the arm, so the answer says nothing about the study's arms.
   */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void noArmsFromBlindedCallers(RequestDetails request, IBaseResource resource) {
    if (properties.enabled()
        && !SmartAuthorizationInterceptor.internal(request)
        && resource instanceof ResearchSubject subject
        && (subject.hasAssignedArm() || subject.hasActualArm())
        && !Caller.current(properties).has(Role.UNBLINDED)) {
      throw new ForbiddenOperationException(
          "Only an unblinded caller may set a ResearchSubject's arm (assignedArm, actualArm);"
              + " an enrolled subject's arm comes from ResearchStudy/$enroll");
    }
  }

  /** Public: HAPI invokes hooks reflectively. */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void keepArms(
      RequestDetails request, IBaseResource oldResource, IBaseResource newResource) {
    if (properties.enabled()
        && !SmartAuthorizationInterceptor.internal(request)
        && oldResource instanceof ResearchSubject before
        && newResource instanceof ResearchSubject after
        && !Caller.current(properties).has(Role.UNBLINDED)) {
      if ((before.hasAssignedArm() || before.hasActualArm())
          && (!References.sameOrBothEmpty(before.getStudy(), after.getStudy())
              || !References.sameOrBothEmpty(before.getIndividual(), after.getIndividual()))) {
        // Moved to an open-label study, the kept arm would be shown to everyone.
        throw new ForbiddenOperationException(
            "Only an unblinded caller may move a ResearchSubject that has an arm to another study"
                + " or patient");
      }
      after.setAssignedArmElement(before.getAssignedArmElement().copy());
      after.setActualArmElement(before.getActualArmElement().copy());
    }
    if (properties.enabled()
        && !SmartAuthorizationInterceptor.internal(request)
        && oldResource instanceof ResearchStudy before
        && newResource instanceof ResearchStudy after
        && !Caller.current(properties).has(Role.UNBLINDED)) {
      // Such a caller was shown the study without its seed, and may not change it either.
      StudyDesign.keepSeed(before, after);
    }
    if (properties.enabled()
        && !SmartAuthorizationInterceptor.internal(request)
        && oldResource instanceof ResearchStudy before
        && newResource instanceof ResearchStudy after
        && StudyDesign.masked(before) != StudyDesign.masked(after)
        && !Caller.current(properties).has(Role.UNBLINDED)) {
      // Unmasking a study would show every arm to everyone.
      throw new ForbiddenOperationException(
          "Only an unblinded caller may change whether ResearchStudy/"
              + before.getIdElement().getIdPart()
              + " is masked");
    }
  }
}
