package org.trialfhir.subject;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Objects;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirInterceptor;

/**
 * Applies the enrolment rules of {@link EnrolmentGuard} to every write that puts a subject on
 * study, not only to $enroll: a plain POST, PUT or transaction of an on-study ResearchSubject is
 * refused (409) for a full study or a patient already on it.
 */
@Component
@Interceptor
public class EnrolmentRulesInterceptor implements FhirInterceptor {

  private final DaoRegistry daos;
  private final EnrolmentGuard guard;

  EnrolmentRulesInterceptor(DaoRegistry daos, EnrolmentGuard guard) {
    this.daos = daos;
    this.guard = guard;
  }

  /** Public: HAPI invokes hooks reflectively. */
  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    if (resource instanceof ResearchSubject subject && enrolled(subject)) {
      check(subject);
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource oldResource, IBaseResource newResource) {
    if (oldResource instanceof ResearchSubject before
        && newResource instanceof ResearchSubject after
        && enrolled(after)
        && (!enrolled(before)
            || !Objects.equals(before.getStudy().getReference(), after.getStudy().getReference())
            || !Objects.equals(
                before.getIndividual().getReference(), after.getIndividual().getReference()))) {
      check(after);
    }
  }

  private void check(ResearchSubject subject) {
    if (!subject.getStudy().hasReference() || !subject.getIndividual().hasReference()) {
      return; // the profile and HAPI's reference checks answer for those
    }
    ResearchStudy study;
    try {
      study =
          daos.getResourceDao(ResearchStudy.class)
              .read(
                  new IdType(subject.getStudy().getReference()).toUnqualifiedVersionless(),
                  new SystemRequestDetails());
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return; // referential integrity refuses the write with its own message
    }
    String patient =
        new IdType(subject.getIndividual().getReference()).toUnqualifiedVersionless().getValue();
    String self = subject.getIdElement().getIdPart();
    guard.lock(study);
    guard.refuseDuplicate(study, patient, self);
    guard.refuseWhenFull(study, self);
  }

  private static boolean enrolled(ResearchSubject subject) {
    return subject.getStatus() != null
        && SubjectStatusTransitions.ENROLLED.contains(subject.getStatus().toCode());
  }
}
