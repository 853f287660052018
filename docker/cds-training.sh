#!/usr/bin/env sh
# Class Data Sharing (CDS) archive for trialfhir: unpacks the jar the way the JVM can map it
# (Spring Boot's "extract" layout: the application jar plus lib/), then starts the server once on a
# throw-away H2 database up to the end of the Spring context's refresh, where it exits; the JVM
# writes every class it loaded on the way into the archive. Starting later with
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
rm -rf "$dest"
java -Djarmode=tools -jar "$jar" extract --destination "$dest"
app="$dest/$(basename "$jar")"
data=$(mktemp -d)
# Spring's training run: the context is refreshed (beans, Hibernate, HAPI, schema migration on a
# throw-away H2 database) and the JVM exits, writing the archive. On the build machine's OpenJDK
# 17.0.15 (Debian build) writing the archive crashed the JVM (SIGSEGV in
# SystemDictionaryShared::adjust_lambda_proxy_class_dictionary), both after this run and after a
# run up to readiness; this script then fails and no archive is made.
if ! java -XX:ArchiveClassesAtExit="$dest/trialfhir.jsa" -Dspring.context.exit=onRefresh \
  -jar "$app" --server.port=0 --trialfhir.data-dir="$data" >"$data/training.log" 2>&1; then
  grep -v '\[cds\]' "$data/training.log" | tail -40 >&2
  echo "CDS training run failed" >&2
  exit 1
fi
rm -rf "$data"
[ -s "$dest/trialfhir.jsa" ] || { echo "no CDS archive written" >&2; exit 1; }
echo "CDS archive: $dest/trialfhir.jsa ($(du -h "$dest/trialfhir.jsa" | cut -f1))"
