package org.trialfhir.profiles;

import org.hl7.fhir.utilities.http.ManagedWebAccess;
import org.hl7.fhir.utilities.http.ManagedWebAccess.WebAccessPolicy;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * Forbids the HL7 validation library any web access. Validating a StructureDefinition whose
 * extension context spans other FHIR versions makes the library fetch those versions' core packages
 * from the package and CI build servers; offline that fetch retried with one-second pauses for
 * every element, and a single POST of the R4 extension definitions held a request thread for
 * minutes. Everything the server validates against is installed locally (R4 core, our package), so
 * a fetch could only ever add latency or a dependency on the internet: with access prohibited the
 * library fails the fetch at once and reports what it could not check.
 */
@Component
class NoValidatorWebAccess implements InitializingBean {

  @Override
  public void afterPropertiesSet() {
    ManagedWebAccess.setAccessPolicy(WebAccessPolicy.PROHIBITED);
  }
}
