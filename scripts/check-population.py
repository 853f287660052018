#!/usr/bin/env python3
"""Summarises a synthetic population written by scripts/synthea-population.sh (or any directory of
Synthea FHIR R4 bundles): patients, resources per type, people with type 1 diabetes, which of them
have the labs the trials' eligibility criteria read within the look-back window before the
reference date, and the age distribution at the reference date. Python 3 standard library only.

    scripts/check-population.py target/population [--reference-date 2026-01-01] [--days 90]
        [--json summary.json]

Codes are classified with the server's own ValueSets (fhir-profiles/ValueSet-*.json), so a code
the server would not recognise is not counted. Exits 1 when the population breaks a rule the
generator promises (see "problems" at the end of the output), else 0.
"""
import argparse
import collections
import datetime as dt
import json
import os
import re
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VS = "http://trialfhir.org/fhir/ValueSet/"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
T2D_SNOMED = "44054006"
# nmol/L per unit, C-peptide molar mass 3020.3 g/mol (as CodeSystem trial-lab)
CPEP_TO_NMOL = {"nmol/L": 1.0, "pmol/L": 0.001, "ng/mL": 1e6 / 3020.3 / 1e3, "ug/L": 1e6 / 3020.3 / 1e3}
CONCEPTS = [  # (label, ValueSet id, units ValueSet id)
    ("type 1 diabetes", "type-1-diabetes", None),
    ("diabetic ketoacidosis", "diabetic-ketoacidosis", None),
    ("C-peptide fasting", "c-peptide-fasting", "units-c-peptide"),
    ("C-peptide 2 h", "c-peptide-2h", "units-c-peptide"),
    ("islet autoantibody", "islet-autoantibody", "units-autoantibody"),
    ("HbA1c", "hba1c", "units-hba1c"),
    ("insulin daily dose", "insulin-daily-dose", "units-insulin-dose"),
    ("fasting glucose", "fasting-glucose", "units-glucose"),
    ("BMI", "bmi", "units-bmi"),
    ("body weight", "body-weight", "units-body-weight"),
    ("body height", "body-height", "units-body-height"),
]
AGE_BANDS = [(0, 4), (5, 7), (8, 12), (13, 18), (19, 24), (25, 44), (45, 64), (65, 200)]


# ------------------------------------------------------------------ ValueSets of the server
class ValueSets:
    def __init__(self, folder):
        self.sets = {}
        for name in os.listdir(folder):
            if name.startswith("ValueSet-") and name.endswith(".json"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    vs = json.load(f)
                self.sets[vs["url"]] = vs

    def contains(self, vs_id, system, code, _seen=None):
        vs = self.sets.get(VS + vs_id) or self.sets.get(vs_id)
        if vs is None:
            raise SystemExit(f"ValueSet {vs_id} not found in fhir-profiles/")
        for inc in vs.get("compose", {}).get("include", []):
            if any(self.contains(v, system, code) for v in inc.get("valueSet", [])):
                return True
            if inc.get("system") != system:
                continue
            if "concept" in inc and any(c["code"] == code for c in inc["concept"]):
                return True
            for flt in inc.get("filter", []):
                value = flt["value"]
                if flt["op"] == "is-a" and (code == value or (system == ICD10CM and code.startswith(value)
                                                                and (code[len(value)] == "." or "." in value))):
                    return True
                if flt["op"] == "regex" and re.fullmatch(value, code):
                    return True
            if "concept" not in inc and "filter" not in inc and not inc.get("valueSet"):
                return True
        return False

    def matches(self, vs_id, codeable):
        return any(self.contains(vs_id, c.get("system"), c.get("code", "")) for c in (codeable or {}).get("coding", []))


# ------------------------------------------------------------------ reading bundles
def day(value):
    return dt.date.fromisoformat(value[:10]) if value else None


def age_on(birth, when):
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def months_before(when, months):
    y, m = divmod(when.year * 12 + when.month - 1 - months, 12)
    d = min(when.day, [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30,
                       31, 31, 30, 31, 30, 31][m])
    return dt.date(y, m + 1, d)


def resource_date(r):
    for key in ("effectiveDateTime", "onsetDateTime", "authoredOn", "occurrenceDateTime", "recordedDate",
                "issued", "date"):
        if key in r:
            return day(r[key])
    for key in ("period", "effectivePeriod", "performedPeriod"):
        if key in r and "start" in r[key]:
            return day(r[key]["start"])
    return None


def positive(obs):
    for interp in obs.get("interpretation", []):
        for c in interp.get("coding", []):
            if c.get("code") in ("POS", "H", "HH", "A"):
                return True
            if c.get("code") in ("NEG", "N"):
                return False
    for c in obs.get("valueCodeableConcept", {}).get("coding", []):
        if c.get("system") == "http://snomed.info/sct" and c.get("code") == "10828004":
            return True
        if c.get("system") == "http://snomed.info/sct" and c.get("code") == "260385009":
            return False
    return None


def references(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from references(v)
    elif isinstance(node, list):
        for v in node:
            yield from references(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", help="population directory (with fhir/ and manifest.json) or a folder of bundles")
    ap.add_argument("--reference-date", help="YYYY-MM-DD; default: the manifest's, else today")
    ap.add_argument("--days", type=int, default=90, help="look-back window for labs (default 90, as the trials)")
    ap.add_argument("--years-of-history", type=int,
                    help="years of history the bundles hold; default: the manifest's, else 5")
    ap.add_argument("--profiles", default=os.path.join(ROOT, "fhir-profiles"), help="folder with the ValueSets")
    ap.add_argument("--json", help="also write the summary as JSON to this file")
    args = ap.parse_args()

    folder = args.directory
    manifest = {}
    if os.path.exists(os.path.join(folder, "manifest.json")):
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
    if os.path.isdir(os.path.join(folder, "fhir")):
        folder = os.path.join(folder, "fhir")
    ref = dt.date.fromisoformat(args.reference_date or manifest.get("referenceDate") or dt.date.today().isoformat())
    window_start = ref - dt.timedelta(days=args.days)
    years = args.years_of_history or manifest.get("yearsOfHistory") or 5
    history_start = months_before(ref, 12 * years)
    vsets = ValueSets(args.profiles)

    files = sorted(f for f in os.listdir(folder) if f.endswith(".json"))
    provider_files = [f for f in files if f.startswith(("hospitalInformation", "practitionerInformation"))]
    patient_files = [f for f in files if f not in provider_files]
    problems = []

    # identifiers the provider bundles create, for conditional references in patient bundles
    provided = set()
    provider_types = collections.Counter()
    for name in provider_files:
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            bundle = json.load(f)
        for e in bundle.get("entry", []):
            r = e["resource"]
            provider_types[r["resourceType"]] += 1
            for ident in r.get("identifier", []):
                provided.add(f'{r["resourceType"]}?identifier={ident.get("system")}|{ident.get("value")}')

    types = collections.Counter()
    sizes = []
    ages_all, ages_t1d = collections.Counter(), collections.Counter()
    sexes = collections.Counter()
    units = collections.defaultdict(collections.Counter)
    bad_units = collections.Counter()
    t1d = []  # per-patient facts of people with type 1 diabetes
    unresolved = collections.Counter()
    future = collections.Counter()
    hba1c_recent_all = 0
    not_transaction = 0

    for name in patient_files:
        path = os.path.join(folder, name)
        sizes.append(os.path.getsize(path))
        with open(path, encoding="utf-8") as f:
            bundle = json.load(f)
        if bundle.get("type") != "transaction":
            not_transaction += 1
        entries = bundle.get("entry", [])
        full_urls = {e.get("fullUrl") for e in entries}
        resources = [e["resource"] for e in entries]
        patient = next(r for r in resources if r["resourceType"] == "Patient")
        birth = day(patient["birthDate"])
        age = age_on(birth, ref)
        band = next(f"{lo}-{hi}" if hi < 200 else f"{lo}+" for lo, hi in AGE_BANDS if lo <= age <= hi)
        ages_all[band] += 1
        sexes[patient.get("gender")] += 1
        facts = {"file": name, "age": age, "band": band, "t1d_onset": None, "dka_onsets": [], "dka_active": False,
                 "t2d": False, "recent": collections.Counter(), "antibodies": {}, "cpep_f": [], "cpep_2h": []}
        for r in resources:
            types[r["resourceType"]] += 1
            when = resource_date(r)
            if when and when > ref:
                future[r["resourceType"]] += 1
            for ref_ in references(r):
                if ref_.startswith("urn:uuid:") and ref_ not in full_urls:
                    unresolved["urn:uuid (not in bundle)"] += 1
                elif "?identifier=" in ref_ and ref_ not in provided:
                    unresolved[ref_.split("?")[0] + "?identifier (not in provider bundles)"] += 1
            if r["resourceType"] == "Condition":
                code = r.get("code")
                status = r.get("verificationStatus", {}).get("coding", [{}])[0].get("code")
                if status in ("refuted", "entered-in-error"):
                    continue
                onset = day(r.get("onsetDateTime"))
                if vsets.matches("type-1-diabetes", code):
                    if onset and (facts["t1d_onset"] is None or onset < facts["t1d_onset"]):
                        facts["t1d_onset"] = onset
                if vsets.matches("diabetic-ketoacidosis", code) and onset:
                    facts["dka_onsets"].append(onset)
                    if not r.get("abatementDateTime") or day(r["abatementDateTime"]) > ref:
                        facts["dka_active"] = True
                if any(c.get("code") == T2D_SNOMED for c in code.get("coding", [])):
                    facts["t2d"] = True
            elif r["resourceType"] == "Observation":
                when = day(r.get("effectiveDateTime"))
                recent = when is not None and window_start <= when <= ref
                code = r.get("code")
                q = r.get("valueQuantity")
                for label, vs_id, units_vs in CONCEPTS[2:]:
                    if not vsets.matches(vs_id, code):
                        continue
                    if q:
                        units[label][q.get("code")] += 1
                        if not vsets.contains(units_vs, q.get("system"), q.get("code", "")):
                            bad_units[f"{label} in {q.get('code')}"] += 1
                    has_value = q is not None and "value" in q or positive(r) is not None
                    if recent and has_value and r.get("status") in ("final", "amended", "corrected"):
                        facts["recent"][label] += 1
                    if label == "islet autoantibody" and positive(r) is not None:
                        key = "|".join(c.get("code", "") for c in code.get("coding", []))
                        facts["antibodies"][key] = facts["antibodies"].get(key) or positive(r)
                    if label.startswith("C-peptide") and q and q.get("code") in CPEP_TO_NMOL and when:
                        target = facts["cpep_f"] if label == "C-peptide fasting" else facts["cpep_2h"]
                        target.append((when, q["value"] * CPEP_TO_NMOL[q["code"]]))
        if facts["recent"]["HbA1c"]:
            hba1c_recent_all += 1
        if facts["t1d_onset"] is not None and facts["t1d_onset"] <= ref:
            ages_t1d[band] += 1
            t1d.append(facts)

    # ------------------------------------------------------------ summary
    n = len(patient_files)
    s = {"directory": os.path.abspath(args.directory), "referenceDate": ref.isoformat(), "windowDays": args.days,
         "patients": n, "providerBundles": len(provider_files), "providerResources": dict(provider_types),
         "resources": dict(types.most_common()), "bundleMegabytes": round(sum(sizes) / 1e6, 1),
         "ageAtReferenceDate": {b: ages_all.get(b, 0) for b in (f"{lo}-{hi}" if hi < 200 else f"{lo}+" for lo, hi in AGE_BANDS)},
         "sex": dict(sexes)}
    onset_6 = [p for p in t1d if p["t1d_onset"] >= months_before(ref, 6)]
    onset_12 = [p for p in t1d if p["t1d_onset"] >= months_before(ref, 12)]
    # Synthea exports ended conditions and old results only inside the history window: the
    # diagnosis (DKA, autoantibodies) is visible only for onsets inside it.
    onset_in_history = [p for p in t1d if p["t1d_onset"] >= history_start]
    dka_at_onset = [p for p in onset_in_history if any(abs((d - p["t1d_onset"]).days) <= 7 for d in p["dka_onsets"])]
    tested = [p for p in onset_in_history if p["antibodies"]]
    positives = collections.Counter(sum(1 for v in p["antibodies"].values() if v) for p in tested)

    def with_recent(label, group):
        return sum(1 for p in group if p["recent"][label])

    labels = ["C-peptide fasting", "C-peptide 2 h", "islet autoantibody", "HbA1c", "insulin daily dose",
              "BMI", "body weight", "body height", "fasting glucose"]
    s["t1d"] = {
        "patients": len(t1d), "share": round(len(t1d) / n, 4) if n else 0,
        "ageAtReferenceDate": {b: ages_t1d.get(b, 0) for b in s["ageAtReferenceDate"]},
        "onsetWithin6Months": len(onset_6), "onsetWithin12Months": len(onset_12),
        "onsetInExportedHistory": len(onset_in_history), "dkaAtOnset": len(dka_at_onset), "dkaActiveAtReferenceDate": sum(p["dka_active"] for p in t1d),
        "alsoType2Diabetes": sum(p["t2d"] for p in t1d),
        "withResultInWindow": {l: with_recent(l, t1d) for l in labels},
        "onsetWithin12MonthsWithResultInWindow": {l: with_recent(l, onset_12) for l in labels},
        "autoantibodiesTested": len(tested),
        "positiveAutoantibodies": {str(k): positives[k] for k in sorted(positives)},
    }
    # fasting C-peptide (nmol/L) by time since onset, all results
    buckets = [(0, 3, "0-3 mo"), (3, 6, "3-6 mo"), (6, 12, "6-12 mo"), (12, 24, "1-2 y"), (24, 60, "2-5 y"),
               (60, 10 ** 6, ">5 y")]
    by_time = collections.defaultdict(list)
    for p in t1d:
        for when, value in p["cpep_f"]:
            months = (when - p["t1d_onset"]).days / 30.44
            label = next(l for lo, hi, l in buckets if lo <= months < hi)
            by_time[label].append(value)
    s["t1d"]["fastingCPeptideMedianNmolPerL"] = {
        l: {"n": len(by_time[l]), "median": round(statistics.median(by_time[l]), 3)} for _, _, l in buckets if by_time[l]}
    # the lab, age and onset rows of NCT06407297 (not the whole protocol)
    def nct_candidate(p):
        latest = lambda rows: max(rows)[1] if rows else None
        f = latest([r for r in p["cpep_f"] if window_start <= r[0] <= ref])
        h = latest([r for r in p["cpep_2h"] if window_start <= r[0] <= ref])
        return 8 <= p["age"] <= 18 and p in onset_6 and f is not None and f >= 0.1 and h is not None and h > 0.2
    s["t1d"]["nct06407297LabAgeOnsetCandidates"] = sum(1 for p in t1d if nct_candidate(p))
    s["hba1cInWindowAllPatients"] = hba1c_recent_all
    s["units"] = {k: dict(v) for k, v in units.items()}

    if not_transaction:
        problems.append(f"{not_transaction} patient bundles are not transaction Bundles")
    if bad_units:
        problems.append("units outside the server's units ValueSets: " + ", ".join(f"{k} ({v})" for k, v in bad_units.items()))
    if future:
        problems.append("resources dated after the reference date: " + ", ".join(f"{k} {v}" for k, v in future.items()))
    if unresolved:
        problems.append("references that will not resolve: " + ", ".join(f"{k} {v}" for k, v in unresolved.items()))
    if s["t1d"]["alsoType2Diabetes"]:
        problems.append(f'{s["t1d"]["alsoType2Diabetes"]} people with type 1 diabetes also have type 2 diabetes')
    if manifest and manifest.get("patients") != n:
        problems.append(f'manifest says {manifest.get("patients")} patients, found {n}')
    if manifest and len(t1d) < manifest.get("t1dPatients", 0):
        problems.append(f'manifest says {manifest["t1dPatients"]} T1D patients, found {len(t1d)}')
    s["problems"] = problems

    # ------------------------------------------------------------ print
    p = print
    p(f"Population {s['directory']}  (reference date {ref}, look-back {args.days} days: {window_start} .. {ref})")
    p(f"  patients: {n} transaction bundles, {s['bundleMegabytes']} MB"
      f" ({s['bundleMegabytes'] / n if n else 0:.2f} MB each); provider bundles: {len(provider_files)}"
      f" ({', '.join(f'{k} {v}' for k, v in provider_types.most_common())})")
    p(f"  sex: {', '.join(f'{k} {v}' for k, v in sexes.most_common())}")
    p("  resources per type (total, per patient):")
    for k, v in types.most_common():
        p(f"    {k:<26}{v:>8}{v / n:>9.1f}")
    p("  age at reference date:   " + "  ".join(f"{b}: {c}" for b, c in s["ageAtReferenceDate"].items()))
    p(f"  HbA1c in window (all patients): {hba1c_recent_all}")
    t = s["t1d"]
    p(f"Type 1 diabetes: {t['patients']} patients ({100 * t['share']:.1f} %)")
    p("  age at reference date:   " + "  ".join(f"{b}: {c}" for b, c in t["ageAtReferenceDate"].items()))
    p(f"  onset within 6 months: {t['onsetWithin6Months']}, within 12 months: {t['onsetWithin12Months']}")
    p(f"  onset inside the exported history (since {history_start}): {t['onsetInExportedHistory']}; of these"
      f" DKA at onset: {t['dkaAtOnset']} ({100 * t['dkaAtOnset'] / max(1, t['onsetInExportedHistory']):.0f} %),"
      f" autoantibodies tested: {t['autoantibodiesTested']}")
    p(f"  DKA active at reference date: {t['dkaActiveAtReferenceDate']}, also type 2 diabetes: {t['alsoType2Diabetes']}")
    p(f"  autoantibodies at diagnosis, number positive -> patients: "
      + ", ".join(f"{k}: {v}" for k, v in t["positiveAutoantibodies"].items()))
    p(f"  with a result in the last {args.days} days   (all T1D / onset within 12 months):")
    for l in labels:
        p(f"    {l:<22}{t['withResultInWindow'][l]:>5} /{t['onsetWithin12MonthsWithResultInWindow'][l]:>4}")
    p("  fasting C-peptide by time since onset (median nmol/L, n): "
      + ", ".join(f"{k} {v['median']} ({v['n']})" for k, v in t["fastingCPeptideMedianNmolPerL"].items()))
    p(f"  NCT06407297 lab/age/onset rows met (age 8-18, onset <= 6 mo, fasting >= 0.1, 2 h > 0.2 nmol/L): "
      f"{t['nct06407297LabAgeOnsetCandidates']}")
    p("Units: " + "; ".join(f"{k}: " + ", ".join(f"{u} {c}" for u, c in v.items()) for k, v in s["units"].items()))
    p("Problems: " + ("none" if not problems else ""))
    for problem in problems:
        p("  - " + problem)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(s, f, indent=2)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
