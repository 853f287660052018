package org.trialfhir.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.trialfhir.security.BlindingInterceptor;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.SecurityProperties;
import org.trialfhir.security.SmartAuthorizationInterceptor;
import org.trialfhir.server.FhirInterceptor;
import org.trialfhir.study.StudyDesign;

/**
 * FHIR Bulk Data {@code $export} is the registries' channel, and what it writes is always
 * de-identified and blinded ({@link Deidentifier}): each export gets its own pseudonym key, only
 * the exportable types, and output files readable only by the client that asked for them.
 */
@Component
@Interceptor
class RegistryExportInterceptor implements FhirInterceptor {

  static final String KEY = "trialfhir.pseudonym-key";
  private static final Logger log = LoggerFactory.getLogger(RegistryExportInterceptor.class);

  private final FhirContext fhir;
  private final DaoRegistry daos;
  private final SecurityProperties security;
  private final SecureRandom random = new SecureRandom();

  RegistryExportInterceptor(FhirContext fhir, DaoRegistry daos, SecurityProperties security) {
    this.fhir = fhir;
    this.daos = daos;
    this.security = security;
  }

  @Hook(Pointcut.STORAGE_INITIATE_BULK_EXPORT)
  public void initiate(RequestDetails request, BulkExportJobParameters parameters) {
    // Filters run on the identifiable data before de-identification: a _typeFilter on a name or
    // an MRN, a chosen patient or Group would single out a known person's pseudonymous record.
    if (!parameters.getFilters().isEmpty() || !parameters.getPostFetchFilterUrls().isEmpty()) {
      throw new InvalidRequestException(
          "_typeFilter is not offered: a de-identified export covers all patients");
    }
    if (parameters.getExportStyle() == BulkExportJobParameters.ExportStyle.GROUP
        || (parameters.getPatientIds() != null && !parameters.getPatientIds().isEmpty())) {
      throw new InvalidRequestException(
          "Exports of chosen patients or Groups are not offered: a de-identified export covers"
              + " all patients (GET [base]/$export or [base]/Patient/$export)");
    }
    // HAPI has filled in every type when the client named none: keep those a registry receives.
    List<String> kept =
        parameters.getResourceTypes() == null
            ? List.of()
            : parameters.getResourceTypes().stream()
                .filter(Deidentifier.exportableTypes()::contains)
                .toList();
    if (kept.isEmpty()) {
      throw new InvalidRequestException(
          "None of _type "
              + parameters.getResourceTypes()
              + " can be exported; a de-identified export holds "
              + Deidentifier.exportableTypes().stream().sorted().toList());
    }
    parameters.setResourceTypes(new ArrayList<>(kept));
    byte[] key = new byte[32];
    random.nextBytes(key);
    parameters.setUserData(KEY, Base64.getEncoder().encodeToString(key));
    String client = CurrentCaller.clientId(security);
    if (client != null) {
      // HAPI stamps the output Binaries with this; only the same client may read them.
      parameters.setBinarySecurityContextIdentifierSystem(
          SmartAuthorizationInterceptor.EXPORT_CLIENT_SYSTEM);
      parameters.setBinarySecurityContextIdentifierValue(client);
    }
  }

  @Hook(Pointcut.STORAGE_BULK_EXPORT_RESOURCE_INCLUSION)
  public boolean include(BulkExportJobParameters parameters, IBaseResource resource) {
    Object key = parameters.getUserData().get(KEY);
    if (!(key instanceof String encoded) || !(resource instanceof Resource r4)) {
      log.warn("Bulk export without a pseudonym key (not started through $export): nothing kept");
      return false;
    }
    Deidentifier deidentifier =
        new Deidentifier(
            fhir,
            Base64.getDecoder().decode(encoded),
            subject -> StudyDesign.masked(subject, daos));
    boolean allocation =
        r4.getMeta().getSecurity(BlindingInterceptor.LABEL_SYSTEM, BlindingInterceptor.LABEL_CODE)
            != null;
    return deidentifier.apply(r4, allocation);
  }
}
