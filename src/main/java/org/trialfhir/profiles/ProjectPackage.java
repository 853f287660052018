package org.trialfhir.profiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The project's FHIR package ({@code fhir-profiles/} in the repository, {@code classpath:
 * fhir-profiles/} at run time). Conformance resources are packed into an NPM tarball for HAPI's
 * package installer; examples are read one by one.
 */
public final class ProjectPackage {

  static final String ROOT = "fhir-profiles/";

  /** The canonical base of the package's conformance resources (package.json's "canonical"). */
  public static final String CANONICAL_BASE = "http://trialfhir.org/fhir";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final PathMatchingResourcePatternResolver resolver =
      new PathMatchingResourcePatternResolver(ProjectPackage.class.getClassLoader());

  /**
   * The package as a FHIR NPM tarball: every top-level file, with {@code installVersion} written
   * into its package.json.
   */
  byte[] tarball(String installVersion) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      for (Resource file : files("*.json")) {
        byte[] content =
            "package.json".equals(file.getFilename())
                ? withVersion(read(file), installVersion)
                : read(file);
        TarArchiveEntry entry = new TarArchiveEntry("package/" + file.getFilename());
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not pack the project's FHIR package", e);
    }
    return bytes.toByteArray();
  }

  /** The package's canonical base, from its package.json. */
  String canonical() {
    return manifest().path("canonical").asText();
  }

  /** The package's name, from its package.json. */
  String name() {
    return manifest().path("name").asText();
  }

  /**
   * The version to install: package.json's version plus a hash of the package's files, so that an
   * unchanged package is recognised as installed and any edited file installs anew.
   */
  String installVersion() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Resource file : files("*.json")) {
        digest.update(file.getFilename().getBytes(StandardCharsets.UTF_8));
        digest.update(read(file));
      }
      String hash = HexFormat.of().formatHex(digest.digest()).substring(0, 12);
      return manifest().path("version").asText() + "-h" + hash;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode manifest() {
    try {
      return JSON.readTree(read(files("package.json").get(0)));
    } catch (IOException e) {
      throw new UncheckedIOException("fhir-profiles/package.json is not valid JSON", e);
    }
  }

  private static byte[] withVersion(byte[] packageJson, String version) throws IOException {
    ObjectNode manifest = (ObjectNode) JSON.readTree(packageJson);
    manifest.put("version", version);
    return JSON.writeValueAsBytes(manifest);
  }

  /** The example resources, as JSON texts, in file-name order. */
  public List<String> examples() {
    List<String> texts = new ArrayList<>();
    for (Resource file : files("example/*.json")) {
      texts.add(new String(read(file), StandardCharsets.UTF_8));
    }
    return texts;
  }

  private List<Resource> files(String pattern) {
    try {
      List<Resource> found =
          new ArrayList<>(List.of(resolver.getResources("classpath:" + ROOT + pattern)));
      found.sort(Comparator.comparing(Resource::getFilename));
      if (found.isEmpty()) {
        throw new IllegalStateException("No " + ROOT + pattern + " on the classpath");
      }
      return found;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] read(Resource file) {
    try (InputStream in = file.getInputStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + file.getDescription(), e);
    }
  }
}
