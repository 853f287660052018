package org.trialfhir.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.StrictErrorHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.hl7.fhir.r4.model.MetadataResource;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/** The package's files are well-formed R4 and follow its naming rules. */
class ProjectPackageTest {

  private static final FhirContext R4 = FhirContext.forR4Cached();

  @Test
  void everyConformanceResourceParsesStrictlyAndLivesAtItsCanonicalUrl() throws IOException {
    var parser = R4.newJsonParser().setParserErrorHandler(new StrictErrorHandler());
    Resource[] files =
        new PathMatchingResourcePatternResolver().getResources("classpath:fhir-profiles/*-*.json");
    assertThat(files).hasSizeGreaterThan(80);
    for (Resource file : files) {
      try (InputStream in = file.getInputStream()) {
        MetadataResource resource = (MetadataResource) parser.parseResource(in);
        String expectedFile = resource.fhirType() + "-" + resource.getIdPart() + ".json";
        assertThat(file.getFilename())
            .as("file name of " + resource.getUrl())
            .isEqualTo(expectedFile);
        if (resource.getUrl().startsWith("http://trialfhir.org/fhir/")) {
          assertThat(resource.getUrl())
              .isEqualTo(
                  "http://trialfhir.org/fhir/" + resource.fhirType() + "/" + resource.getIdPart());
        }
        assertThat(resource.getVersion()).as(resource.getUrl()).isEqualTo("0.1.0");
      }
    }
  }

  @Test
  void examplesParseStrictly() {
    var parser = R4.newJsonParser().setParserErrorHandler(new StrictErrorHandler());
    List<String> examples = new ProjectPackage().examples();
    assertThat(examples).hasSizeGreaterThan(15);
    examples.forEach(parser::parseResource);
  }

  @Test
  void tarballIsAnNpmPackageWithTheInstallVersion() throws IOException {
    ProjectPackage pkg = new ProjectPackage();
    String version = pkg.installVersion();
    assertThat(pkg.name()).isEqualTo("trialfhir.profiles");
    assertThat(pkg.canonical())
        .as("the canonical base the conformance guard reserves")
        .isEqualTo(ProjectPackage.CANONICAL_BASE);
    assertThat(version).matches("0\\.1\\.0-h[0-9a-f]{12}");
    assertThat(pkg.installVersion()).as("stable for unchanged content").isEqualTo(version);

    List<String> names = new ArrayList<>();
    String manifest = null;
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(
            new GZIPInputStream(new java.io.ByteArrayInputStream(pkg.tarball(version))))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        names.add(entry.getName());
        if (entry.getName().equals("package/package.json")) {
          manifest = new String(tar.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    assertThat(names)
        .contains("package/package.json", "package/StructureDefinition-trial-research-study.json");
    assertThat(names).noneMatch(n -> n.contains("example"));
    assertThat(manifest).contains("\"version\":\"" + version + "\"");
  }
}
