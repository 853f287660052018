#!/usr/bin/env bash
# Two nodes on one PostgreSQL, measured from outside, in one command: a throwaway PostgreSQL from
# the embedded binaries (bench/postgres.sh), an EMPTY database, two packaged servers started on it
# at the same moment, then bench/nodes.py's checks (PASS/FAIL each, figures, a summary table):
#
#   1. both reach readiness, neither dies; no wrong answer once readiness is UP
#   2. a write on node 1 is read (and found by a search) on node 2 at once
#   3. the enrolment cap across nodes: 40 concurrent $enroll split over both nodes, target 24:
#      exactly 24 on study, 16 x 409, no 5xx, every complete permuted block balanced; latency
#      against the same $enroll run one at a time in the same run
#   4. a $screen whose node is killed (kill -9) mid-run finishes on the other, with the report of
#      a $screen of the same population on healthy nodes
#   5. both nodes serve the same FHIR package
#
#   ./mvnw -B -q package -DskipTests && bench/nodes.sh [--patients 400] [--limit 2400]
#
# Options go to bench/nodes.py (--help lists them); --limit is the total time limit in seconds.
# Ports: BENCH_NODE_PORTS (default "18092 18093") and BENCH_PG_PORT (default 55462). Logs stay in
# a temporary folder, printed when a check fails or the run is cut short; JVMs and PostgreSQL are
# stopped on every exit.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${BENCH_JAR:-target/trialfhir.jar}
[ -f "$jar" ] || { echo "build first: ./mvnw -B -q package -DskipTests" >&2; exit 1; }
read -r port1 port2 <<<"${BENCH_NODE_PORTS:-18092 18093}"
pg_port=${BENCH_PG_PORT:-55462}
limit=2400
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = --limit ] && limit=${args[$((i + 1))]}
done

work=$(mktemp -d "${TMPDIR:-/tmp}/trialfhir-nodes.XXXXXX")
# As root, PostgreSQL runs as 'nobody' (bench/postgres.sh), who must reach its folder.
chmod 755 "$work"
status=1
cleanup() {
  for pidfile in "$work"/node*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -9 "$pid" 2>/dev/null || true
  done
  bench/postgres.sh stop "$work/pg" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    echo "logs: $work (node1.log, node2.log, pg/postgres.log)" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 143' INT TERM

echo "PostgreSQL on port $pg_port (empty database), logs in $work"
# Its binaries are a test dependency of the build, so already in the local Maven repository:
# offline by default (MAVEN_ARGS= lets Maven download them).
export MAVEN_ARGS=${MAVEN_ARGS--o}
url=$(bench/postgres.sh start "$work/pg" "$pg_port")
set +e
timeout --signal=TERM --kill-after=30 "$limit" python3 bench/nodes.py --jar "$jar" --jdbc "$url" \
  --work "$work" --ports "$port1" "$port2" "$@"
status=$?
set -e
[ "$status" -ne 124 ] || echo "FAIL: total time limit of $limit s reached" >&2
exit "$status"
