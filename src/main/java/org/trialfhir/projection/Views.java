package org.trialfhir.projection;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The projection's views, read from {@code fhir-profiles/views/*.json} (next to the FHIR package,
 * not installed in it: R4 has no ViewDefinition resource type), keyed by the resource type each
 * reads, and the version of the projection they make: a hash of the files and of the tables' schema
 * release, so that a changed view is recomputed for every resource at start-up.
 */
final class Views {

  static final String LOCATION = "classpath:fhir-profiles/views/*.json";

  private final Map<String, View> byResource;
  private final String version;

  private Views(Map<String, View> byResource, String version) {
    this.byResource = byResource;
    this.version = version;
  }

  static Views load() {
    try {
      Resource[] files = new PathMatchingResourcePatternResolver().getResources(LOCATION);
      Arrays.sort(files, Comparator.comparing(Resource::getFilename));
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(ProjectionSchema.RELEASE.getBytes(StandardCharsets.UTF_8));
      Map<String, View> views = new LinkedHashMap<>();
      for (Resource file : files) {
        byte[] bytes;
        try (InputStream in = file.getInputStream()) {
          bytes = in.readAllBytes();
        }
        digest.update(bytes);
        View view = View.read(new java.io.ByteArrayInputStream(bytes));
        if (views.put(view.resource(), view) != null) {
          throw new IllegalStateException("Two projection views read " + view.resource());
        }
      }
      if (views.isEmpty()) {
        throw new IllegalStateException("No projection views at " + LOCATION);
      }
      String hash = HexFormat.of().formatHex(digest.digest()).substring(0, 16);
      return new Views(Map.copyOf(views), hash);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  Optional<View> forResource(String type) {
    return Optional.ofNullable(byResource.get(type));
  }

  View get(String type) {
    return forResource(type)
        .orElseThrow(() -> new IllegalStateException("No projection view reads " + type));
  }

  Iterable<View> all() {
    return byResource.values();
  }

  String version() {
    return version;
  }
}
