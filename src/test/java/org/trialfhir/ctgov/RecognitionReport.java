package org.trialfhir.ctgov;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;

/**
 * How much of a set of registry records' criterion text the importer makes computable: maps every
 * {@code *.json} record of a directory as {@code $import-ctgov} does, and prints (markdown) the
 * share of text criteria made computable, per kind, for all records and for the type 1 diabetes
 * trials, then every machine-derived criterion beside the words it came from, to be checked by
 * reading. Run with {@code bench/recognition.sh DIRECTORY}.
 */
public final class RecognitionReport {

  static final String SD = CriterionFactory.BASE + "StructureDefinition/";
  private static final Pattern T1D =
      Pattern.compile(
          "type\\s*1\\s*diabet|\\bT1DM?\\b|diabetes mellitus, type 1", Pattern.CASE_INSENSITIVE);

  /** One text criterion of one record, as mapped. */
  record Row(String nct, boolean t1d, GroupCharacteristicComponent criterion, Group group) {
    String kind() {
      return RecognitionReport.kind(criterion);
    }

    boolean computable() {
      return !kind().equals("manual-review");
    }

    /** Computable, with a part a person judges (the remainder, or a manual alternative). */
    boolean partial() {
      return computable()
          && (criterion.hasExtension(SD + "criterion-manual-review")
              || parts(group, criterion).stream()
                  .anyMatch(p -> RecognitionReport.kind(p).equals("manual-review")));
    }
  }

  private RecognitionReport() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1 || !Files.isDirectory(Path.of(args[0]))) {
      System.err.println("usage: RecognitionReport DIRECTORY-OF-CTGOV-JSON-RECORDS [--unread]");
      System.exit(2);
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    List<Row> rows = rows(Path.of(args[0]));
    print(rows, out);
    if (args.length > 1 && args[1].equals("--unread")) {
      out.println();
      out.println("Criteria of the type 1 diabetes trials left for a person:");
      out.println();
      rows.stream()
          .filter(r -> r.t1d() && !r.computable())
          .forEach(
              r ->
                  out.println(
                      "- "
                          + r.nct()
                          + " "
                          + r.criterion().getId()
                          + ": "
                          + description(r.criterion())));
    }
  }

  static List<Row> rows(Path directory) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Row> rows = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(directory)) {
      files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    for (Path file : files) {
      JsonNode record = json.readTree(file.toFile());
      String nct = CtgovStudyMapper.nctId(record);
      CtgovStudyMapper.Mapped mapped = new CtgovStudyMapper().map(record, nct.toLowerCase());
      boolean t1d =
          mapped.study().getCondition().stream().anyMatch(c -> T1D.matcher(c.getText()).find());
      for (GroupCharacteristicComponent c : mapped.eligibility().getCharacteristic()) {
        if (c.getId().matches("(inc|exc)-\\d+")) {
          rows.add(new Row(nct, t1d, c, mapped.eligibility()));
        }
      }
    }
    return rows;
  }

  static void print(List<Row> rows, PrintStream out) {
    out.println(
        "| records | text criteria | computable | of which with a part for a person | share computable |");
    out.println("|---|---|---|---|---|");
    summary("all", rows, out);
    summary("type 1 diabetes", rows.stream().filter(Row::t1d).toList(), out);
    out.println();
    out.println("| kind | all records | type 1 diabetes trials |");
    out.println("|---|---|---|");
    Map<String, int[]> kinds = new TreeMap<>();
    for (Row r : rows) {
      int[] n = kinds.computeIfAbsent(r.kind(), k -> new int[2]);
      n[0]++;
      if (r.t1d()) {
        n[1]++;
      }
    }
    kinds.forEach((k, n) -> out.println("| `" + k + "` | " + n[0] + " | " + n[1] + " |"));
    out.println();
    out.println("Every machine-derived criterion, with the words it came from:");
    out.println();
    for (Row r : rows) {
      if (!r.computable()) {
        continue;
      }
      out.println(
          "- **"
              + r.nct()
              + " "
              + r.criterion().getId()
              + "** ("
              + (r.criterion().getExclude() ? "exclusion" : "inclusion")
              + ") "
              + form(r.group(), r.criterion())
              + (r.criterion().hasExtension(SD + "criterion-manual-review")
                  ? "; the rest for a person"
                  : "")
              + "  \n  \""
              + description(r.criterion())
              + "\"");
    }
  }

  private static void summary(String name, List<Row> rows, PrintStream out) {
    long records = rows.stream().map(Row::nct).distinct().count();
    long computable = rows.stream().filter(Row::computable).count();
    long partial = rows.stream().filter(Row::partial).count();
    out.printf(
        "| %s: %d | %d | %d | %d | %.1f %% |%n",
        name,
        records,
        rows.size(),
        computable,
        partial,
        rows.isEmpty() ? 0.0 : 100.0 * computable / rows.size());
  }

  /** The computable form in a few words: kind, ValueSet, threshold or window. */
  static String form(Group group, GroupCharacteristicComponent c) {
    String kind = kind(c);
    if (kind.equals("any-of")) {
      List<String> parts = parts(group, c).stream().map(p -> form(group, p)).toList();
      return "any of [" + String.join("; ", parts) + "]";
    }
    if (kind.equals("manual-review")) {
      return "`manual-review`";
    }
    StringBuilder s = new StringBuilder("`" + kind + "`");
    if (c.hasExtension(SD + "criterion-valueset")) {
      String vs = c.getExtensionByUrl(SD + "criterion-valueset").getValue().primitiveValue();
      s.append(" ").append(vs.substring(vs.lastIndexOf('/') + 1));
    }
    String value = value(c.getValue());
    if (!value.isEmpty()) {
      s.append(" ").append(value);
    }
    return s.toString();
  }

  private static String value(Type value) {
    if (value instanceof Range r) {
      return (r.hasLow() ? show(r.getLow()) : "") + " to " + (r.hasHigh() ? show(r.getHigh()) : "");
    }
    if (value instanceof Quantity q) {
      return (q.hasComparator() ? q.getComparator().toCode() + " " : "within ") + show(q);
    }
    return "";
  }

  private static String show(Quantity q) {
    // A multiple of the upper limit of normal has the unit 1: show what it multiplies.
    return q.getValue().toPlainString()
        + " "
        + ("1".equals(q.getCode()) ? q.getUnit() : q.getCode());
  }

  static String kind(GroupCharacteristicComponent c) {
    return c.getCode().getCodingFirstRep().getCode();
  }

  static String description(GroupCharacteristicComponent c) {
    return c.getExtensionByUrl(SD + "criterion-description").getValue().primitiveValue();
  }

  static List<GroupCharacteristicComponent> parts(Group group, GroupCharacteristicComponent c) {
    if (!(c.getValue() instanceof Reference ref)) {
      return List.of();
    }
    String local = ref.getReference().substring(1);
    for (Resource r : group.getContained()) {
      if (r instanceof Group g && local.equals(g.getIdElement().getIdPart())) {
        return g.getCharacteristic();
      }
    }
    return List.of();
  }
}
