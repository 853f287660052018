package org.trialfhir.ctgov;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.Objects;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.springframework.stereotype.Component;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.SecurityProperties;
import org.trialfhir.server.FhirInterceptor;
import org.trialfhir.server.InternalSearch;

/**
 * The scheduled registry sync writes as the server, so what it imports must have been chosen by
 * someone entitled to import: only a caller with the registry role may start or stop following a
 * study ({@code registry-follow}), change the NCT identifier of a followed study, or give another
 * study the NCT identifier of a followed one (the sync would find it and write over it). Otherwise
 * any study writer could have the server import a registry record of their choosing over a study,
 * its eligibility Group and its sites. A storage rule, so transactions, PATCH and imports meet it
 * too; the server's own writes pass.
 */
@Component
@Interceptor
class RegistryFollowGuard implements FhirInterceptor {

  static final String ROLE = "registry";

  private final SecurityProperties security;
  private final DaoRegistry daos;

  RegistryFollowGuard(SecurityProperties security, DaoRegistry daos) {
    this.security = security;
    this.daos = daos;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    if (!(resource instanceof ResearchStudy study) || allowed(request)) {
      return;
    }
    if (CtgovSyncMarks.followed(study)) {
      refuse(study, "create a study followed by the registry sync (registry-follow)");
    }
    takesNoFollowedNctId(study);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource updated, RequestDetails request) {
    if (!(previous instanceof ResearchStudy before)
        || !(updated instanceof ResearchStudy after)
        || allowed(request)) {
      return;
    }
    boolean wasFollowed = CtgovSyncMarks.followed(before);
    boolean followed = CtgovSyncMarks.followed(after);
    boolean renamed = !Objects.equals(CtgovSyncMarks.nctId(before), CtgovSyncMarks.nctId(after));
    if (wasFollowed != followed) {
      refuse(
          after,
          (followed ? "start" : "stop")
              + " following a study by the registry sync (registry-follow)");
    }
    if (followed && renamed) {
      refuse(after, "change the NCT identifier of a study the registry sync follows");
    }
    if (renamed) {
      takesNoFollowedNctId(after);
    }
  }

  /**
   * The sync imports a followed study's record over the study found under its NCT id, so a second
   * study given that id could be written over (and followed) by the server.
   */
  private void takesNoFollowedNctId(ResearchStudy study) {
    String nct = CtgovSyncMarks.nctId(study);
    if (nct == null) {
      return;
    }
    String own = study.getIdElement().getIdPart();
    for (IBaseResource found :
        daos.getResourceDao(ResearchStudy.class)
            .search(
                InternalSearch.map("identifier", new TokenParam(CtgovStudyMapper.NCT_SYSTEM, nct)),
                new SystemRequestDetails())
            .getAllResources()) {
      String id = found.getIdElement().getIdPart();
      if (!id.equals(own) && CtgovSyncMarks.followed((ResearchStudy) found)) {
        refuse(
            study,
            "give a study the NCT identifier "
                + nct
                + " of ResearchStudy/"
                + id
                + ", which the registry sync follows");
      }
    }
  }

  private boolean allowed(RequestDetails request) {
    return request == null
        || request instanceof SystemRequestDetails
        || CurrentCaller.hasRole(security, ROLE);
  }

  private static void refuse(ResearchStudy study, String what) {
    String id = study.getIdElement().getIdPart();
    throw new ForbiddenOperationException(
        "Only a caller with the registry role may "
            + what
            + (id == null ? "" : " (ResearchStudy/" + id + ")")
            + ": the sync imports the registry's record over the study as the server");
  }
}
