#!/usr/bin/env python3
"""Check that the synthetic GXIPC1 cohort bundle reproduces the published abstract's figures.

    python3 docs/gxipc1-cohort/check.py [path/to/gxipc1-cohort-bundle.json]

Independent of generate.py: it re-reads the bundle (numbers parsed as Decimal, so there is no float
noise), finds each result by its code, works out the visit from the study day (effective date minus
ResearchSubject.period.start), normalises units (HbA1c mmol/mol -> %: v / 10.929 + 2.15; glucose
mg/dL -> mmol/L: v / 18.016; C-peptide pmol/L -> nmol/L: v / 1000; insulin [IU]/d as is) and prints
every figure with PASS or FAIL. Exit status 0 only when everything passes. Python 3 stdlib only.
"""

import datetime as dt
import json
import sys
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUNDLE = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "gxipc1-cohort-bundle.json"
EXAMPLES = HERE.parent.parent / "fhir-profiles" / "example"
PROFILES = HERE.parent.parent / "fhir-profiles"

UCUM = "http://unitsofmeasure.org"
STUDY = "ResearchStudy/gxipc1-phase1"
SUBJECT_KEYS = [f"gx{n:02d}" for n in range(1, 11)]

# analyte -> (coding that identifies it, standard UCUM code, {other UCUM code: to-standard function})
ANALYTES = {
    "hba1c": (
        ("http://loinc.org", "4548-4"),
        "%",
        {"mmol/mol": lambda v: v / Decimal("10.929") + Decimal("2.15")},
    ),
    "glucose": (
        ("http://loinc.org", "1558-6"),
        "mmol/L",
        {"mg/dL": lambda v: v / Decimal("18.016")},
    ),
    "cpeptide": (
        ("http://trialfhir.org/fhir/CodeSystem/trial-lab", "c-peptide-fasting"),
        "nmol/L",
        {"pmol/L": lambda v: v / Decimal("1000")},
    ),
    "insulin": (
        ("http://trialfhir.org/fhir/CodeSystem/trial-lab", "insulin-daily-dose"),
        "[IU]/d",
        {},
    ),
}
# Visit windows in study days (day 0 = infusion = ResearchSubject.period.start).
VISITS = {"bl": (-3, 0), "m1": (28, 33), "m3": (88, 95), "m6": (178, 186)}
VISIT_NAMES = {"bl": "baseline", "m1": "1 month", "m3": "3 months", "m6": "6 months"}

results = []


def report(ok, label, detail):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")


def median(values):
    s = sorted(values)
    n = len(s)
    if n == 0:
        return None
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def middle(pairs):
    """The (value, observation) pairs that make up the median."""
    s = sorted(pairs, key=lambda p: p[0])
    n = len(s)
    return s[n // 2 : n // 2 + 1] if n % 2 else s[n // 2 - 1 : n // 2 + 1]


def fmt(d):
    return format(Decimal(d).normalize(), "f") if d is not None else "none"


def ref_id(reference, kind):
    prefix = kind + "/"
    return reference[len(prefix):] if reference and reference.startswith(prefix) else None


# ---------------------------------------------------------------- load
bundle = json.loads(BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)
entries = bundle.get("entry", [])
by_type = defaultdict(dict)
for e in entries:
    r = e["resource"]
    by_type[r["resourceType"]][r["id"]] = r

patients = by_type["Patient"]
subjects = by_type["ResearchSubject"]
key_of_patient = {}
for pid, p in patients.items():
    ids = [i["value"] for i in p.get("identifier", []) if i.get("system") == "urn:trialfhir:example:gxipc1"]
    if ids:
        key_of_patient[pid] = ids[0]
day0 = {}  # patient id -> infusion date
period_end = {}
for rs in subjects.values():
    pid = ref_id(rs["individual"]["reference"], "Patient")
    day0[pid] = dt.date.fromisoformat(rs["period"]["start"])
    period_end[pid] = dt.date.fromisoformat(rs["period"]["end"])

# normalised values: data[analyte][visit][subject key] = (value in standard unit, observation)
data = {a: {v: {} for v in VISITS} for a in ANALYTES}
unplaced = []
bad_units = []
converted = []  # (observation, standard value, original value, unit)
for obs in by_type["Observation"].values():
    codings = {(c.get("system"), c.get("code")) for c in obs["code"].get("coding", [])}
    analyte = next((a for a, (c, _, _) in ANALYTES.items() if c in codings), None)
    pid = ref_id(obs["subject"]["reference"], "Patient")
    if analyte is None or pid not in day0:
        unplaced.append(obs["id"])
        continue
    study_day = (dt.date.fromisoformat(obs["effectiveDateTime"]) - day0[pid]).days
    visit = next((v for v, (lo, hi) in VISITS.items() if lo <= study_day <= hi), None)
    q = obs["valueQuantity"]
    _, standard, others = ANALYTES[analyte]
    if q.get("system") != UCUM or (q["code"] != standard and q["code"] not in others):
        bad_units.append(f"{obs['id']} {q.get('code')}")
        continue
    value = Decimal(q["value"])
    if q["code"] != standard:
        value = others[q["code"]](value)
        converted.append((obs, value, q["value"], q["code"]))
    key = key_of_patient.get(pid)
    if visit is None or key in data[analyte][visit]:
        unplaced.append(f"{obs['id']} (day {study_day})")
        continue
    data[analyte][visit][key] = (value, obs)


def values(analyte, visit):
    return [v for v, _ in data[analyte][visit].values()]


def med(analyte, visit):
    return median(values(analyte, visit))


# ---------------------------------------------------------------- the abstract's figures
print(f"Bundle: {BUNDLE}")
print("Figures of the abstract (after unit normalisation, n = 10):")

g_bl, g_m1 = med("glucose", "bl"), med("glucose", "m1")
report(
    g_bl == Decimal("15.3") and g_m1 == Decimal("5.8"),
    "1. median fasting glucose",
    f"baseline {fmt(g_bl)} mmol/L (abstract 15.3), 1 month {fmt(g_m1)} mmol/L (abstract 5.8)",
)

i_bl, i_m3 = med("insulin", "bl"), med("insulin", "m3")
change = (i_m3 - i_bl) / i_bl * 100 if i_bl else None
change1 = change.quantize(Decimal("0.1"), ROUND_HALF_UP) if change is not None else None
change0 = change.quantize(Decimal("1"), ROUND_HALF_UP) if change is not None else None
report(
    i_bl == Decimal("22.5") and i_m3 == Decimal("12.5") and change1 == Decimal("-44.4")
    and change0 == Decimal("-44"),
    "2. median daily insulin",
    f"baseline {fmt(i_bl)} IU/day (abstract 22.5), 3 months {fmt(i_m3)} IU/day (abstract 12.5), "
    f"change of medians {fmt(change1)} % = {fmt(change0)} % (abstract -44 %)",
)

h_m3, h_m6 = med("hba1c", "m3"), med("hba1c", "m6")
report(
    h_m3 == Decimal("7.41") and h_m6 == Decimal("8.27"),
    "3. median HbA1c",
    f"3 months {fmt(h_m3)} % (abstract 7.41), 6 months {fmt(h_m6)} % (abstract 8.27)",
)

h_bl = data["hba1c"]["bl"]
h6 = data["hba1c"]["m6"]
paired = [k for k in SUBJECT_KEYS if k in h_bl and k in h6]
below_baseline = sorted(k for k in paired if h6[k][0] < h_bl[k][0])
below_75 = sorted(k for k in h6 if h6[k][0] < Decimal("7.5"))
n6 = len(h6)
report(
    n6 == 10 and len(paired) == 10 and len(below_baseline) == 3 and len(below_75) == 2,
    "4. HbA1c at 6 months",
    f"{len(below_baseline)}/{n6} = {len(below_baseline) * 100 // max(n6, 1)} % below own baseline "
    f"{below_baseline} (abstract 30 %), {len(below_75)}/{n6} = {len(below_75) * 100 // max(n6, 1)} % "
    f"below 7.5 % {below_75} (abstract 20 %)",
)

zero = sorted((k, v) for v in VISITS for k, (x, _) in data["insulin"][v].items() if x == 0)
independent = [k for k, v in zero]
ok5 = len(zero) == 1 and zero[0][1] == "m3"
if ok5:
    k = zero[0][0]
    ok5 = (all(data["insulin"][v][k][0] > 0 for v in ("bl", "m1", "m6")))
report(
    ok5,
    "5. insulin independence",
    f"0 IU/day doses: {[f'{k} at {VISIT_NAMES[v]}' for k, v in zero]} "
    + (
        f"(6 months: {fmt(data['insulin']['m6'][independent[0]][0])} IU/day); "
        if len(independent) == 1 and independent[0] in data["insulin"]["m6"]
        else ""
    )
    + "abstract: one participant insulin-independent between months 3 and 6",
)

aes = list(by_type["AdverseEvent"].values())


def codes(cc):
    return {(c.get("system"), c.get("code")) for c in (cc or {}).get("coding", [])}


ae_subjects = {ref_id(a["subject"]["reference"], "Patient") for a in aes}
serious = [a["id"] for a in aes
           if codes(a.get("seriousness")) != {("http://terminology.hl7.org/CodeSystem/adverse-event-seriousness", "Non-serious")}]
severities = Counter(c for a in aes for s, c in codes(a.get("severity"))
                     if s == "http://terminology.hl7.org/CodeSystem/adverse-event-severity")
bad_severity = [a["id"] for a in aes if not codes(a.get("severity")) or
                any(c not in ("mild", "moderate") for _, c in codes(a.get("severity")))]
relatedness = Counter(
    c
    for a in aes
    for se in a.get("suspectEntity", [])
    for ca in se.get("causality", [])
    for s, c in codes(ca.get("assessment"))
    if s == "http://trialfhir.org/fhir/CodeSystem/ae-relatedness"
)
unassessed = [a["id"] for a in aes
              if not any(s == "http://trialfhir.org/fhir/CodeSystem/ae-relatedness"
                         for se in a.get("suspectEntity", []) for ca in se.get("causality", [])
                         for s, _ in codes(ca.get("assessment")))]
events = Counter(a["event"].get("text", "?").split(",")[0] for a in aes)
report(
    len(aes) == 8 and len(ae_subjects) == 6 and not serious and not bad_severity
    and set(relatedness) == {"not-related"} and not unassessed,
    "6. adverse events",
    f"{len(aes)} events (abstract 8) in {len(ae_subjects)} subjects (abstract 6); "
    f"serious: {len(serious)}; severity {dict(sorted(severities.items()))}; "
    f"relatedness {dict(relatedness)}; events {dict(events)}",
)

c_bl = med("cpeptide", "bl")
deltas = {v: med("cpeptide", v) - c_bl for v in ("m1", "m3", "m6")} if c_bl is not None else {}
report(
    c_bl is not None and all(abs(d) <= Decimal("0.05") for d in deltas.values()),
    "7. C-peptide stable",
    f"median baseline {fmt(c_bl)} nmol/L; "
    + ", ".join(f"{VISIT_NAMES[v]} {fmt(c_bl + d)} ({'+' if d >= 0 else ''}{fmt(d)})"
                for v, d in deltas.items())
    + " nmol/L (limit +/-0.05)",
)

# ---------------------------------------------------------------- consistency of the data set
print("Data set:")

report(
    bundle.get("resourceType") == "Bundle" and bundle.get("type") == "transaction"
    and all(e["request"]["method"] == "PUT"
            and e["request"]["url"] == f"{e['resource']['resourceType']}/{e['resource']['id']}"
            and (e["resource"]["id"].startswith("gxipc1-")
                 or e["resource"]["resourceType"] == "Medication" and e["resource"]["id"] == "gxipc1")
            for e in entries)
    and len({(e["resource"]["resourceType"], e["resource"]["id"]) for e in entries}) == len(entries),
    "S1. transaction of PUTs with fixed gxipc1 ids",
    f"{len(entries)} entries " + str(dict(Counter(e['resource']['resourceType'] for e in entries))),
)

ages = {}
for pid, p in patients.items():
    b = dt.date.fromisoformat(p["birthDate"])
    d0 = day0.get(pid)
    if d0:
        ages[key_of_patient.get(pid)] = d0.year - b.year - ((d0.month, d0.day) < (b.month, b.day))
genders = Counter(p.get("gender") for p in patients.values())
report(
    sorted(key_of_patient.values()) == SUBJECT_KEYS
    and all(pid == f"gxipc1-{k}" for pid, k in key_of_patient.items())
    and all(5 <= a <= 17 for a in ages.values()) and len(ages) == 10
    and genders.get("male", 0) > 0 and genders.get("female", 0) > 0,
    "S2. patients gx01..gx10, aged 5-17 at infusion, mixed gender",
    f"ages {min(ages.values())}-{max(ages.values())}, {dict(genders)}",
)

rs_ok = all(
    rs.get("status") == "off-study" and rs["study"]["reference"] == STUDY
    and "meta" not in rs
    and rs["id"] == ref_id(rs["individual"]["reference"], "Patient")
    and period_end[ref_id(rs["individual"]["reference"], "Patient")]
    - day0[ref_id(rs["individual"]["reference"], "Patient")] == dt.timedelta(days=182)
    and dt.date(2024, 3, 1) <= day0[ref_id(rs["individual"]["reference"], "Patient")] <= dt.date(2024, 6, 30)
    for rs in subjects.values()
)
report(
    rs_ok and len(subjects) == 10 and len(set(day0.values())) == 10,
    "S3. research subjects off-study, day 0 2024-03-01..2024-06-30, end day 182, no meta.profile",
    f"infusion days {min(day0.values())} .. {max(day0.values())}",
)

complete = all(len(data[a][v]) == 10 for a in ANALYTES for v in VISITS)
obs_ok = all(o.get("status") == "final" and len(o["effectiveDateTime"]) == 10
             for o in by_type["Observation"].values())
days_used = {v: sorted({(dt.date.fromisoformat(o["effectiveDateTime"])
                         - day0[ref_id(o["subject"]["reference"], "Patient")]).days
                        for a in ANALYTES for _, o in data[a][v].values()}) for v in VISITS}
report(
    complete and obs_ok and not unplaced and not bad_units,
    "S4. one final result per analyte, subject and visit, each inside its window",
    "; ".join(f"{VISIT_NAMES[v]} days {d[0]}..{d[-1]}" for v, d in days_used.items() if d)
    + (f"; unplaced {unplaced}" if unplaced else "") + (f"; bad units {bad_units}" if bad_units else ""),
)

after_end = [o["id"] for o in by_type["Observation"].values()
             if dt.date.fromisoformat(o["effectiveDateTime"]) > period_end[ref_id(o["subject"]["reference"], "Patient")]]
ae_in_period = all(day0[ref_id(a["subject"]["reference"], "Patient")]
                   <= dt.date.fromisoformat(a["date"]) <= period_end[ref_id(a["subject"]["reference"], "Patient")]
                   for a in aes)
med_refs = {se["instance"]["reference"] for a in aes for se in a.get("suspectEntity", [])}
report(
    not after_end and ae_in_period and med_refs == {"Medication/gxipc1"}
    and "gxipc1" in by_type["Medication"]
    and all(a.get("actuality") == "actual" and [s["reference"] for s in a.get("study", [])] == [STUDY]
            for a in aes)
    and all((r.get("reference") or "").split("/", 1)[1] in by_type[(r.get("reference") or "/").split("/", 1)[0]]
            for rs in subjects.values() for r in [rs["individual"]])
    and all(ref_id(o["subject"]["reference"], "Patient") in patients for o in by_type["Observation"].values()),
    "S5. references resolve, visits and adverse events inside the subject's period",
    f"AE suspect entity {sorted(med_refs)}; results after period end: {len(after_end)}",
)

units = Counter((k, a, o["valueQuantity"]["code"]) for a in ANALYTES for v in VISITS
                for k, (_, o) in data[a][v].items() if o["valueQuantity"]["code"] != ANALYTES[a][1])
variants = sorted({(a, k, u) for k, a, u in units})
report(
    ("hba1c", "gx03", "mmol/mol") in variants and units[("gx03", "hba1c", "mmol/mol")] == 4
    and ("glucose", "gx07", "mg/dL") in variants and units[("gx07", "glucose", "mg/dL")] == 4
    and sum(n for (k, a, u), n in units.items() if u == "pmol/L") == 1 and len(variants) == 3,
    "S6. unit variations present",
    "; ".join(f"{a} {k} {u} x{units[(k, a, u)]}" for a, k, u in variants),
)

# Round trip: the reported value must give back the intended standard value (3 decimals at least).
worst = max((abs(v - v.quantize(Decimal("0.01"))) for _, v, _, _ in converted), default=Decimal(0))
report(
    worst < Decimal("0.0005"),
    "S7. converted values give back a 2-decimal standard value (to < 0.0005)",
    "; ".join(f"{o['id']} {fmt(orig)} {u} = {fmt(v)}" for o, v, orig, u in sorted(converted, key=lambda c: c[0]['id'])),
)

# No converted value decides a median or sits on a threshold.
on_median = [o["id"] for a in ANALYTES for v in VISITS
             for _, o in middle(list(data[a][v].values()))
             if o["valueQuantity"]["code"] != ANALYTES[a][1]]
margin_bl = min(abs(h6[k][0] - h_bl[k][0]) for k in paired)
margin_75 = min(abs(h6[k][0] - Decimal("7.5")) for k in h6)
report(
    not on_median and margin_bl >= Decimal("0.05") and margin_75 >= Decimal("0.05"),
    "S8. no converted value is a middle value; no HbA1c on a threshold",
    f"converted middle values: {on_median or 'none'}; smallest distance of a 6-month HbA1c to its "
    f"baseline {fmt(margin_bl)} %, to 7.5 %: {fmt(margin_75)} %",
)

plausible = (
    all(Decimal("6.5") <= x <= Decimal("9.5") for x in values("hba1c", "bl"))
    and all(Decimal("0.2") <= x <= Decimal("0.6") for x in values("cpeptide", "bl"))
    and all(Decimal("10") <= x <= Decimal("35") for x in values("insulin", "bl"))
)
report(
    plausible,
    "S9. baseline ranges (HbA1c ~7-9 %, C-peptide 0.2-0.6 nmol/L, insulin 10-35 IU/day)",
    f"HbA1c {fmt(min(values('hba1c', 'bl')))}-{fmt(max(values('hba1c', 'bl')))} %, "
    f"C-peptide {fmt(min(values('cpeptide', 'bl')))}-{fmt(max(values('cpeptide', 'bl')))} nmol/L, "
    f"insulin {fmt(min(values('insulin', 'bl')))}-{fmt(max(values('insulin', 'bl')))} IU/day",
)

# Codes, systems and units as in the project's example Observations and unit ValueSets (when present).
if EXAMPLES.is_dir():
    problems = []
    example_files = {
        "hba1c": "Observation-example-hba1c.json",
        "glucose": "Observation-example-fasting-glucose.json",
        "cpeptide": "Observation-example-c-peptide-fasting.json",
        "insulin": "Observation-example-insulin-daily-dose.json",
    }
    unit_sets = {
        "hba1c": "ValueSet-units-hba1c.json",
        "glucose": "ValueSet-units-glucose.json",
        "cpeptide": "ValueSet-units-c-peptide.json",
        "insulin": "ValueSet-units-insulin-dose.json",
    }
    for a, f in example_files.items():
        example = json.loads((EXAMPLES / f).read_text(encoding="utf-8"))
        allowed = {c["code"] for inc in json.loads((PROFILES / unit_sets[a]).read_text(encoding="utf-8"))
                   ["compose"]["include"] for c in inc.get("concept", [])}
        for v in VISITS:
            for _, o in data[a][v].values():
                if o["code"] != example["code"]:
                    problems.append(f"{o['id']} code differs from {f}")
                if o.get("category") != example.get("category"):
                    problems.append(f"{o['id']} category differs from {f}")
                if o["valueQuantity"]["code"] not in allowed:
                    problems.append(f"{o['id']} unit {o['valueQuantity']['code']} not in {unit_sets[a]}")
    report(
        not problems,
        "S10. codes and categories as in the example Observations, units in the unit ValueSets",
        "; ".join(problems[:5]) or "all 160 results",
    )

print(f"{sum(results)}/{len(results)} PASS")
sys.exit(0 if all(results) else 1)
