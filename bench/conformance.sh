#!/usr/bin/env bash
# Conformance run over ALL official R4 examples (2,913 files) and the HL7 validator's must-fail
# cases, against the whole server on H2: profiles/ConformanceIT with stride 1 (CI posts every 6th
# example). Prints the "conformance:" lines: files, 2xx, 4xx (422 = refused by validation), 5xx,
# 4xx without an OperationOutcome, must-fail refused / total, and each example refused with 422.
#
#   bench/conformance.sh [STRIDE]      # default 1: every example
set -euo pipefail
cd "$(dirname "$0")/.."
stride=${1:-1}
log=$(mktemp)
./mvnw -B verify -Dtest=NoSuch -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=ConformanceIT -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dtrialfhir.conformance.stride="$stride" > "$log" 2>&1 || status=$?
grep '^conformance:' "$log" || true
grep -E 'Tests run:.*ConformanceIT' "$log" || tail -40 "$log"
rm -f "$log"
exit "${status:-0}"
