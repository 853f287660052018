package org.trialfhir.watch;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;
import org.trialfhir.eligibility.RecordTypes;
import org.trialfhir.server.AfterCommit;
import org.trialfhir.server.FhirInterceptor;

/**
 * Notices each committed write of data that eligibility criteria read (a Patient, Condition,
 * Observation, Consent, AllergyIntolerance) and hands its patient to {@link Rescreening} once the
 * write's transaction has committed: a storage rule, so REST writes, transaction entries, {@code
 * $import} and every other writer are seen; after commit, so a write that rolls back starts nothing
 * and the request is never slowed by the evaluation.
 */
@Component
@Interceptor
@ConditionalOnProperty(name = "trialfhir.watch.enabled", matchIfMissing = true)
public class RecordWrites implements FhirInterceptor {

  private final Rescreening rescreening;

  RecordWrites(Rescreening rescreening) {
    this.rescreening = rescreening;
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    changed(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    changed(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    changed(resource);
  }

  private void changed(IBaseResource resource) {
    if (!"Patient".equals(resource.fhirType()) && !RecordTypes.READ.contains(resource.fhirType())) {
      return;
    }
    String patient = patientOf(resource);
    if (patient == null) {
      return;
    }
    AfterCommit.run(() -> rescreening.submit(patient));
  }

  static String patientOf(IBaseResource resource) {
    Reference reference =
        resource instanceof Patient p
            ? new Reference("Patient/" + p.getIdElement().getIdPart())
            : RecordTypes.subjectOf((Resource) resource);
    if (reference == null || !reference.hasReference()) {
      return null;
    }
    IdType id = new IdType(reference.getReference());
    return "Patient".equals(id.getResourceType()) && id.hasIdPart() && !id.isAbsolute()
        ? id.getIdPart()
        : null;
  }
}
