#!/usr/bin/env sh
# Class Data Sharing (CDS) archive for trialfhir: unpacks the jar the way the JVM can map it
# (Spring Boot's "extract" layout: the application jar plus lib/), then runs the server once, from
# a throw-away H2 database until it serves (readiness UP: package installed, seed stored), and stops
# it; the JVM writes every class it loaded on the way into the archive. Starting later with
# -XX:SharedArchiveFile maps those classes instead of reading, parsing and verifying them again.
#
#   docker/cds-training.sh target/trialfhir.jar target/cds     # then:
#   java -XX:SharedArchiveFile=target/cds/trialfhir.jsa -jar target/cds/trialfhir.jar
#
# The archive only fits the same JVM build and the same jars: run this again after every build
# (the Dockerfile does, in its build stage). A JVM that finds the archive stale ignores it with a
# warning and starts as without it; it never loads a stale class.
set -eu
jar=${1:?usage: cds-training.sh app.jar destination-dir}
dest=${2:?usage: cds-training.sh app.jar destination-dir}
port=${CDS_TRAINING_PORT:-18099}
rm -rf "$dest"
java -Djarmode=tools -jar "$jar" extract --destination "$dest"
app="$dest/$(basename "$jar")"
data=$(mktemp -d)
# Default settings (H2, the development token issuer): what it serves here needs no token.
java -XX:ArchiveClassesAtExit="$dest/trialfhir.jsa" -jar "$app" \
  --server.port="$port" --trialfhir.data-dir="$data" >"$data/training.log" 2>&1 &
pid=$!
tries=0
until curl -sf "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -gt 1800 ]; then
    cat "$data/training.log" >&2
    echo "CDS training run did not become ready" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  sleep 0.2
done
# A request of each common kind, so that the classes serving them are archived too.
curl -sf "http://127.0.0.1:$port/fhir/metadata" >/dev/null
curl -sf "http://127.0.0.1:$port/fhir/ResearchStudy?identifier=NCT06407297" >/dev/null
kill -TERM "$pid"
wait "$pid" || true
rm -rf "$data"
[ -s "$dest/trialfhir.jsa" ] || { echo "no CDS archive written" >&2; exit 1; }
echo "CDS archive: $dest/trialfhir.jsa ($(du -h "$dest/trialfhir.jsa" | cut -f1))"
