#!/usr/bin/env bash
# Cold start of the packaged server on a fresh H2 database, and memory. For each run, a fresh data
# folder, then the time from `java -jar` to
#   metadata: the first 200 from /fhir/metadata,
#   ready:    /actuator/health/readiness UP (package, its search parameters and the seed served),
#   seed:     GET /fhir/ResearchStudy?identifier=NCT06407297 answering the seed study
# and, once all three hold, the CPU time the JVM has used (user + system, all its threads) and its
# RSS. On a machine other work shares, the CPU time is the steadier figure of the two: wall times
# then mostly measure the neighbours. Optionally also a restart on the database the run just made
# (BENCH_RESTART=1): the start every later boot of a node has.
#
#   ./mvnw -B -q package -DskipTests && bench/startup.sh [runs] [extra JVM options...]
#
# BENCH_BASELINE_JAR=old.jar measures that jar too, alternating old and new in the same run (the
# machine's load then weighs on both alike), and prints both medians. BENCH_JAR picks the new jar
# (default target/trialfhir.jar). Extra JVM options apply to both jars; BENCH_NEW_OPTS to the new
# one only (e.g. BENCH_JAR=target/cds/trialfhir.jar BENCH_NEW_OPTS=-XX:SharedArchiveFile=target/cds/trialfhir.jsa
# after docker/cds-training.sh target/trialfhir.jar target/cds: the CDS archive the image ships).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
jar=${BENCH_JAR:-target/trialfhir.jar}
baseline=${BENCH_BASELINE_JAR:-}
restart=${BENCH_RESTART:-0}
read -r -a new_opts <<<"${BENCH_NEW_OPTS:-}"
[ -f "$jar" ] || { echo "build first: ./mvnw -B -q package -DskipTests" >&2; exit 1; }
[ -z "$baseline" ] || [ -f "$baseline" ] || { echo "no such baseline jar: $baseline" >&2; exit 1; }
port=${BENCH_PORT:-18080}
base="http://localhost:$port"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Starts one server on $dir and prints "metadata ready seed cpu rss" (seconds, MiB).
measure() {
  local dir=$1 which=$2
  shift 2
  local t0 pid metadata="" ready="" seed="" cpu rss
  t0=$(now)
  java "$@" -jar "$which" --server.port="$port" --trialfhir.data-dir="$dir" >>"$dir/server.log" 2>&1 &
  pid=$!
  while [ -z "$metadata" ] || [ -z "$ready" ] || [ -z "$seed" ]; do
    kill -0 "$pid" 2>/dev/null || { echo "server died, see $dir/server.log" >&2; exit 1; }
    if [ -z "$metadata" ] && curl -sf "$base/fhir/metadata" -o /dev/null; then metadata=$(since "$t0"); fi
    if [ -z "$ready" ] && curl -sf "$base/actuator/health/readiness" -o /dev/null; then ready=$(since "$t0"); fi
    # Public: studies need no token. Served means found, not merely a 200 with an empty Bundle.
    if [ -z "$seed" ] && curl -sf "$base/fhir/ResearchStudy?identifier=NCT06407297&_elements=identifier" 2>/dev/null \
      | grep -q '"total" *: *1'; then seed=$(since "$t0"); fi
    sleep 0.1
  done
  # utime + stime, fields 14 and 15 of /proc/pid/stat (the name in field 2 has no spaces: "java").
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$pid/stat")
  rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$metadata $ready $seed $cpu $rss"
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
printf '%-9s %-4s %-8s %-10s %-8s %-8s %-8s %-8s\n' jar run start metadata_s ready_s seed_s cpu_s rss_mib
for i in $(seq 1 "$runs"); do
  jars=(new)
  [ -z "$baseline" ] || jars=(baseline new)
  # Alternate which goes first, so that neither always starts on a warmer page cache.
  [ $((i % 2)) -eq 0 ] && [ ${#jars[@]} -eq 2 ] && jars=(new baseline)
  for label in "${jars[@]}"; do
    if [ "$label" = new ]; then which=$jar; opts=("$@" "${new_opts[@]}"); else which=$baseline; opts=("$@"); fi
    dir=$(mktemp -d)
    read -r m r s c rss < <(measure "$dir" "$which" "${opts[@]}")
    printf '%-9s %-4s %-8s %-10s %-8s %-8s %-8s %-8s\n' "$label" "$i" fresh "$m" "$r" "$s" "$c" "$rss"
    echo "$label fresh $m $r $s $c" >>"$results"
    if [ "$restart" = 1 ]; then
      read -r m r s c rss < <(measure "$dir" "$which" "${opts[@]}")
      printf '%-9s %-4s %-8s %-10s %-8s %-8s %-8s %-8s\n' "$label" "$i" restart "$m" "$r" "$s" "$c" "$rss"
      echo "$label restart $m $r $s $c" >>"$results"
    fi
    rm -rf "$dir"
  done
done
echo
for label in baseline new; do
  for start in fresh restart; do
    grep -q "^$label $start " "$results" || continue
    printf '%-9s %-8s median: metadata %s s, ready %s s, seed %s s, cpu %s s\n' "$label" "$start" \
      "$(awk -v l="$label" -v s="$start" '$1==l && $2==s {print $3}' "$results" | median)" \
      "$(awk -v l="$label" -v s="$start" '$1==l && $2==s {print $4}' "$results" | median)" \
      "$(awk -v l="$label" -v s="$start" '$1==l && $2==s {print $5}' "$results" | median)" \
      "$(awk -v l="$label" -v s="$start" '$1==l && $2==s {print $6}' "$results" | median)"
  done
done
