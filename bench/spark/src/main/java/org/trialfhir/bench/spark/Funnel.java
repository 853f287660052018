package org.trialfhir.bench.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The set-based criteria as Spark SQL over the views' rows (temp views patient, condition,
 * observation), in the order the server's set-based step applies them: age and sex on the Patient
 * (a birth date known to the month or year is an interval, ruled out only when all of it lies
 * outside; no birth date or gender is never ruled out), then each required diagnosis (a counted
 * Condition: coded in the ValueSet, first verification code not refuted or entered-in-error). The
 * survivors are the patients the server's set-based step keeps. A lab threshold follows, which the
 * server leaves to the full evaluation: the most recent final, amended or corrected value with that
 * unit code and a day-precise date in the look-back window decides.
 */
record Funnel(long population, Map<String, Long> steps, List<String> survivors) {

  static Funnel run(SparkSession spark, Criteria c) {
    String d = "DATE " + Criteria.literal(c.date());
    Map<String, Long> steps = new LinkedHashMap<>();
    // Completed years at the date, as java.time's YEARS.between (29 February included).
    String years =
        "(year(%1$s) - year(%2$s) - CASE WHEN month(%1$s) * 100 + day(%1$s)"
            + " < month(%2$s) * 100 + day(%2$s) THEN 1 ELSE 0 END)";
    spark
        .sql(
            "SELECT id AS patient, gender, b,"
                + " CASE length(b) WHEN 4 THEN make_date(int(b), 1, 1)"
                + "  WHEN 7 THEN make_date(int(substr(b, 1, 4)), int(substr(b, 6, 2)), 1)"
                + "  ELSE to_date(substr(b, 1, 10)) END AS earliest,"
                + " CASE length(b) WHEN 4 THEN make_date(int(b), 12, 31)"
                + "  WHEN 7 THEN last_day(make_date(int(substr(b, 1, 4)), int(substr(b, 6, 2)), 1))"
                + "  ELSE to_date(substr(b, 1, 10)) END AS latest"
                + " FROM (SELECT id, gender, CAST(birth_date AS STRING) AS b FROM patient)")
        .createOrReplaceTempView("births");
    List<String> fails = new ArrayList<>();
    if (c.ageLow() != null) {
      fails.add(String.format(years, d, "earliest") + " < " + c.ageLow());
    }
    if (c.ageHigh() != null) {
      fails.add(String.format(years, d, "latest") + " > " + c.ageHigh());
    }
    String demographic =
        fails.isEmpty() ? "false" : "(b IS NOT NULL AND (" + String.join(" OR ", fails) + "))";
    if (!"all".equals(c.sex())) {
      demographic +=
          " OR (gender IS NOT NULL AND gender <> 'unknown' AND gender <> "
              + Criteria.literal(c.sex())
              + ")";
    }
    String survivors = "SELECT patient FROM births WHERE NOT (" + demographic + ")";
    long population = spark.sql("SELECT count(*) FROM births").first().getLong(0);
    steps.put("population", population);
    steps.put(
        "age " + c.ageLow() + "-" + c.ageHigh() + " y, sex " + c.sex() + " (or not decidable)",
        count(spark, survivors));
    for (Criteria.Diagnosis dx : c.diagnoses()) {
      survivors =
          "SELECT s.patient FROM ("
              + survivors
              + ") s LEFT SEMI JOIN"
              + " (SELECT patient_id FROM condition WHERE patient_id IS NOT NULL AND "
              + dx.predicate()
              + " AND (verification_status IS NULL"
              + " OR verification_status NOT IN ('refuted', 'entered-in-error'))) k"
              + " ON s.patient = k.patient_id";
      steps.put("+ " + dx.id() + " (" + dx.valueSet() + ")", count(spark, survivors));
    }
    spark.sql(survivors).cache().createOrReplaceTempView("survivors");
    long surviving = count(spark, "SELECT * FROM survivors");
    String labOutcome = "''";
    String labJoin = "";
    if (c.lab() != null) {
      Criteria.Lab lab = c.lab();
      String day =
          "to_date(substr(coalesce(effective_date_time, CAST(effective_instant AS STRING),"
              + " effective_period_start), 1, 10))";
      String latest =
          "SELECT patient_id, value FROM (SELECT patient_id, CAST(value_decimal AS DECIMAL(38, 10))"
              + " AS value, row_number() OVER (PARTITION BY patient_id ORDER BY day DESC, id DESC)"
              + " AS n FROM (SELECT DISTINCT id, patient_id, value_decimal, "
              + day
              + " AS day"
              + " FROM observation WHERE patient_id IN (SELECT patient FROM survivors) AND "
              + lab.predicate()
              + " AND status IN ('final', 'amended', 'corrected')"
              + " AND NOT coalesce(data_absent, false) AND value_decimal IS NOT NULL"
              + " AND value_code = "
              + Criteria.literal(lab.unitCode())
              + ")"
              + " WHERE day BETWEEN date_sub("
              + d
              + ", "
              + lab.lookbackDays()
              + ") AND "
              + d
              + ")"
              + " WHERE n = 1";
      String comparator = "=".equals(lab.comparator()) ? "=" : lab.comparator();
      spark.sql(latest).cache().createOrReplaceTempView("latest_lab");
      labOutcome =
          "CASE WHEN l.value IS NULL THEN 'missing-data' WHEN l.value "
              + comparator
              + " "
              + lab.value()
              + " THEN 'pass' ELSE 'fail' END";
      labJoin = " LEFT JOIN latest_lab l ON l.patient_id = s.patient";
      latest = "SELECT * FROM latest_lab";
      Row r =
          spark
              .sql(
                  "SELECT count_if(value "
                      + comparator
                      + " "
                      + lab.value()
                      + "), count(*) FROM ("
                      + latest
                      + ")")
              .first();
      steps.put(
          "+ "
              + lab.id()
              + " "
              + lab.comparator()
              + " "
              + lab.value()
              + " "
              + lab.unitCode()
              + " within "
              + lab.lookbackDays()
              + " d (most recent)",
          r.getLong(0));
      steps.put("  (of them: a value in the window that fails)", r.getLong(1) - r.getLong(0));
      steps.put("  (of them: no value in the window: missing data)", surviving - r.getLong(1));
    }
    // The set-based step's survivors, each with the lab criterion's outcome here (for comparing
    // with the server's $screen report).
    List<String> kept = new ArrayList<>();
    for (Row r :
        spark
            .sql("SELECT s.patient, " + labOutcome + " FROM survivors s" + labJoin + " ORDER BY 1")
            .collectAsList()) {
      kept.add(r.getString(0) + "\t" + r.getString(1));
    }
    return new Funnel(population, steps, kept);
  }

  private static long count(SparkSession spark, String sql) {
    return spark.sql("SELECT count(*) FROM (" + sql + ")").first().getLong(0);
  }
}
