#!/usr/bin/env python3
"""CDS Hooks benchmark: patient-view calls with prefetch, as an EHR makes them at chart open.

    ./mvnw -B -q package -DskipTests
    java -jar target/trialfhir.jar --trialfhir.data-dir=bench-data --server.port=18080 &
    python3 bench/cds.py --root http://127.0.0.1:18080 --calls 300

Against a development server (the development token issuer runs), where CDS calls without a JWT
are accepted. Each call sends one synthetic patient's whole record as prefetch (Patient, a type 1
diabetes or other diagnosis, about --labs laboratory results, a consent): the record is evaluated in
memory against every recruiting study and answered as cards. Prints p50/p95/max of the calls (after
--warmup calls), next to the same records sent to POST Patient/$match-studies as a `record` Bundle
in the same run (the evaluation alone, without the CDS layer), and the ratio. Target: p95 <= 200 ms.
Standard library only; loopback only.
"""
import argparse, json, random, statistics, time, urllib.error, urllib.request, uuid
from datetime import date, timedelta
import importlib.util, pathlib

_spec = importlib.util.spec_from_file_location("scale", pathlib.Path(__file__).with_name("scale.py"))
scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scale)

LOINC = "http://loinc.org"


def record(rng, i, labs):
    pid = f"bench-{i}"
    today = date.today()
    born = today - timedelta(days=rng.randint(6 * 365, 40 * 365))
    t1d = rng.random() < 0.7
    conditions = [{
        "resourceType": "Condition", "id": f"{pid}-c1", "subject": {"reference": f"Patient/{pid}"},
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "46635009" if t1d else "44054006"}]},
        "onsetDateTime": (today - timedelta(days=rng.randint(10, 400))).isoformat()}]
    codes = [("1986-9", "nmol/L", 0.05, 0.9), ("4548-4", "%", 5.0, 11.0), ("2345-7", "mmol/L", 3.5, 15.0)]
    observations = []
    for j in range(labs):
        code, unit, lo, hi = codes[j % len(codes)]
        observations.append({
            "resourceType": "Observation", "id": f"{pid}-o{j}", "status": "final",
            "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "effectiveDateTime": (today - timedelta(days=rng.randint(1, 300))).isoformat(),
            "valueQuantity": {"value": round(rng.uniform(lo, hi), 2), "unit": unit,
                              "system": "http://unitsofmeasure.org", "code": unit}})
    consent = {"resourceType": "Consent", "id": f"{pid}-consent", "status": "active",
               "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}]},
               "category": [{"coding": [{"system": "http://loinc.org", "code": "57016-8"}]}],
               "patient": {"reference": f"Patient/{pid}"}, "dateTime": today.isoformat()}
    patient = {"resourceType": "Patient", "id": pid, "gender": rng.choice(["female", "male"]),
               "birthDate": born.isoformat()}
    return pid, patient, conditions, observations, [consent]


def searchset(resources):
    return {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
                      for r in resources]}


def post(url, body, headers):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        raise SystemExit(f"POST {url}: HTTP {e.code} {e.read()[:400]!r}")
    return status, (time.perf_counter() - start) * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default="http://127.0.0.1:8080")
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--labs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    root = a.root.rstrip("/")
    token = scale.dev_token(root)
    rng = random.Random(a.seed)
    records = [record(rng, i, a.labs) for i in range(a.calls + a.warmup)]
    cds, match = [], []
    for n, (pid, patient, conditions, observations, consents) in enumerate(records):
        call = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                "context": {"userId": "Practitioner/bench", "patientId": pid},
                "prefetch": {"patient": patient, "conditions": searchset(conditions),
                             "observations": searchset(observations), "consents": searchset(consents),
                             "allergies": searchset([])}}
        _, ms_cds = post(root + "/cds-services/trialfhir-trial-match", call, {"Content-Type": "application/json"})
        bundle = {"resourceType": "Bundle", "type": "collection",
                  "entry": [{"fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
                            for r in [patient] + conditions + observations + consents]}
        params = {"resourceType": "Parameters", "parameter": [{"name": "record", "resource": bundle}]}
        _, ms_match = post(root + "/fhir/Patient/$match-studies", params,
                           {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json",
                            "Authorization": "Bearer " + token})
        if n >= a.warmup:
            cds.append(ms_cds)
            match.append(ms_match)
    p = scale.pct
    print(f"patient-view with prefetch ({a.calls} calls, {a.labs} labs each): "
          f"p50 {statistics.median(cds):.1f} ms, p95 {p(cds, 95):.1f} ms, max {max(cds):.1f} ms")
    print(f"baseline POST Patient/$match-studies, same records: "
          f"p50 {statistics.median(match):.1f} ms, p95 {p(match, 95):.1f} ms")
    print(f"CDS layer cost at p50: {statistics.median(cds) / statistics.median(match):.2f}x the evaluation alone; "
          f"target p95 <= 200 ms: {'met' if p(cds, 95) <= 200 else 'MISSED'}")


if __name__ == "__main__":
    main()
