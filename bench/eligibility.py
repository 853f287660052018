#!/usr/bin/env python3
"""$eligibility latency over a synthetic population, against a running trialfhir server.

Loads N synthetic patients (about 50 resources each: conditions, labs and vitals over two years,
some of them candidates for NCT06407297) as transaction Bundles, then times one
ResearchStudy/nct06407297/$eligibility call per patient and prints the median and p95, with the
same statistics for a plain read of the patient (the floor an HTTP round trip costs) as baseline.

    java -jar target/trialfhir.jar --trialfhir.data-dir=bench-data &   # wait for readiness
    python3 bench/eligibility.py --patients 1000

With --ndjson DIR it only writes the population as Patient.ndjson, Condition.ndjson and
Observation.ndjson (the file layout of a Bulk export; bench/spark.sh reads it) and needs no server.

Only the Python standard library; talks to the server on loopback only.
"""
import argparse, json, random, statistics, time, urllib.request, uuid
from datetime import date, timedelta

REF = date(2026, 6, 15)
UCUM = "http://unitsofmeasure.org"

def post(base, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/fhir+json", "Prefer": "return=minimal"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")

def get(base, path):
    with urllib.request.urlopen(base + path) as r:
        r.read()

def obs(pid, codings, day, value, unit, extra=None):
    o = {"resourceType": "Observation", "status": "final", "code": {"coding": codings},
         "subject": {"reference": pid}, "effectiveDateTime": day.isoformat(),
         "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}
    o.update(extra or {})
    return o

def patient_bundle(rng, i, size=44, t1d_share=0.5):
    pid = "urn:uuid:" + str(uuid.uuid4())
    t1d = rng.random() < t1d_share
    birth = REF - timedelta(days=rng.randint(5 * 365, 20 * 365))
    resources = [{"resourceType": "Patient", "identifier": [{"system": "urn:bench", "value": f"bench-{i}"}],
                  "birthDate": birth.isoformat(), "gender": rng.choice(["female", "male"])}]
    if t1d:
        resources.append({"resourceType": "Condition", "subject": {"reference": pid},
                          "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
                          "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E10.9"}]},
                          "onsetDateTime": (REF - timedelta(days=rng.randint(10, 700))).isoformat()})
    for _ in range(4):
        resources.append({"resourceType": "Condition", "subject": {"reference": pid},
                          "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": rng.choice(["J06.9", "K52.9", "L30.9", "R51.9"])}]},
                          "onsetDateTime": (REF - timedelta(days=rng.randint(10, 2000))).isoformat()})
    for k in range(max(5, size - len(resources))):
        day = REF - timedelta(days=rng.randint(0, 730))
        pick = k % 5
        if pick == 0:
            resources.append(obs(pid, [{"system": "http://loinc.org", "code": "4548-4"}], day, round(rng.uniform(5.5, 11), 1), "%"))
        elif pick == 1:
            resources.append(obs(pid, [{"system": "http://trialfhir.org/fhir/CodeSystem/trial-lab", "code": "c-peptide-fasting"},
                                       {"system": "http://loinc.org", "code": "1986-9"}], day, round(rng.uniform(0.02, 0.8), 2), "nmol/L"))
        elif pick == 2:
            resources.append(obs(pid, [{"system": "http://loinc.org", "code": "29463-7"}], day, round(rng.uniform(18, 80), 1), "kg"))
        elif pick == 3:
            resources.append(obs(pid, [{"system": "http://loinc.org", "code": "8302-2"}], day, round(rng.uniform(105, 185)), "cm"))
        else:
            resources.append(obs(pid, [{"system": "http://loinc.org", "code": "13926-1"}], day, round(rng.uniform(0, 60)), "U/mL",
                                 {"referenceRange": [{"high": {"value": 5, "unit": "U/mL", "system": UCUM, "code": "U/mL"}}]}))
    entries = [{"fullUrl": pid, "resource": resources[0], "request": {"method": "POST", "url": "Patient"}}]
    entries += [{"resource": r, "request": {"method": "POST", "url": r["resourceType"]}} for r in resources[1:]]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}

def ndjson_resources(bundle):
    """The bundle's resources as a Bulk export holds them: each with an id (the Patient's from its
    urn:uuid fullUrl), references to the Patient as Patient/id."""
    pid = bundle["entry"][0]["fullUrl"].removeprefix("urn:uuid:")
    out = []
    for k, entry in enumerate(bundle["entry"]):
        r = dict(entry["resource"], id=pid if k == 0 else f"{pid}-{k}")
        if "subject" in r:
            r["subject"] = {"reference": "Patient/" + pid}
        out.append(r)
    return out

def write_ndjson(out_dir, patients, seed=42, size=44, t1d_share=0.5):
    """Writes Patient.ndjson, Condition.ndjson and Observation.ndjson (the file layout of $export's
    output) into out_dir; returns the number of resources written per type."""
    import os
    os.makedirs(out_dir, exist_ok=True)
    rng, counts, files = random.Random(seed), {}, {}
    uuid_rng = random.Random(seed + 1)  # ids from the seed too, so one seed gives one population
    try:
        for i in range(patients):
            bundle = patient_bundle(rng, i, size, t1d_share)
            pid = str(uuid.UUID(int=uuid_rng.getrandbits(128), version=4))
            bundle["entry"][0]["fullUrl"] = "urn:uuid:" + pid
            for r in ndjson_resources(bundle):
                t = r["resourceType"]
                if t not in files:
                    files[t] = open(os.path.join(out_dir, t + ".ndjson"), "w")
                files[t].write(json.dumps(r, separators=(",", ":")) + "\n")
                counts[t] = counts.get(t, 0) + 1
    finally:
        for f in files.values():
            f.close()
    return counts

def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://localhost:8080/fhir")
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--ndjson", metavar="DIR", help="write the population as NDJSON into DIR (no server)")
    ap.add_argument("--t1d-share", type=float, default=0.5, help="share of patients with type 1 diabetes")
    args = ap.parse_args()
    if args.ndjson:
        counts = write_ndjson(args.ndjson, args.patients, args.seed, t1d_share=args.t1d_share)
        print(json.dumps(counts))
        return
    rng = random.Random(args.seed)
    ids, resources, t0 = [], 0, time.perf_counter()
    for i in range(args.patients):
        bundle = patient_bundle(rng, i, t1d_share=args.t1d_share)
        resources += len(bundle["entry"])
        reply = post(args.base, "", bundle)
        ids.append(reply["entry"][0]["response"]["location"].split("/")[1])
    load_s = time.perf_counter() - t0
    print(f"loaded {args.patients} patients, {resources} resources in {load_s:.1f} s ({resources / load_s:.0f} resources/s)")
    for pid in ids[:20]:  # warm-up, not measured
        get(args.base, f"/ResearchStudy/nct06407297/$eligibility?patient=Patient/{pid}&date={REF}")
    timings = {"read Patient (baseline)": [], "$eligibility NCT06407297": []}
    for pid in ids:
        t = time.perf_counter(); get(args.base, f"/Patient/{pid}"); timings["read Patient (baseline)"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter(); get(args.base, f"/ResearchStudy/nct06407297/$eligibility?patient=Patient/{pid}&date={REF}")
        timings["$eligibility NCT06407297"].append((time.perf_counter() - t) * 1000)
    base_median = statistics.median(timings["read Patient (baseline)"])
    print(f"{'request':28} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
    for name, values in timings.items():
        print(f"{name:28} {len(values):5d} {statistics.median(values):10.1f} {pct(values, 95):8.1f} {statistics.median(values) / base_median:11.1f}")

if __name__ == "__main__":
    main()
