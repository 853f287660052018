#!/usr/bin/env bash
# Bulk import benchmark: the same Synthea patients loaded into one fresh server by transaction
# Bundles (the baseline, scripts/load-population.py) and by $import of NDJSON files
# (scripts/load-population.py --ndjson), validation on (the server's default, enforce), in one
# run; prints resources/s of both and the ratio.
#
#   scripts/synthea-population.sh --patients 50 --out pop     # once (see synthea/README.md)
#   bench/import.sh pop [--limit 10] [--threads 2] [--db h2|postgresql] [--validation enforce|off]
#
# Environment: BENCH_JAR (the server jar, default target/trialfhir.jar), BENCH_PORT /
# BENCH_PG_PORT (default 18091 / 55441), BENCH_JAVA_OPTS (e.g. a JFR recording).
#
# The packaged server (target/trialfhir.jar, built if missing) on an empty database (an H2 folder,
# or a throwaway PostgreSQL from bench/postgres.sh), audit on. Not counted: start-up, and a warm-up
# load of the providers and the first patient by transaction (the first validation of a run builds
# the validator's caches). Then the next --limit patients by transaction ("transaction": the
# loader's wall time), then the same patients (and the first) as NDJSON through $import ("$import":
# from the kick-off to the report; the upload of the Binaries is shown apart). The import stores
# each resource under its bundle's urn:uuid, so the two loads do not collide.
set -euo pipefail
cd "$(dirname "$0")/.."

population=${1:?usage: bench/import.sh POPULATION_DIR [--limit N] [--threads N] [--db h2|postgresql] [--validation MODE]}
shift
limit=10
threads=2
db=h2
validation=enforce
while [ $# -gt 0 ]; do
  case "$1" in
    --limit) limit=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    --validation) validation=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$population/manifest.json" ] || { echo "$population has no manifest.json" >&2; exit 2; }
[ -n "${BENCH_JAR:-}" ] || [ -f target/trialfhir.jar ] || ./mvnw -B -q package -DskipTests

work=$(mktemp -d)
chmod 755 "$work" # PostgreSQL runs as nobody when we are root (bench/postgres.sh)
port=${BENCH_PORT:-18091}
pg_port=${BENCH_PG_PORT:-55441}
jar=${BENCH_JAR:-target/trialfhir.jar}
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null && wait "$server_pid" 2> /dev/null || true
  bench/postgres.sh stop "$work/pg" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

args=(--server.port=$port --trialfhir.validation.mode="$validation")
if [ "$db" = postgresql ]; then
  url=$(bench/postgres.sh start "$work/pg" $pg_port)
  args+=(--spring.datasource.url="$url" --spring.datasource.username=trialfhir --spring.datasource.password=)
else
  args+=(--trialfhir.data-dir="$work/h2")
fi
echo "== starting the server ($db, validation $validation)" >&2
java ${BENCH_JAVA_OPTS:-} -jar "$jar" "${args[@]}" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/fhir/metadata" && break
  kill -0 "$server_pid" 2> /dev/null || { tail -50 "$work/server.log" >&2; exit 1; }
  sleep 1
done

root="http://127.0.0.1:$port"
echo "== warm-up: providers and the first patient by transaction" >&2
python3 scripts/load-population.py "$population" --root "$root" --limit 1 --json > /dev/null
echo "== baseline: $limit patients by transaction" >&2
python3 scripts/load-population.py "$population" --root "$root" --limit $((limit + 1)) \
  --threads "$threads" --json > "$work/transaction.json" || true
echo "== the same patients by \$import" >&2
python3 scripts/load-population.py "$population" --root "$root" --limit $((limit + 1)) \
  --ndjson --json > "$work/import.json" || true

python3 - "$work/transaction.json" "$work/import.json" "$db" "$validation" << 'PY'
import json, sys
tx, imp = (json.load(open(p)) for p in sys.argv[1:3])
print(f"database {sys.argv[3]}, validation {sys.argv[4]}")
print(f"{'load':<12} {'resources':>10} {'seconds':>9} {'resources/s':>12}  notes")
print(f"{'transaction':<12} {tx['resources']:>10} {tx['seconds']:>9} {tx['resourcesPerSecond']:>12}"
      f"  {tx['patientBundles']} patient bundles, {tx['threads']} threads, {tx['failed']} failed")
print(f"{'$import':<12} {imp['stored']:>10} {imp['importSeconds']:>9} {imp['resourcesPerSecond']:>12}"
      f"  {imp['files']} NDJSON files (upload {imp['uploadSeconds']} s), refused {imp['refused']},"
      f" not stored {imp['notStored']}, server's own figure {imp['serverResourcesPerSecond']}/s")
print(f"$import / transaction: {imp['resourcesPerSecond'] / tx['resourcesPerSecond']:.2f}x")
for f in imp.get("failures", [])[:5]:
    print("  refused:", f["reason"][:200])
PY
