#!/usr/bin/env bash
# $screen and $eligibility with the eligibility projection on and off, over one population on H2:
# loads N synthetic patients once (bench/scale.py's generator, --t1d-share of them with type 1
# diabetes), then starts the packaged server twice on that database, with
# trialfhir.eligibility.projection.enabled=true and =false, and runs bench/scale.py --patients 0 on
# each. Prints both tables; the "off" run is the baseline. On, $eligibility reads each record's
# Conditions and Observations from the projection (two indexed queries) and $screen narrows from it;
# off, both read the resources. BENCH_PORT sets the port (default 18090).
#   ./mvnw -B -q package -DskipTests
#   bench/projection.sh [patients] [t1d-share] [resources-per-patient]
set -euo pipefail
cd "$(dirname "$0")/.."
patients=${1:-5000}
share=${2:-0.01}
size=${3:-12}
jar=${BENCH_JAR:-target/trialfhir.jar}
[ -f "$jar" ] || { echo "build first: ./mvnw -B -q package -DskipTests" >&2; exit 1; }
port=${BENCH_PORT:-18090}
root="http://127.0.0.1:$port"
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

start() {
  java -jar "$jar" --server.port="$port" --trialfhir.data-dir="$dir" "$@" >>"$dir/server.log" 2>&1 &
  pid=$!
  until curl -sf "$root/actuator/health/readiness" -o /dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "server died, see $dir/server.log" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
    sleep 1
  done
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

echo "loading $patients patients ($share with type 1 diabetes, $size resources each; audit and validation off for the load)"
start --trialfhir.audit.enabled=false --trialfhir.validation.mode=off
python3 bench/scale.py --root "$root" --patients "$patients" --t1d-share "$share" --resources "$size" \
  --bundle 50 --only-ingest
stop

for on in true false; do
  echo
  echo "== trialfhir.eligibility.projection.enabled=$on"
  start --trialfhir.eligibility.projection.enabled="$on"
  python3 bench/scale.py --root "$root" --patients 0 --sample 100
  stop
done
