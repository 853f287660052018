#!/usr/bin/env bash
# What one setting costs at ingest: loads the same synthetic population into a fresh H2 server
# with the setting at value A, then at value B, alternating, --runs times, and prints each value's
# median resources/s and the ratio B / A (bench/scale.py --only-ingest: transaction Bundles of
# synthetic patients, about 45 resources each).
#
#   bench/setting-ab.sh trialfhir.subscriptions.enabled true false [--runs 3] [--patients 200]
#   bench/setting-ab.sh trialfhir.watch.enabled true false
#
# Environment: BENCH_JAR (default target/trialfhir.jar, built if missing), BENCH_PORT (18092).
set -euo pipefail
cd "$(dirname "$0")/.."

key=${1:?usage: bench/setting-ab.sh KEY VALUE_A VALUE_B [--runs N] [--patients N]}
a=${2:?value A}
b=${3:?value B}
shift 3
runs=3
patients=200
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --patients) patients=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
jar=${BENCH_JAR:-target/trialfhir.jar}
[ -f "$jar" ] || ./mvnw -B -q package -DskipTests
port=${BENCH_PORT:-18092}
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null && wait "$server_pid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

one_run() { # value, run number -> prints resources/s
  local value=$1 n=$2 log="$work/$1-$2.log"
  java -jar "$jar" --server.port=$port --trialfhir.data-dir="$work/data-$value-$n" \
    "--$key=$value" > "$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/actuator/health/readiness" 2> /dev/null | grep -q '^{"status":"UP"' && break
    kill -0 "$server_pid" 2> /dev/null || { tail -40 "$log" >&2; exit 1; }
    sleep 1
  done
  python3 bench/scale.py --root "http://127.0.0.1:$port" --patients "$patients" --only-ingest \
    | sed -n 's/.*= \([0-9]*\) resources\/s.*/\1/p'
  kill "$server_pid" && wait "$server_pid" 2> /dev/null || true
  server_pid=""
}

declare -a rates_a rates_b
for n in $(seq 1 "$runs"); do
  # Alternate which value goes first, so that a machine slowly getting busier favours neither.
  if [ $((n % 2)) = 1 ]; then order="$a $b"; else order="$b $a"; fi
  for value in $order; do
    rate=$(one_run "$value" "$n")
    echo "run $n $key=$value: $rate resources/s" >&2
    if [ "$value" = "$a" ]; then rates_a+=("$rate"); else rates_b+=("$rate"); fi
  done
done
python3 - "$key" "$a" "$b" "${rates_a[*]}" "${rates_b[*]}" << 'PY'
import statistics, sys
key, a, b, ra, rb = sys.argv[1:]
ra, rb = [float(x) for x in ra.split()], [float(x) for x in rb.split()]
ma, mb = statistics.median(ra), statistics.median(rb)
print(f"{key}={a}: median {ma:.0f} resources/s {ra}")
print(f"{key}={b}: median {mb:.0f} resources/s {rb}")
print(f"ratio {b}/{a}: {mb / ma:.2f}x")
PY
