package org.trialfhir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point: the trialfhir FHIR R4 server for clinical trials. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TrialFhirApplication {

  public static void main(String[] args) {
    SpringApplication.run(TrialFhirApplication.class, args);
  }
}
