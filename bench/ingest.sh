#!/usr/bin/env bash
# Ingest benchmark: loads the same Synthea population into a fresh server four times, on H2 and on
# PostgreSQL, with and without validation (base R4 and profiles), and prints resources/s and the ratios.
#
#   scripts/synthea-population.sh --patients 50 --out pop     # once (see synthea/README.md)
#   bench/ingest.sh pop [--limit 10] [--threads 2] [--db h2|postgresql|both]
#
# Environment: BENCH_JAR (the server jar, default target/trialfhir.jar: run the script twice, once
# with a jar built from another commit, for an A/B of two builds), BENCH_PORT / BENCH_PG_PORT (the
# HTTP and PostgreSQL ports, default 18090 / 55440), BENCH_JAVA_OPTS (e.g. a JFR recording).
#
# Each run: a new empty database (H2 folder, or a throwaway PostgreSQL from bench/postgres.sh),
# the packaged server (target/trialfhir.jar, built if missing) started with its defaults (audit
# on), then scripts/load-population.py with --claim-profiles, so that the Observations our lab
# profiles describe (HbA1c, BMI, weight, height, ...) claim them, as an EHR writing to our profiles
# would. "validation off" is trialfhir.validation.mode=off: the same data, not validated.
# Start-up time is not counted, nor a warm-up load of the providers and the first patient; the
# loader's wall time for the next --limit patients is (their provider batches are re-sent and
# match what is stored: counted in resources, a few dozen entries).
set -euo pipefail
cd "$(dirname "$0")/.."

population=${1:?usage: bench/ingest.sh POPULATION_DIR [--limit N] [--threads N] [--db h2|postgresql|both]}
shift
limit=10
threads=2
dbs="h2 postgresql"
while [ $# -gt 0 ]; do
  case "$1" in
    --limit) limit=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --db) dbs=$([ "$2" = both ] && echo "h2 postgresql" || echo "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$population/manifest.json" ] || { echo "$population has no manifest.json" >&2; exit 2; }
[ -n "${BENCH_JAR:-}" ] || [ -f target/trialfhir.jar ] || ./mvnw -B -q package -DskipTests

work=$(mktemp -d)
chmod 755 "$work" # PostgreSQL runs as nobody when we are root (bench/postgres.sh)
port=${BENCH_PORT:-18090}
pg_port=${BENCH_PG_PORT:-55440}
jar=${BENCH_JAR:-target/trialfhir.jar}
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null && wait "$server_pid" 2> /dev/null || true
  bench/postgres.sh stop "$work/pg" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_server() { # name, extra args...
  local name=$1
  shift
  java ${BENCH_JAVA_OPTS:-} -jar "$jar" --server.port=$port "$@" > "$work/$name.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/fhir/metadata" && return 0
    kill -0 "$server_pid" 2> /dev/null || { tail -50 "$work/$name.log" >&2; return 1; }
    sleep 1
  done
  echo "server did not start in 300 s" >&2
  return 1
}

stop_server() {
  kill "$server_pid" && wait "$server_pid" 2> /dev/null || true
  server_pid=""
}

declare -A rate
for db in $dbs; do
  for validation in true false; do
    name="$db-validation-$validation"
    mode=$([ "$validation" = true ] && echo enforce || echo off)
    echo "== $name" >&2
    if [ "$db" = h2 ]; then
      start_server "$name" --trialfhir.data-dir="$work/$name" --trialfhir.validation.mode=$mode
    else
      bench/postgres.sh stop "$work/pg" 2> /dev/null || true
      rm -rf "$work/pg/pgdata"
      url=$(bench/postgres.sh start "$work/pg" $pg_port)
      start_server "$name" --spring.datasource.url="$url" --spring.datasource.username=trialfhir \
        --spring.datasource.password= --trialfhir.validation.mode=$mode
    fi
    # Warm-up, not measured: the providers and the first patient (the first validation of a run
    # builds the validator's snapshots and caches, a one-off cost of several seconds).
    python3 scripts/load-population.py "$population" --root "http://127.0.0.1:$port" \
      --limit 1 --claim-profiles --json > /dev/null
    # Measured: the next $limit patients (the first is skipped as loaded).
    python3 scripts/load-population.py "$population" --root "http://127.0.0.1:$port" \
      --limit $((limit + 1)) --threads "$threads" --claim-profiles --json > "$work/$name.json"
    rate[$name]=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['resources'], d['seconds'], d['resourcesPerSecond'], d['bundleSecondsP50'], d['failed'])" "$work/$name.json")
    stop_server
  done
done

echo
printf '%-12s %-11s %10s %9s %12s %16s %9s\n' database validation resources seconds resources/s "bundle s median" "ratio"
for db in $dbs; do
  for validation in true false; do
    read -r resources seconds per_s p50 failed <<< "${rate[$db-validation-$validation]}"
    off=$(echo "${rate[$db-validation-false]}" | cut -d' ' -f3)
    on=$(echo "${rate[$db-validation-true]}" | cut -d' ' -f3)
    ratio=$([ "$validation" = true ] && echo "1.00" || python3 -c "print(f'{$off / $on:.2f}')")
    printf '%-12s %-11s %10s %9s %12s %16s %8sx\n' "$db" "$([ "$validation" = true ] && echo on || echo off)" \
      "$resources" "$seconds" "$per_s" "$p50" "$ratio"
    [ "$failed" = 0 ] || echo "  ($failed bundles failed: see the loader output)" >&2
  done
done
if [ "$dbs" = "h2 postgresql" ]; then
  h2=$(echo "${rate[h2-validation-true]}" | cut -d' ' -f3)
  pg=$(echo "${rate[postgresql-validation-true]}" | cut -d' ' -f3)
  python3 -c "print(f'PostgreSQL / H2 (validation on): {$pg / $h2:.2f}x')"
fi
