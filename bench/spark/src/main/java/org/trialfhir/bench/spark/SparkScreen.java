package org.trialfhir.bench.spark;

import au.csiro.pathling.library.PathlingContext;
import au.csiro.pathling.library.io.source.QueryableDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A benchmark, not a test: the projection's ViewDefinitions, unchanged, run by Pathling on a local
 * Spark over a Bulk-export-shaped NDJSON directory, then the set-based criteria of a study as Spark
 * SQL over the views' rows. Prints what it read, each view's rows and time, the criterion query's
 * time, the funnel and the total.
 *
 * <pre>
 * SparkScreen --data DIR --profiles fhir-profiles --study nct06407297 --date 2026-06-15
 *             [--master local[2]] [--partitions 4] [--survivors FILE] [--debug-sql QUERY]
 * </pre>
 */
public final class SparkScreen {

  private static final String[] VIEWS = {"patient", "condition", "observation"};

  private SparkScreen() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> opts = options(args);
    long start = System.nanoTime();
    Path profiles = Path.of(opts.getOrDefault("profiles", "fhir-profiles"));
    String date = opts.getOrDefault("date", "2026-06-15");
    Path work = Files.createTempDirectory("trialfhir-spark-views");
    Criteria criteria = Criteria.of(profiles, opts.getOrDefault("study", "nct06407297"), date);

    SparkSession spark =
        SparkSession.builder()
            .master(opts.getOrDefault("master", "local[2]"))
            .appName("trialfhir-spark-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", opts.getOrDefault("partitions", "4"))
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    PathlingContext pathling = PathlingContext.create(spark);
    double sparkUp = seconds(start);

    // Read and encode the NDJSON once into Parquet (Pathling's own encoding of the resources, as an
    // analytics pipeline keeps them), so each view's time below is the view's own; on disk
    // rather than Dataset.cache(), so a large export does not have to fit in the heap.
    long t = System.nanoTime();
    String encoded = work.resolve("resources").toUri().toString();
    pathling
        .read()
        .ndjson(opts.getOrDefault("data", "ndjson"))
        .write()
        .saveMode("overwrite")
        .parquet(encoded);
    QueryableDataSource data = pathling.read().parquet(encoded);
    Map<String, Long> read = new LinkedHashMap<>();
    long resources = 0;
    for (String type : new String[] {"Patient", "Condition", "Observation"}) {
      long n = data.read(type).count();
      read.put(type, n);
      resources += n;
    }
    double readSeconds = seconds(t);

    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%-34s %12s %10s", "step", "rows", "seconds"));
    lines.add(row("Spark + Pathling start", "", sparkUp));
    read.forEach((type, n) -> lines.add(row("read " + type + ".ndjson", String.valueOf(n), -1)));
    lines.add(row("NDJSON -> Parquet (Pathling encoding)", String.valueOf(resources), readSeconds));
    for (String view : VIEWS) {
      String json =
          Adaptations.apply(Files.readString(profiles.resolve("views").resolve(view + ".json")));
      String resource = view.substring(0, 1).toUpperCase(Locale.ROOT) + view.substring(1);
      t = System.nanoTime();
      // Each view is evaluated over every resource (Spark's no-op sink computes every column of
      // every row and keeps nothing) and counted; the criteria then query the view itself, so
      // Spark evaluates the columns they read again. Neither Dataset.cache() nor a Parquet
      // write of Pathling 9.4.0's view output works: cached, its columns came back shifted (a
      // boolean read as a string, no code matched); written, Spark's optimizer failed with
      // "The length of provided names doesn't match the length of output attributes".
      Dataset<Row> rows = data.view(resource).json(json).execute();
      rows.write().format("noop").mode("overwrite").save();
      long n = rows.count();
      rows.createOrReplaceTempView(view);
      lines.add(row("view trialfhir_" + view, String.valueOf(n), seconds(t)));
    }

    if (opts.containsKey("debug-sql")) {
      spark.sql(opts.get("debug-sql")).show(50, false);
    }
    t = System.nanoTime();
    Funnel funnel = Funnel.run(spark, criteria);
    double criterionSeconds = seconds(t);
    lines.add(
        row("criterion query (Spark SQL)", String.valueOf(funnel.population()), criterionSeconds));
    double total = seconds(start);
    lines.forEach(System.out::println);
    System.out.println();
    Adaptations.describe().forEach(System.out::println);
    System.out.println();
    System.out.println("funnel for " + criteria.study() + " on " + date + ":");
    funnel.steps().forEach((name, n) -> System.out.printf(Locale.ROOT, "  %-58s %10d%n", name, n));
    System.out.println();
    double busy = total - sparkUp;
    System.out.printf(
        Locale.ROOT,
        "total wall time %.1f s (%.1f s without Spark's start); %d resources, %.0f resources/s"
            + " (views and criteria, start excluded)%n",
        total,
        busy,
        resources,
        resources / busy);
    if (opts.containsKey("survivors")) {
      Files.write(Path.of(opts.get("survivors")), funnel.survivors());
    }
    spark.stop();
    try (var files = Files.walk(work)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static String row(String step, String rows, double secs) {
    return String.format(
        Locale.ROOT,
        "%-34s %12s %10s",
        step,
        rows,
        secs < 0 ? "" : String.format(Locale.ROOT, "%.2f", secs));
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    return opts;
  }
}
