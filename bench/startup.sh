#!/usr/bin/env bash
# Cold start and memory of the packaged server on H2: for each run, a fresh data folder, time from
# `java -jar` to the first 200 from /fhir/metadata, then the process RSS once it is ready.
#   ./mvnw -B -q package -DskipTests && bench/startup.sh [runs] [extra JVM options...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
jar=${BENCH_JAR:-target/trialfhir.jar}
[ -f "$jar" ] || { echo "build first: ./mvnw -B -q package -DskipTests" >&2; exit 1; }
port=${BENCH_PORT:-18080}
printf '%-4s %-12s %-10s\n' run start_s rss_mib
starts=()
for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  t0=$(date +%s.%N)
  java "$@" -jar "$jar" --server.port="$port" --trialfhir.data-dir="$dir" >"$dir/server.log" 2>&1 &
  pid=$!
  until curl -sf "http://localhost:$port/fhir/metadata" -o /dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "server died, see $dir/server.log" >&2; exit 1; }
    sleep 0.2
  done
  t1=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
  start=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
  starts+=("$start")
  printf '%-4s %-12.1f %-10s\n' "$i" "$start" "$rss"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done
printf 'median start: %.1f s\n' "$(printf '%s\n' "${starts[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
