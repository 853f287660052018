#!/usr/bin/env bash
# Every row of the hospital-scale table in one run, one benchmark after the other (never two at
# once: each needs the cores to itself), each printing its figure next to its own baseline from
# the same run. Logs go to a folder of their own; the end of each is printed.
#
#   ./mvnw -B -q package -DskipTests
#   bench/table.sh POPULATION_DIR [--limit 5] [--patients 5000] [--baseline-jar old.jar] [--only ROWS]
#
# POPULATION_DIR: Synthea transaction Bundles and manifest (scripts/synthea-population.sh), used by
# the ingest and import rows; --limit patients of it are timed. --patients: the synthetic
# population (bench/scale.py's generator, 1 % with type 1 diabetes, 12 resources each) that the
# $eligibility and $screen rows run over. --baseline-jar: an older build, started alternately with
# the new one by the start-up row. --only: a comma-separated subset of
# startup,metadata,ingest,import,projection.
#
# Rows and their commands (see docs/measuring.md):
#   startup     bench/startup.sh 2                        baseline: the old jar, alternated
#   metadata    bench/metadata.py                         baseline: Cache-Control: no-cache
#   ingest      bench/ingest.sh --db postgresql           baseline: validation off
#   import      bench/import.sh                           baseline: the same patients by transaction
#   projection  bench/projection.sh (runs bench/scale.py) baseline: projection off; the 4-search
#               app for $eligibility; per-patient $eligibility x N for $screen
set -euo pipefail
cd "$(dirname "$0")/.."
population=${1:?usage: bench/table.sh POPULATION_DIR [--limit N] [--patients N] [--baseline-jar JAR] [--only ROWS]}
shift
limit=5
patients=5000
baseline=""
only="startup,metadata,ingest,import,projection"
while [ $# -gt 0 ]; do
  case "$1" in
    --limit) limit=$2; shift 2 ;;
    --patients) patients=$2; shift 2 ;;
    --baseline-jar) baseline=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f target/trialfhir.jar ] || { echo "build first: ./mvnw -B -q package -DskipTests" >&2; exit 1; }
logs=$(mktemp -d)
echo "logs: $logs (load average at the start: $(cut -d' ' -f1-3 /proc/loadavg))"
wants() { [[ ",$only," == *",$1,"* ]]; }
row() {
  local name=$1
  shift
  echo
  echo "== $name: $*"
  local t0=$SECONDS
  # A row that runs past BENCH_ROW_TIMEOUT seconds (default 1800) is stopped and reported, so one
  # slow baseline cannot hold up the rows after it.
  if timeout --kill-after=30 "${BENCH_ROW_TIMEOUT:-1800}" "$@" >"$logs/$name.log" 2>&1; then
    tail -n "${TAIL:-15}" "$logs/$name.log"
  else
    echo "FAILED (exit $?), end of $logs/$name.log:"
    tail -n 30 "$logs/$name.log"
  fi
  echo "-- $name took $((SECONDS - t0)) s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
}

metadata() {
  local dir port=18095 pid status=0
  dir=$(mktemp -d)
  java -jar target/trialfhir.jar --server.port=$port --trialfhir.data-dir="$dir" >"$dir/server.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/actuator/health/readiness" -o /dev/null; do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$dir/server.log"; return 1; }
    sleep 1
  done
  python3 bench/metadata.py --root "http://127.0.0.1:$port" --requests 400 --concurrency 8 || status=$?
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  return $status
}

if wants startup; then
  row startup env ${baseline:+BENCH_BASELINE_JAR=$baseline} bench/startup.sh 2
fi
export -f metadata
wants metadata && row metadata bash -c metadata
wants ingest && row ingest bench/ingest.sh "$population" --limit "$limit" --db postgresql
wants import && row import bench/import.sh "$population" --limit "$limit"
wants projection && TAIL=40 row projection bench/projection.sh "$patients" 0.01 12
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
