#!/usr/bin/env bash
# Generates a synthetic population for trialfhir with Synthea 3.3.0: a general population with a
# configurable share of people with type 1 diabetes (synthea/modules/type1_diabetes.json), as
# FHIR R4 transaction Bundles (one per patient, plus the hospital and practitioner bundles they
# reference). Same options, same output: the seed, the reference date and the end of the
# simulation are fixed. See synthea/README.md.
#
#   scripts/synthea-population.sh [--patients 200] [--t1d-share 0.01] [--seed 1]
#       [--reference-date 2026-01-01] [--out target/population] [--t1d-ages 2-25]
#       [--t1d-established-keep 0.3] [--years-of-history 5] [--state Massachusetts]
#       [--threads N] [--force]
#
# Synthea and its dependencies come from Maven Central through the Maven Wrapper (or mvn) the
# first time, into the local Maven repository; nothing of Synthea is kept in the repository.
# Synthea itself runs offline: its demographics, geography and providers are inside its jar.
set -euo pipefail

SYNTHEA_VERSION=3.3.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SYNTHEA_DIR="$ROOT/synthea"

patients=200
t1d_share=0.01
seed=1
reference_date=2026-01-01
out="$ROOT/target/population"
t1d_ages=2-25
t1d_established_keep=0.3
years_of_history=5
state=Massachusetts
threads=
force=false

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "synthea-population: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --patients) patients="${2:?}"; shift 2 ;;
    --t1d-share) t1d_share="${2:?}"; shift 2 ;;
    --seed) seed="${2:?}"; shift 2 ;;
    --reference-date) reference_date="${2:?}"; shift 2 ;;
    --out) out="${2:?}"; shift 2 ;;
    --t1d-ages) t1d_ages="${2:?}"; shift 2 ;;
    --t1d-established-keep) t1d_established_keep="${2:?}"; shift 2 ;;
    --years-of-history) years_of_history="${2:?}"; shift 2 ;;
    --state) state="${2:?}"; shift 2 ;;
    --threads) threads="${2:?}"; shift 2 ;;
    --force) force=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[[ "$patients" =~ ^[0-9]+$ ]] || die "--patients must be a whole number, not '$patients'"
[[ "$seed" =~ ^-?[0-9]+$ ]] || die "--seed must be an integer, not '$seed'"
[[ "$t1d_ages" =~ ^[0-9]+-[0-9]+$ ]] || die "--t1d-ages must look like 2-25, not '$t1d_ages'"
[[ "$t1d_established_keep" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] \
  || die "--t1d-established-keep must be a number from 0 to 1, not '$t1d_established_keep'"
[[ "$years_of_history" =~ ^[0-9]+$ ]] || die "--years-of-history must be a whole number"
[ -z "$threads" ] || [[ "$threads" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive number"
ref="${reference_date//-/}"
[[ "$ref" =~ ^[0-9]{8}$ ]] && date -u -d "$ref" +%F >/dev/null 2>&1 \
  || die "--reference-date must be YYYY-MM-DD or YYYYMMDD, not '$reference_date'"
ref_iso="$(date -u -d "$ref" +%F)"
# The T1D count: round(patients x share), half up.
n_t1d="$(awk -v n="$patients" -v s="$t1d_share" 'BEGIN {
  if (s !~ /^[0-9]*\.?[0-9]+([eE]-?[0-9]+)?$/ || s < 0 || s > 1) exit 1; printf "%d", n * s + 0.5 }')" \
  || die "--t1d-share must be a number from 0 to 1, not '$t1d_share'"
n_general=$((patients - n_t1d))
t1d_seed=$((seed + 1))

command -v java >/dev/null || die "java (17 or newer) is not on PATH"

# ---- Synthea and its runtime dependencies, resolved by Maven into the local repository
work="$ROOT/target/synthea"
mkdir -p "$work"
classpath_file="$work/classpath-$SYNTHEA_VERSION.txt"
classpath_ok() {
  [ -s "$classpath_file" ] || return 1
  local jar
  while IFS= read -r jar; do [ -f "$jar" ] || return 1; done < <(tr ':' '\n' < "$classpath_file")
}
if ! classpath_ok; then
  cat > "$work/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/synthea-population.sh: resolves Synthea from Maven Central. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.trialfhir.tools</groupId>
  <artifactId>synthea-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.mitre.synthea</groupId>
      <artifactId>synthea</artifactId>
      <version>$SYNTHEA_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
  if [ -x "$ROOT/mvnw" ]; then mvn_cmd=("$ROOT/mvnw"); else mvn_cmd=(mvn); fi
  echo "Resolving org.mitre.synthea:synthea:$SYNTHEA_VERSION from Maven Central ..." >&2
  (cd "$ROOT" && "${mvn_cmd[@]}" -q -B -f "$work/pom.xml" dependency:build-classpath \
      -Dmdep.includeScope=runtime -Dmdep.outputFile="$classpath_file") \
    || die "could not resolve Synthea with ${mvn_cmd[*]}"
  classpath_ok || die "Maven resolved an incomplete classpath ($classpath_file)"
fi
classpath="$(cat "$classpath_file")"

# ---- output directory
if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
  if [ -f "$out/manifest.json" ] || [ "$force" = true ]; then
    rm -rf "$out/fhir" "$out/manifest.json" "$out/.work" "$out/logs"
  else
    die "$out is not empty and was not written by this script (use --force to reuse it)"
  fi
fi
mkdir -p "$out/fhir" "$out/.work"
out="$(cd "$out" && pwd)"

run_synthea() { # name population seed [extra Synthea arguments...]
  local name="$1" population="$2" run_seed="$3"; shift 3
  local dir="$out/.work/$name" started elapsed
  mkdir -p "$dir"
  started=$(date +%s.%N)
  # -c first: Synthea applies options in order, and --module_override must precede -d.
  if ! (cd "$dir" && exec java -Xmx4g -cp "$classpath" App \
        -c "$SYNTHEA_DIR/synthea-population.properties" \
        "$@" \
        -s "$run_seed" -cs "$seed" -r "$ref" -e "$ref" -p "$population" \
        --exporter.baseDirectory="$dir/output" \
        --exporter.years_of_history="$years_of_history" \
        ${threads:+--generate.thread_pool_size="$threads"} \
        "$state" > "$dir/synthea.log" 2>&1); then
    tail -30 "$dir/synthea.log" >&2
    die "Synthea failed for the $name population (log: $dir/synthea.log)"
  fi
  if grep -q 'Exception' "$dir/synthea.log"; then
    echo "synthea-population: warning: Synthea logged an exception for the $name population:" >&2
    grep -m3 -A2 'Exception' "$dir/synthea.log" >&2
  fi
  elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  local made
  made=$(find "$dir/output/fhir" -maxdepth 1 -name '*.json' ! -name 'hospitalInformation*' \
         ! -name 'practitionerInformation*' | wc -l)
  [ "$made" -eq "$population" ] \
    || die "the $name population has $made patients, expected $population (log: $dir/synthea.log)"
  awk -v n="$name" -v m="$made" -v e="$elapsed" \
    'BEGIN { printf "%s: %d patients in %.0f s (%.2f patients/s, Java start-up included)\n", n, m, e, m / e }' >&2
  # Provider bundles: one of each per run, named by the wall clock; give them stable names.
  local f
  for f in "$dir"/output/fhir/hospitalInformation*.json; do
    if [ -e "$f" ]; then mv "$f" "$out/fhir/hospitalInformation-$name.json"; fi
  done
  for f in "$dir"/output/fhir/practitionerInformation*.json; do
    if [ -e "$f" ]; then mv "$f" "$out/fhir/practitionerInformation-$name.json"; fi
  done
  find "$dir/output/fhir" -maxdepth 1 -name '*.json' -printf '%f\n' | sort > "$dir/patients.txt"
  find "$dir/output/fhir" -maxdepth 1 -name '*.json' -exec mv -t "$out/fhir" {} +
}

echo "Population: $patients patients ($n_general general, $n_t1d with type 1 diabetes)," \
  "seed $seed, reference date $ref_iso" >&2
if [ "$n_general" -gt 0 ]; then
  # Synthea's own modules only: none of them models type 1 diabetes.
  run_synthea general "$n_general" "$seed"
fi
if [ "$n_t1d" -gt 0 ]; then
  # The T1D module, forced on for everyone by the override, and a keep module that keeps only
  # people whose type 1 diabetes has begun by the reference date; those past its first year
  # only with probability --t1d-established-keep (written into a copy of the keep module).
  # One thread: the module's arithmetic uses Synthea's CQL expressions, whose compiler is not
  # thread-safe in 3.3.0 ("CqlSemanticException: Circular model reference System" with two).
  python3 - "$SYNTHEA_DIR/keep_type1_diabetes.json" "$out/.work/keep_type1_diabetes.json" \
    "$t1d_established_keep" <<'EOF'
import json, sys
source, target, p = sys.argv[1], sys.argv[2], float(sys.argv[3])
with open(source) as f:
    keep = json.load(f)
keep["states"]["Established"]["distributed_transition"][0]["distribution"] = p
keep["states"]["Established"]["distributed_transition"][1]["distribution"] = 1 - p
with open(target, "w") as f:
    json.dump(keep, f, indent=2)
EOF
  threads=1 run_synthea t1d "$n_t1d" "$t1d_seed" \
    --module_override="$SYNTHEA_DIR/t1d-cohort.module-override.properties" \
    -d "$SYNTHEA_DIR/modules" \
    -k "$out/.work/keep_type1_diabetes.json" \
    -a "$t1d_ages"
fi

# ---- manifest: parameters, load order, which patients came from which run
python3 - "$out" "$patients" "$n_general" "$n_t1d" "$t1d_share" "$seed" "$t1d_seed" "$ref_iso" \
  "$t1d_ages" "$years_of_history" "$state" "$SYNTHEA_VERSION" "$t1d_established_keep" <<'EOF'
import json, os, sys
out, patients, n_general, n_t1d, share, seed, t1d_seed, ref, ages, years, state, version, keep = sys.argv[1:]
def listing(name):
    path = os.path.join(out, ".work", name, "patients.txt")
    if not os.path.exists(path):
        return []
    return [l for l in open(path).read().split() if not l.startswith(("hospitalInformation", "practitionerInformation"))]
providers = sorted(f for f in os.listdir(os.path.join(out, "fhir"))
                   if f.startswith(("hospitalInformation", "practitionerInformation")))
manifest = {
    "generator": "scripts/synthea-population.sh",
    "synthea": "org.mitre.synthea:synthea:" + version,
    "referenceDate": ref,
    "seed": int(seed), "t1dSeed": int(t1d_seed),
    "patients": int(patients), "generalPatients": int(n_general), "t1dPatients": int(n_t1d),
    "t1dShare": float(share), "t1dAges": ages, "t1dEstablishedKeep": float(keep), "yearsOfHistory": int(years), "state": state,
    "loadFirst": [os.path.join("fhir", f) for f in sorted(providers, key=lambda f: not f.startswith("hospital"))],
    "generalBundles": [os.path.join("fhir", f) for f in listing("general")],
    "t1dBundles": [os.path.join("fhir", f) for f in listing("t1d")],
}
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2, ensure_ascii=False)
    f.write("\n")
EOF
mkdir -p "$out/logs"
for name in general t1d; do
  if [ -f "$out/.work/$name/synthea.log" ]; then
    mv "$out/.work/$name/synthea.log" "$out/logs/$name.log"
  fi
done
rm -rf "$out/.work"
echo "Wrote $patients patient bundles and $(ls "$out/fhir" | grep -c -E '^(hospital|practitioner)Information') provider bundles to $out/fhir (manifest: $out/manifest.json)" >&2
