package org.trialfhir.ctgov;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.Objects;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.springframework.stereotype.Component;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.SecurityProperties;
import org.trialfhir.server.FhirInterceptor;

/**
 * The scheduled registry sync writes as the server, so what it imports must have been chosen by
 * someone entitled to import: only a caller with the registry role may start or stop following a
 * study ({@code registry-follow}), or change the NCT identifier of a followed study. Otherwise any
 * study writer could have the server import a registry record of their choosing over a study, its
 * eligibility Group and its sites. A storage rule, so transactions, PATCH and imports meet it too;
 * the server's own writes pass.
 */
@Component
@Interceptor
class RegistryFollowGuard implements FhirInterceptor {

  static final String ROLE = "registry";

  private final SecurityProperties security;

  RegistryFollowGuard(SecurityProperties security) {
    this.security = security;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    if (resource instanceof ResearchStudy study && CtgovSyncMarks.followed(study)) {
      require(request, study, "create a study followed by the registry sync (registry-follow)");
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource updated, RequestDetails request) {
    if (!(previous instanceof ResearchStudy before) || !(updated instanceof ResearchStudy after)) {
      return;
    }
    boolean wasFollowed = CtgovSyncMarks.followed(before);
    boolean followed = CtgovSyncMarks.followed(after);
    if (wasFollowed != followed) {
      require(
          request,
          after,
          (followed ? "start" : "stop")
              + " following a study by the registry sync (registry-follow)");
    } else if (followed
        && !Objects.equals(CtgovSyncMarks.nctId(before), CtgovSyncMarks.nctId(after))) {
      require(request, after, "change the NCT identifier of a study the registry sync follows");
    }
  }

  private void require(RequestDetails request, ResearchStudy study, String what) {
    if (request == null
        || request instanceof SystemRequestDetails
        || CurrentCaller.hasRole(security, ROLE)) {
      return;
    }
    String id = study.getIdElement().getIdPart();
    throw new ForbiddenOperationException(
        "Only a caller with the registry role may "
            + what
            + (id == null ? "" : " (ResearchStudy/" + id + ")")
            + ": the sync imports the registry's record over the study as the server");
  }
}
