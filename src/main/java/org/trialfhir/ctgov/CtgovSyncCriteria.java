package org.trialfhir.ctgov;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;

/**
 * A new registry version of a study's criteria, merged with the criteria held (docs/registry-
 * import.md, "Curated criteria"). Criteria are matched by their registry text ({@code
 * criterion-description}) and side, not by position, since an inserted line shifts every position:
 *
 * <ul>
 *   <li>same text, curated (origin {@code authored}, none, or {@code confirmed}, or flagged
 *       before): kept exactly as held;
 *   <li>same text, not curated: the new reading of it, under the id held;
 *   <li>a curated criterion from the registry (id {@code inc-N}, {@code exc-N}, {@code registry-*})
 *       whose text is gone: flagged for review. It keeps its computable form and id and takes the
 *       new text that stands where its text stood (after the same unchanged criterion, else under
 *       the same id; if there is none it is marked removed); its origin becomes {@code
 *       machine-derived} (so it never excludes on its own) and extension {@code
 *       criterion-registry-change} keeps the text and origin it was curated with;
 *   <li>curated criteria under other ids were added by people and are kept; other criteria whose
 *       text is gone are dropped; new texts are added, under a fresh id if theirs is taken.
 * </ul>
 */
final class CtgovSyncCriteria {

  static final String CHANGE =
      CtgovStudyMapper.BASE + "StructureDefinition/criterion-registry-change";
  private static final String DESCRIPTION =
      CtgovStudyMapper.BASE + "StructureDefinition/criterion-description";
  private static final String ORIGIN =
      CtgovStudyMapper.BASE + "StructureDefinition/criterion-origin";
  private static final Pattern FROM_REGISTRY = Pattern.compile("^((inc|exc)-\\d+|registry-).*");
  private static final Pattern NUMBERED = Pattern.compile("^(inc|exc)-(\\d+)$");

  /** The merged Group and one sentence per criterion flagged for review. */
  record Merged(Group group, List<String> flagged) {}

  private CtgovSyncCriteria() {}

  /** True if no criterion of the Group came from the registry: people wrote it all (the seeds). */
  static boolean handWritten(Group group) {
    return group.getCharacteristic().stream()
        .noneMatch(
            c -> {
              String origin = origin(c);
              return origin != null && !"authored".equals(origin);
            });
  }

  static Merged merge(Group held, Group fresh) {
    List<GroupCharacteristicComponent> olds = held.getCharacteristic();
    List<GroupCharacteristicComponent> news = fresh.getCharacteristic();
    Set<GroupCharacteristicComponent> used = Collections.newSetFromMap(new IdentityHashMap<>());
    Map<GroupCharacteristicComponent, GroupCharacteristicComponent> pair = new IdentityHashMap<>();
    for (GroupCharacteristicComponent f : news) {
      for (GroupCharacteristicComponent h : olds) {
        if (!used.contains(h) && h.getExclude() == f.getExclude() && sameText(h, f)) {
          pair.put(f, h);
          used.add(h);
          break;
        }
      }
    }
    // A curated criterion whose text is gone was changed into the new text that stands where it
    // stood: after the same unchanged criterion (lines inserted or removed elsewhere do not
    // matter), else under the same id; if there is none, the registry removed it.
    Map<GroupCharacteristicComponent, GroupCharacteristicComponent> changedInto =
        new IdentityHashMap<>();
    List<GroupCharacteristicComponent> gone = new ArrayList<>();
    for (GroupCharacteristicComponent h : olds) {
      if (used.contains(h) || !curated(h) || !FROM_REGISTRY.matcher(h.getId()).matches()) {
        continue;
      }
      Object anchor = anchor(olds, h, c -> used.contains(c) ? c : null);
      GroupCharacteristicComponent into =
          news.stream()
              .filter(f -> !pair.containsKey(f) && !changedInto.containsKey(f))
              .filter(f -> f.getExclude() == h.getExclude())
              .filter(f -> anchor == anchor(news, f, pair::get))
              .findFirst()
              .or(
                  () ->
                      news.stream()
                          .filter(f -> !pair.containsKey(f) && !changedInto.containsKey(f))
                          .filter(f -> f.getExclude() == h.getExclude())
                          .filter(f -> h.getId().equals(f.getId()))
                          .findFirst())
              .orElse(null);
      if (into != null) {
        changedInto.put(into, h);
      } else {
        gone.add(h);
      }
    }

    // Each entry: the criterion to write, the Group its contained parts are in, the id they had.
    List<Entry> out = new ArrayList<>();
    List<String> flagged = new ArrayList<>();
    for (GroupCharacteristicComponent f : news) {
      GroupCharacteristicComponent h = pair.get(f);
      if (h != null) {
        if (curated(h)) {
          out.add(new Entry(h.copy(), held, h.getId(), true));
        } else {
          GroupCharacteristicComponent renewed = f.copy();
          renewed.setId(h.getId());
          out.add(new Entry(renewed, fresh, f.getId(), true));
        }
        continue;
      }
      GroupCharacteristicComponent changed = changedInto.get(f);
      if (changed != null) {
        out.add(new Entry(flag(changed, description(f), false), held, changed.getId(), true));
        flagged.add(
            changed.getId()
                + " was curated ("
                + curatedOrigin(changed)
                + ") but its registry text changed; it is flagged for review: \""
                + abbreviate(description(changed))
                + "\" is now \""
                + abbreviate(description(f))
                + "\"");
        continue;
      }
      out.add(new Entry(f.copy(), fresh, f.getId(), false));
    }
    for (GroupCharacteristicComponent h : gone) {
      out.add(new Entry(flag(h, description(h), true), held, h.getId(), true));
      flagged.add(
          h.getId()
              + " was curated ("
              + curatedOrigin(h)
              + ") but the registry no longer states its text; it is flagged for review: \""
              + abbreviate(description(h))
              + "\"");
    }
    for (GroupCharacteristicComponent h : held.getCharacteristic()) {
      if (!used.contains(h)
          && curated(h)
          && !FROM_REGISTRY.matcher(h.getId()).matches()
          && out.stream().noneMatch(e -> e.criterion.getId().equals(h.getId()))) {
        out.add(new Entry(h.copy(), held, h.getId(), true));
      }
    }
    freshIds(out);

    Group merged = fresh.copy();
    merged.setId(held.getIdElement().getIdPart());
    merged.getCharacteristic().clear();
    merged.getContained().clear();
    for (Entry e : out) {
      merged.addCharacteristic(e.criterion);
      copyParts(e, merged);
    }
    return new Merged(merged, flagged);
  }

  private static final Object START = new Object();

  /**
   * What {@code c} follows: the held criterion that {@code matched} gives for the nearest criterion
   * of the same side before it that has one, or {@link #START}.
   */
  private static Object anchor(
      List<GroupCharacteristicComponent> list,
      GroupCharacteristicComponent c,
      Function<GroupCharacteristicComponent, GroupCharacteristicComponent> matched) {
    for (int i = list.indexOf(c) - 1; i >= 0; i--) {
      GroupCharacteristicComponent before = list.get(i);
      if (before.getExclude() == c.getExclude() && matched.apply(before) != null) {
        return matched.apply(before);
      }
    }
    return START;
  }

  private static final class Entry {
    final GroupCharacteristicComponent criterion;
    final Group from;
    final String idInSource;
    final boolean fixedId;

    Entry(GroupCharacteristicComponent criterion, Group from, String idInSource, boolean fixedId) {
      this.criterion = criterion;
      this.from = from;
      this.idInSource = idInSource;
      this.fixedId = fixedId;
    }
  }

  /** New criteria whose positional id is held by a kept one get the next free number. */
  private static void freshIds(List<Entry> out) {
    Set<String> taken = new HashSet<>();
    out.stream().filter(e -> e.fixedId).forEach(e -> taken.add(e.criterion.getId()));
    Map<String, Integer> highest = new HashMap<>();
    for (Entry e : out) {
      Matcher m = NUMBERED.matcher(e.criterion.getId());
      if (m.matches()) {
        highest.merge(m.group(1), Integer.parseInt(m.group(2)), Math::max);
      }
    }
    for (Entry e : out) {
      if (e.fixedId) {
        continue;
      }
      String id = e.criterion.getId();
      if (taken.contains(id)) {
        String side = e.criterion.getExclude() ? "exc" : "inc";
        int next = highest.merge(side, 1, Integer::sum);
        id = side + "-" + next;
        e.criterion.setId(id);
      }
      taken.add(id);
    }
  }

  /**
   * Copies the contained resources the criterion refers to (e.g. an any-of's parts), renamed after
   * the criterion if its id changed, so that parts never point at another criterion's.
   */
  private static void copyParts(Entry e, Group merged) {
    String newId = e.criterion.getId();
    for (Reference reference : localReferences(e.criterion)) {
      String containedId = reference.getReference().substring(1);
      Resource part =
          e.from.getContained().stream()
              .filter(r -> containedId.equals(r.getIdElement().getIdPart()))
              .findFirst()
              .orElse(null);
      if (part == null) {
        continue;
      }
      String renamed =
          !newId.equals(e.idInSource) && containedId.startsWith(e.idInSource + "-")
              ? newId + containedId.substring(e.idInSource.length())
              : containedId;
      Resource copy = part.copy();
      copy.setId(renamed);
      reference.setReference("#" + renamed);
      if (merged.getContained().stream()
          .noneMatch(r -> renamed.equals(r.getIdElement().getIdPart()))) {
        merged.addContained(copy);
      }
    }
  }

  private static List<Reference> localReferences(GroupCharacteristicComponent c) {
    List<Reference> found = new ArrayList<>();
    if (c.getValue() instanceof Reference r
        && r.hasReference()
        && r.getReference().startsWith("#")) {
      found.add(r);
    }
    collect(c.getExtension(), found);
    return found;
  }

  private static void collect(List<Extension> extensions, List<Reference> found) {
    for (Extension e : extensions) {
      if (e.getValue() instanceof Reference r
          && r.hasReference()
          && r.getReference().startsWith("#")) {
        found.add(r);
      }
      collect(e.getExtension(), found);
    }
  }

  private static GroupCharacteristicComponent flag(
      GroupCharacteristicComponent held, String newText, boolean removed) {
    GroupCharacteristicComponent c = held.copy();
    if (c.getExtensionByUrl(CHANGE) == null) {
      // The first change since a person curated it: keep what they curated it against.
      Extension change = c.addExtension().setUrl(CHANGE);
      change.addExtension("previous-description", new StringType(description(held)));
      change.addExtension(
          "previous-origin", new CodeType(origin(held) == null ? "authored" : origin(held)));
    }
    Extension change = c.getExtensionByUrl(CHANGE);
    change.getExtension().removeIf(e -> "removed".equals(e.getUrl()));
    if (removed) {
      change.addExtension("removed", new BooleanType(true));
    }
    c.getExtensionByUrl(DESCRIPTION).setValue(new StringType(newText));
    if (c.hasCode()) {
      c.getCode().setText(newText);
    }
    c.getExtension().removeIf(e -> ORIGIN.equals(e.getUrl()));
    c.addExtension(ORIGIN, new CodeType("machine-derived"));
    return c;
  }

  /**
   * Authored (a criterion without an origin was written by people too) or confirmed by a person, or
   * flagged before and not yet seen by one.
   */
  static boolean curated(GroupCharacteristicComponent c) {
    String origin = origin(c);
    return origin == null
        || "authored".equals(origin)
        || "confirmed".equals(origin)
        || c.getExtensionByUrl(CHANGE) != null;
  }

  private static String curatedOrigin(GroupCharacteristicComponent c) {
    Extension change = c.getExtensionByUrl(CHANGE);
    if (change != null && change.getExtensionByUrl("previous-origin") != null) {
      return change.getExtensionByUrl("previous-origin").getValue().primitiveValue();
    }
    return origin(c);
  }

  private static String origin(GroupCharacteristicComponent c) {
    Extension origin = c.getExtensionByUrl(ORIGIN);
    return origin == null || origin.getValue() == null ? null : origin.getValue().primitiveValue();
  }

  static String description(GroupCharacteristicComponent c) {
    Extension d = c.getExtensionByUrl(DESCRIPTION);
    return d == null || d.getValue() == null ? "" : d.getValue().primitiveValue();
  }

  /** The same registry words, ignoring spacing and letter case the registry may re-flow. */
  private static boolean sameText(GroupCharacteristicComponent a, GroupCharacteristicComponent b) {
    return normal(description(a)).equals(normal(description(b)));
  }

  private static String normal(String text) {
    return text.strip().replaceAll("\\s+", " ").toLowerCase(java.util.Locale.ROOT);
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}
