package org.trialfhir.profiles;

import ca.uhn.fhir.jpa.packages.IHapiPackageCacheManager;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.packages.PackageInstallOutcomeJson;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.trialfhir.server.ServingHealthIndicator;

/**
 * Installs the project's FHIR package at start-up, offline: from the jar, never from a package
 * registry. Readiness (server/ServingHealthIndicator) stays down until it has run, so a load
 * balancer sends no request before profiles, ValueSets and SearchParameters are in place.
 * Installing an unchanged package again writes nothing new.
 */
@Component
@Order(PackageInstaller.ORDER)
class PackageInstaller implements ApplicationRunner {

  static final int ORDER = 0;
  private static final Logger log = LoggerFactory.getLogger(PackageInstaller.class);
  private static final List<String> INSTALLED_TYPES =
      List.of(
          "CodeSystem",
          "ValueSet",
          "StructureDefinition",
          "SearchParameter",
          "OperationDefinition");

  /** Set while this thread installs the package: its resources come from the jar, not a client. */
  private static final ThreadLocal<Boolean> INSTALLING = ThreadLocal.withInitial(() -> false);

  private final IPackageInstallerSvc installer;
  private final IHapiPackageCacheManager packageCache;
  private final ISearchParamRegistry searchParamRegistry;
  private final ServingHealthIndicator readiness;

  PackageInstaller(
      IPackageInstallerSvc installer,
      IHapiPackageCacheManager packageCache,
      ISearchParamRegistry searchParamRegistry,
      ServingHealthIndicator readiness) {
    this.installer = installer;
    this.packageCache = packageCache;
    this.searchParamRegistry = searchParamRegistry;
    this.readiness = readiness;
  }

  /**
   * Whether the current thread is installing the project's package. Its conformance resources are
   * checked when the package is built (ProjectPackageTest, ProfilesIT), not one by one on every
   * install, where the validator would need the snapshots it is about to install.
   */
  static boolean installing() {
    return INSTALLING.get();
  }

  /** HAPI would parse and index the whole package again just to find it installed. */
  private boolean alreadyInstalled(String name, String version) {
    try {
      return packageCache.loadPackageContents(name, version) != null;
    } catch (ResourceNotFoundException notYet) {
      return false;
    }
  }

  @Override
  public void run(ApplicationArguments args) {
    long start = System.nanoTime();
    ProjectPackage projectPackage = new ProjectPackage();
    String name = projectPackage.name();
    String version = projectPackage.installVersion();
    if (alreadyInstalled(name, version)) {
      log.info("FHIR package {}#{} is installed already", name, version);
      readiness.packageInstalled(name + "#" + version);
      return;
    }
    PackageInstallationSpec spec =
        new PackageInstallationSpec()
            .setName(name)
            .setVersion(version)
            .setInstallMode(PackageInstallationSpec.InstallModeEnum.STORE_AND_INSTALL)
            .setFetchDependencies(false)
            .setPackageContents(projectPackage.tarball(version));
    spec.setInstallResourceTypes(INSTALLED_TYPES);
    // The version carries a content hash: an unchanged package is skipped, a changed one installed.
    spec.setReloadExisting(false);
    PackageInstallOutcomeJson outcome;
    INSTALLING.set(true);
    try {
      outcome = installer.install(spec);
    } finally {
      INSTALLING.remove();
    }
    // Make new SearchParameters count for the writes that follow (e.g. the seed studies).
    searchParamRegistry.forceRefresh();
    log.info(
        "Installed FHIR package {}#{} in {} ms: {}",
        name,
        version,
        (System.nanoTime() - start) / 1_000_000,
        outcome.getResourcesInstalled());
    readiness.packageInstalled(name + "#" + version);
  }
}
