package org.trialfhir.profiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.jpa.packages.IHapiPackageCacheManager;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.packages.PackageInstallOutcomeJson;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.boot.DefaultApplicationArguments;
import org.trialfhir.server.ServingHealthIndicator;

/**
 * The package costs tens of seconds of start-up on a fresh database, so it is installed only when
 * this exact content is not installed yet: a restart with the same package skips the install, any
 * edited file (another content hash, another version) installs anew. Either way readiness learns
 * which package the node serves.
 */
class PackageInstallerTest {

  private final IPackageInstallerSvc installer = mock(IPackageInstallerSvc.class);
  private final IHapiPackageCacheManager cache = mock(IHapiPackageCacheManager.class);
  private final ISearchParamRegistry registry = mock(ISearchParamRegistry.class);
  private final ServingHealthIndicator readiness = mock(ServingHealthIndicator.class);
  private final ProjectPackage projectPackage = new ProjectPackage();
  private final String name = projectPackage.name();
  private final String version = projectPackage.installVersion();

  private void runInstaller() {
    new PackageInstaller(installer, cache, registry, readiness)
        .run(new DefaultApplicationArguments());
  }

  @Test
  void unchangedPackageIsNotInstalledAgain() {
    when(cache.loadPackageContents(name, version))
        .thenReturn(mock(IHapiPackageCacheManager.PackageContents.class));

    runInstaller();

    verify(installer, never()).install(any());
    verify(readiness).packageInstalled(name + "#" + version);
  }

  @Test
  void packageNotInstalledYetIsInstalledUnderItsContentHashThenItsSearchParametersRefreshed() {
    when(cache.loadPackageContents(anyString(), anyString()))
        .thenThrow(new ResourceNotFoundException("not installed"));
    when(installer.install(any())).thenReturn(new PackageInstallOutcomeJson());

    runInstaller();

    ArgumentCaptor<PackageInstallationSpec> spec =
        ArgumentCaptor.forClass(PackageInstallationSpec.class);
    verify(installer).install(spec.capture());
    assertThat(spec.getValue().getName()).isEqualTo(name).isEqualTo("trialfhir.profiles");
    assertThat(spec.getValue().getVersion()).isEqualTo(version).matches("0\\.1\\.0-h[0-9a-f]{12}");
    assertThat(spec.getValue().getPackageContents()).isNotEmpty();
    verify(registry).forceRefresh();
    verify(readiness).packageInstalled(name + "#" + version);
  }

  @Test
  void anEditedPackageIsInstalledAnewThoughAnOlderOneIsInstalled() {
    // Only another content hash is installed: looking up this version finds nothing.
    when(cache.loadPackageContents(eq(name), anyString()))
        .thenReturn(mock(IHapiPackageCacheManager.PackageContents.class));
    when(cache.loadPackageContents(name, version))
        .thenThrow(new ResourceNotFoundException("not installed"));
    when(installer.install(any())).thenReturn(new PackageInstallOutcomeJson());

    runInstaller();

    verify(installer).install(any());
    verify(readiness).packageInstalled(name + "#" + version);
  }

  @Test
  void theVersionOfUnchangedFilesIsTheSameOnEveryStartSoARestartFindsItInstalled() {
    assertThat(new ProjectPackage().installVersion()).isEqualTo(version);
  }
}
