#!/usr/bin/env bash
# How much registry criterion text the importer makes computable (issue #21): maps every
# ClinicalTrials.gov API v2 record (*.json) in DIRECTORY and prints, as markdown, the share of text
# criteria made computable per kind, for all records and for the type 1 diabetes trials, and every
# machine-derived criterion beside the words it came from.
#   bench/recognition.sh DIRECTORY [--unread]   (--unread: also list the type 1 diabetes trials'
#   items left for a person)
set -euo pipefail
dir=${1:?usage: bench/recognition.sh DIRECTORY-OF-CTGOV-JSON-RECORDS}
cd "$(dirname "$0")/.."
./mvnw -o -B -q test-compile
cp=$(./mvnw -o -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
java -cp "target/test-classes:target/classes:$cp" org.trialfhir.ctgov.RecognitionReport "$dir" "${@:2}" 2>/dev/null \
  | grep -v '^[0-9:.]* \[main\] '
