#!/usr/bin/env bash
# The projection's ViewDefinitions (fhir-profiles/views/) run by Pathling on a local Apache Spark
# over a Bulk-export-shaped NDJSON directory, then NCT06407297's set-based criteria as Spark SQL
# over the views' rows: a benchmark of screening beyond one database (docs/scale.md), not a test.
#
#   bench/spark.sh [--patients 10000] [--t1d-share 0.01] [--seed 42] [--ndjson DIR] [--keep]
#                  [--survivors FILE] [--master 'local[2]'] [--xmx 8g]
#
# Generates the synthetic population of bench/eligibility.py (about 44 resources a patient;
# --t1d-share 0.01 is a hospital's mix, 0.5 the mix bench/scale.py uses by default) as
# Patient.ndjson, Condition.ndjson and Observation.ndjson (the file layout of $export's output),
# or takes an existing export with --ndjson DIR; builds bench/spark (its own Maven project, not a
# module of the server's build: the first build downloads Spark and Pathling from Maven Central,
# several hundred MB) and runs it. Prints resources read, rows and time per view, the criterion
# query's time, the funnel, total wall time and resources/s.
#
# Java: Pathling 9 is compiled for Java 21, so this needs a JDK 21 or later (BENCH_JAVA_HOME, else
# JAVA_HOME if it is one, else the newest JDK in /usr/lib/jvm). The server's baseline is not run
# here: see docs/measuring.md for $screen over the same generator's population.
set -euo pipefail
cd "$(dirname "$0")/.."

patients=10000
t1d_share=0.01
seed=42
ndjson=""
keep=false
survivors=""
master="local[2]"
xmx=8g
while [ $# -gt 0 ]; do
  case "$1" in
    --patients) patients=$2; shift 2 ;;
    --t1d-share) t1d_share=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --ndjson) ndjson=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    --survivors) survivors=$2; shift 2 ;;
    --master) master=$2; shift 2 ;;
    --xmx) xmx=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
jdk="${BENCH_JAVA_HOME:-}"
if [ -z "$jdk" ] && [ -n "${JAVA_HOME:-}" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ] 2> /dev/null; then
  jdk=$JAVA_HOME
fi
if [ -z "$jdk" ]; then
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(java_major "$candidate")
    if [ "${major:-0}" -ge 21 ] && { [ -z "$jdk" ] || [ "$major" -gt "$(java_major "$jdk")" ]; }; then
      jdk=$candidate
    fi
  done
fi
[ -n "$jdk" ] || { echo "bench/spark.sh needs a JDK 21 or later (set BENCH_JAVA_HOME)" >&2; exit 2; }

work=$(mktemp -d)
cleanup() { [ "$keep" = true ] && echo "kept $work" >&2 || rm -rf "$work"; }
trap cleanup EXIT

if [ -z "$ndjson" ]; then
  ndjson=$work/ndjson
  echo "== generating $patients patients (type 1 diabetes share $t1d_share) as NDJSON" >&2
  start=$SECONDS
  counts=$(python3 bench/eligibility.py --ndjson "$ndjson" --patients "$patients" --seed "$seed" --t1d-share "$t1d_share")
  echo "   $counts in $((SECONDS - start)) s, $(du -sh "$ndjson" | cut -f1)" >&2
fi

echo "== building bench/spark with $jdk" >&2
JAVA_HOME=$jdk ./mvnw -B -q -f bench/spark/pom.xml package > "$work/build.log" 2>&1 || {
  tail -40 "$work/build.log" >&2; exit 1; }

echo "== running the views and the criteria on Spark $master, -Xmx$xmx" >&2
args=(--data "$ndjson" --profiles fhir-profiles --study nct06407297 --date 2026-06-15 --master "$master")
[ -n "$survivors" ] && args+=(--survivors "$survivors")
# Spark 4.0 on a current JDK needs these modules opened (as its own launcher does).
"$jdk/bin/java" -Xmx"$xmx" -Dspark.local.dir="$work" -Djava.io.tmpdir="$work" \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
  -cp "bench/spark/target/classes:$(cat bench/spark/target/classpath.txt)" \
  org.trialfhir.bench.spark.SparkScreen "${args[@]}" 2> "$work/spark.log" || {
  grep -v ' INFO \|^\s*at \|^\s*\.\.\.' "$work/spark.log" | tail -30 >&2; exit 1; }
