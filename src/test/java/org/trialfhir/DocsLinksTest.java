package org.trialfhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation is the way into the project, so a page that moved or a heading that was renamed
 * must not leave a dead link: every relative link of README.md, the pages under docs/ and the
 * package's README resolves to a file (and an {@code #anchor} into a Markdown file to one of its
 * headings), and README links every page of docs/, so each is one click from the front door.
 */
class DocsLinksTest {

  /** {@code [text](target)} and {@code ![alt](target)}, with an optional title after the target. */
  private static final Pattern LINK =
      Pattern.compile(
          "!?\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\)");

  private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");

  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

  @Test
  void everyRelativeLinkResolves() {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      for (String target : links(page)) {
        String problem = problem(page, target);
        if (problem != null) {
          broken.add(page + ": " + target + " (" + problem + ")");
        }
      }
    }
    assertThat(broken).as("links that lead nowhere").isEmpty();
  }

  @Test
  void readmeLinksEveryPageOfDocs() throws IOException {
    Path readme = Path.of("README.md");
    Set<Path> linked = new HashSet<>();
    for (String target : links(readme)) {
      if (!SCHEME.matcher(target).find() && !target.startsWith("#")) {
        linked.add(resolve(readme, fileOf(target)));
      }
    }
    List<Path> unlinked;
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      unlinked =
          docs.filter(p -> p.toString().endsWith(".md"))
              .map(p -> p.toAbsolutePath().normalize())
              .filter(p -> !linked.contains(p))
              .map(p -> Path.of("").toAbsolutePath().relativize(p))
              .sorted()
              .toList();
    }
    assertThat(unlinked).as("pages of docs/ that README.md does not link").isEmpty();
  }

  @Test
  void headingsGetTheAnchorsGitHubGivesThem() {
    assertThat(anchors(List.of("# Security: SMART on FHIR tokens, roles", "## `$screen` (async)")))
        .containsExactlyInAnyOrder("security-smart-on-fhir-tokens-roles", "screen-async");
    assertThat(anchors(List.of("## Docker", "## Docker", "```", "## not a heading", "```")))
        .containsExactlyInAnyOrder("docker", "docker-1");
    assertThat(links("See [a](a.md#x), ![b](b.png \"t\") and `[c](c.md)`.\n```\n[d](d.md)\n```"))
        .containsExactly("a.md#x", "b.png");
  }

  /** README.md, every Markdown file under docs/, and the FHIR package's README. */
  private static List<Path> pages() {
    List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
    try (Stream<Path> docs = Files.walk(Path.of("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    pages.add(Path.of("fhir-profiles", "README.md"));
    return pages;
  }

  /** Why a link of the page leads nowhere, or null when it resolves. */
  private static String problem(Path page, String target) {
    if (SCHEME.matcher(target).find() || target.startsWith("//")) {
      return null; // a web address: not this repository's to check offline
    }
    String file = fileOf(target);
    int hash = target.indexOf('#');
    String anchor = hash < 0 ? null : decode(target.substring(hash + 1));
    Path resolved = file.isEmpty() ? page.toAbsolutePath().normalize() : resolve(page, file);
    if (!Files.exists(resolved)) {
      return "no such file";
    }
    if (anchor != null && resolved.toString().endsWith(".md")) {
      if (!anchors(lines(resolved)).contains(anchor)) {
        return "no such heading";
      }
    }
    return null;
  }

  private static String fileOf(String target) {
    int hash = target.indexOf('#');
    String file = hash < 0 ? target : target.substring(0, hash);
    int query = file.indexOf('?');
    return decode(query < 0 ? file : file.substring(0, query));
  }

  private static Path resolve(Path page, String file) {
    Path dir = page.toAbsolutePath().getParent();
    return dir.resolve(file).normalize();
  }

  private static String decode(String text) {
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static List<String> links(Path page) {
    return links(String.join("\n", lines(page)));
  }

  /** The targets of the links in Markdown text, leaving out code blocks and code spans. */
  static List<String> links(String markdown) {
    List<String> targets = new ArrayList<>();
    boolean inFence = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.stripLeading().startsWith("```")) {
        inFence = !inFence;
        continue;
      }
      if (inFence) {
        continue;
      }
      Matcher link = LINK.matcher(line.replaceAll("`[^`]*`", ""));
      while (link.find()) {
        targets.add(link.group(1));
      }
    }
    return targets;
  }

  /** The anchors GitHub gives a page's headings (duplicates numbered from -1 on). */
  static Set<String> anchors(List<String> lines) {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean inFence = false;
    for (String line : lines) {
      if (line.stripLeading().startsWith("```")) {
        inFence = !inFence;
        continue;
      }
      Matcher heading = HEADING.matcher(line);
      if (inFence || !heading.matches()) {
        continue;
      }
      String slug = slug(heading.group(2));
      int count = seen.merge(slug, 1, Integer::sum);
      anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
    }
    return anchors;
  }

  /**
   * GitHub's rule: the heading's text (link targets dropped), lower case, without punctuation but
   * for hyphens and underscores, spaces as hyphens.
   */
  private static String slug(String heading) {
    String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
    StringBuilder slug = new StringBuilder();
    text.codePoints()
        .forEach(
            c -> {
              if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                slug.appendCodePoint(c);
              } else if (c == ' ') {
                slug.append('-');
              }
            });
    return slug.toString();
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
