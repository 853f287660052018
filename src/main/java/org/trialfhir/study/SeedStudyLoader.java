package org.trialfhir.study;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.trialfhir.profiles.ProjectPackage;

/**
 * Loads the seed trials from the package's examples: the studies and what describes them, never the
 * example patients or labs. One transaction of PUTs by fixed id, so it is all-or-nothing and
 * idempotent: a restart, or a second instance on the same database, stores no duplicate and, when
 * nothing changed, no new version. Runs after the package is installed (the studies claim its
 * profiles and are validated on the way in).
 */
@Component
@Order(1)
class SeedStudyLoader implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(SeedStudyLoader.class);
  static final Set<String> STUDY_DESCRIPTION_TYPES =
      Set.of(
          "ResearchStudy", "Group", "Organization", "Location", "Practitioner", "PractitionerRole");

  private final SeedProperties properties;
  private final FhirContext fhirContext;
  private final IFhirSystemDao<Bundle, ?> systemDao;

  SeedStudyLoader(
      SeedProperties properties, FhirContext fhirContext, IFhirSystemDao<Bundle, ?> systemDao) {
    this.properties = properties;
    this.fhirContext = fhirContext;
    this.systemDao = systemDao;
  }

  @Override
  public void run(ApplicationArguments args) {
    if (!properties.enabled()) {
      log.info("Seed trials not loaded (trialfhir.seed.enabled=false)");
      return;
    }
    Bundle transaction = seedTransaction();
    Bundle response = systemDao.transaction(null, transaction);
    long written =
        response.getEntry().stream()
            .filter(e -> e.getResponse().getStatus().startsWith("201"))
            .count();
    log.info("Seed trials: {} resources checked, {} created", response.getEntry().size(), written);
  }

  Bundle seedTransaction() {
    Bundle bundle = new Bundle().setType(BundleType.TRANSACTION);
    for (String json : new ProjectPackage().examples()) {
      IBaseResource parsed = fhirContext.newJsonParser().parseResource(json);
      if (STUDY_DESCRIPTION_TYPES.contains(parsed.fhirType())) {
        Resource resource = (Resource) parsed;
        String url = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
        bundle.addEntry().setResource(resource).getRequest().setMethod(HTTPVerb.PUT).setUrl(url);
      }
    }
    return bundle;
  }
}
