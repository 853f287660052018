package org.trialfhir.study;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.trialfhir.profiles.ProjectPackage;
import org.trialfhir.server.ServingHealthIndicator;

/**
 * Loads the seed trials from the package's examples: the studies and what describes them, never the
 * example patients or labs. Only what is not there yet is written, in one transaction of PUTs by
 * fixed id: all-or-nothing, never a duplicate (a second instance racing it writes the same ids),
 * and a seed study later updated by people or by a registry import is left as they made it. Runs
 * after the package is installed (the studies claim its profiles and are validated on the way in).
 */
@Component
@Order(1)
class SeedStudyLoader implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(SeedStudyLoader.class);
  static final Set<String> STUDY_DESCRIPTION_TYPES =
      Set.of(
          "ResearchStudy",
          "Group",
          "Organization",
          "Location",
          "Practitioner",
          "PractitionerRole",
          "PlanDefinition",
          "Measure");

  private final SeedProperties properties;
  private final FhirContext fhirContext;
  private final IFhirSystemDao<Bundle, ?> systemDao;
  private final DaoRegistry daos;
  private final ServingHealthIndicator readiness;

  SeedStudyLoader(
      SeedProperties properties,
      FhirContext fhirContext,
      IFhirSystemDao<Bundle, ?> systemDao,
      DaoRegistry daos,
      ServingHealthIndicator readiness) {
    this.properties = properties;
    this.fhirContext = fhirContext;
    this.systemDao = systemDao;
    this.daos = daos;
    this.readiness = readiness;
  }

  @Override
  public void run(ApplicationArguments args) {
    if (!properties.enabled()) {
      log.info("Seed trials not loaded (trialfhir.seed.enabled=false)");
      readiness.seedDisabled();
      return;
    }
    Bundle transaction = seedTransaction();
    if (transaction.getEntry().isEmpty()) {
      log.info("Seed trials: all present");
    } else {
      systemDao.transaction(new SystemRequestDetails(), transaction);
      log.info("Seed trials: {} resources created", transaction.getEntry().size());
    }
    readiness.seedLoaded(seedStudies());
  }

  /** The seed ResearchStudies, as {@code ResearchStudy/[id]}, for the readiness report. */
  private List<String> seedStudies() {
    List<String> studies = new ArrayList<>();
    for (String json : new ProjectPackage().examples()) {
      IBaseResource parsed = fhirContext.newJsonParser().parseResource(json);
      if ("ResearchStudy".equals(parsed.fhirType())) {
        studies.add("ResearchStudy/" + parsed.getIdElement().getIdPart());
      }
    }
    return studies;
  }

  private boolean exists(String url) {
    try {
      daos.getResourceDao(url.substring(0, url.indexOf('/')))
          .read(new IdType(url), new SystemRequestDetails());
      return true;
    } catch (ResourceNotFoundException notYet) {
      return false;
    } catch (ResourceGoneException deletedOnPurpose) {
      return true;
    }
  }

  Bundle seedTransaction() {
    Bundle bundle = new Bundle().setType(BundleType.TRANSACTION);
    for (String json : new ProjectPackage().examples()) {
      IBaseResource parsed = fhirContext.newJsonParser().parseResource(json);
      if (STUDY_DESCRIPTION_TYPES.contains(parsed.fhirType())) {
        Resource resource = (Resource) parsed;
        String url = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
        if (exists(url)) {
          continue;
        }
        bundle.addEntry().setResource(resource).getRequest().setMethod(HTTPVerb.PUT).setUrl(url);
      }
    }
    return bundle;
  }
}
