#!/usr/bin/env python3
"""Scale benchmark against a running trialfhir server: ingest, $eligibility against a client-side
baseline, and population screening ($screen) against per-patient $eligibility, in one run.

    ./mvnw -B -q package -DskipTests
    java -jar target/trialfhir.jar --trialfhir.data-dir=bench-data --server.port=18080 &
    python3 bench/scale.py --root http://127.0.0.1:18080 --patients 2000

What it measures (medians of the repeated parts; ratios against a baseline from the same run):
  ingest       resources/s loading the synthetic population (bench/eligibility.py's generator,
               about 45 resources a patient) by transaction Bundles of --bundle patients, --threads
               at a time
  eligibility  $eligibility latency (p50/p95) for --sample patients, next to the baseline of an
               app that computes the verdict itself from plain FHIR searches (Patient, Condition,
               Observation, Consent: four requests a patient, evaluated in Python for the same
               computable criteria; a lower bound of that app's cost, since it checks fewer rules)
  screen       $screen of every patient against NCT06407297 (asynchronous, polled), next to the
               time per-patient $eligibility would take for all of them (sample median x N)

--t1d-share sets the share of patients with type 1 diabetes (default 0.5; 0.01 is a realistic
hospital mix). bench/projection.sh runs this twice over one population, with the eligibility
projection on (the records $eligibility judges and $screen's set-based step read from it) and off
(everything read from the resources).

Tokens come from the development issuer (client 'developer'); --token overrides. Standard library
only; loopback only.
"""
import argparse, json, random, statistics, threading, time, urllib.error, urllib.parse, urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import eligibility as population  # bench/eligibility.py: the synthetic patients

STUDY = "nct06407297"
REF = population.REF


class Server:
    def __init__(self, root, token):
        self.root, self.base, self.token = root.rstrip("/"), root.rstrip("/") + "/fhir", token

    def request(self, method, path, body=None, headers=None):
        h = {"Accept": "application/fhir+json", "Authorization": "Bearer " + self.token}
        if body is not None:
            h["Content-Type"] = "application/fhir+json"
        h.update(headers or {})
        url = path if path.startswith("http") else self.base + path
        req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     method=method, headers=h)
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, path):
        status, _, body = self.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path}: HTTP {status} {body[:300]!r}")
        return json.loads(body)


def dev_token(root):
    data = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "system/*.cruds"}).encode()
    req = urllib.request.Request(root.rstrip("/") + "/oauth2/token", data=data, method="POST")
    import base64
    req.add_header("Authorization", "Basic " + base64.b64encode(b"developer:developer-secret").decode())
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())["access_token"]


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def ingest(server, n, per_bundle, threads, seed, size, t1d_share=0.5):
    rng = random.Random(seed)
    bundles, ids, resources, lock = [], [], 0, threading.Lock()
    for start in range(0, n, per_bundle):
        entries = []
        for i in range(start, min(n, start + per_bundle)):
            entries += population.patient_bundle(rng, i, size, t1d_share)["entry"]
        resources += len(entries)
        bundles.append({"resourceType": "Bundle", "type": "transaction", "entry": entries})

    def load(bundle):
        status, _, body = server.request("POST", "", bundle)
        if status != 200:
            raise SystemExit(f"transaction: HTTP {status} {body[:300]!r}")
        found = [e["response"]["location"].split("/")[1] for e in json.loads(body)["entry"]
                 if e["response"]["location"].startswith("Patient/")]
        with lock:
            ids.extend(found)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(load, bundles))
    seconds = time.perf_counter() - t0
    return ids, resources, seconds


def stored_patients(server, limit=5000):
    """Ids of patients already on the server (--patients 0: measure a population loaded before)."""
    ids, page = [], "/Patient?_count=500&_elements=id&_total=none"
    while page and len(ids) < limit:
        bundle = server.json(page)
        ids += [e["resource"]["id"] for e in bundle.get("entry", [])]
        page = next((l["url"] for l in bundle.get("link", []) if l["relation"] == "next"), None)
    return ids


def client_side_verdict(server, pid):
    """What an app without $eligibility does: fetch the record, judge the computable rules."""
    patient = server.json(f"/Patient/{pid}")
    since = (REF - timedelta(days=90)).isoformat()
    conditions = server.json(f"/Condition?subject=Patient/{pid}&_count=200").get("entry", [])
    labs = server.json(f"/Observation?subject=Patient/{pid}&date=ge{since}&_count=500").get("entry", [])
    consents = server.json(f"/Consent?patient=Patient/{pid}&_count=50").get("entry", [])
    born = date.fromisoformat(patient["birthDate"])
    age = REF.year - born.year - ((REF.month, REF.day) < (born.month, born.day))
    t1d = any(c["code"]["coding"][0]["code"].startswith("E10") for c in (e["resource"] for e in conditions))
    cpep = [o["valueQuantity"]["value"] for o in (e["resource"] for e in labs)
            if any(c.get("code") == "c-peptide-fasting" for c in o["code"]["coding"])]
    if not (8 <= age <= 18) or not t1d or (cpep and max(cpep) < 0.1):
        return "ineligible"
    return "insufficient-data" if not cpep or not consents else "needs-review"


def run_screen(server, date):
    """$screen of every patient against STUDY, asynchronously: start it, poll it; (seconds, report)."""
    t0 = time.perf_counter()
    status, headers, body = server.request("GET", f"/ResearchStudy/{STUDY}/$screen?date={date}",
                                           headers={"Prefer": "respond-async"})
    if status != 202:
        raise SystemExit(f"$screen: HTTP {status} {body[:300]!r}")
    poll = headers.get("Content-Location")
    while True:
        status, _, body = server.request("GET", poll)
        if status == 200:
            break
        if status != 202:
            raise SystemExit(f"$screen-status: HTTP {status} {body[:300]!r}")
        time.sleep(0.5)
    return time.perf_counter() - t0, json.loads(body)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default="http://127.0.0.1:8080")
    ap.add_argument("--token")
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--bundle", type=int, default=20, help="patients per transaction Bundle")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--resources", type=int, default=44,
                    help="resources per synthetic patient (at least a Patient, conditions, 5 labs)")
    ap.add_argument("--t1d-share", type=float, default=0.5,
                    help="share of patients with type 1 diabetes (0.01: a realistic hospital mix)")
    ap.add_argument("--only-ingest", action="store_true",
                    help="load the population and stop (to build a large one once)")
    args = ap.parse_args()
    server = Server(args.root, args.token or dev_token(args.root))

    resources = seconds = 0
    ids = []
    if args.patients:
        ids, resources, seconds = ingest(server, args.patients, args.bundle, args.threads, args.seed,
                                         args.resources, args.t1d_share)
        print(f"ingest: {len(ids)} patients, {resources} resources in {seconds:.1f} s = {resources / seconds:.0f} resources/s")
    if args.only_ingest:
        return
    ids = ids or stored_patients(server)
    total = server.json("/Patient?_summary=count").get("total")
    print(f"patients on the server: {total}")

    sample = random.Random(args.seed).sample(ids, min(args.sample, len(ids)))
    for pid in sample[:20]:  # warm-up, not measured
        server.request("GET", f"/ResearchStudy/{STUDY}/$eligibility?patient=Patient/{pid}&date={REF}")
    operation, baseline = [], []
    for pid in sample:
        t = time.perf_counter()
        status, _, _ = server.request("GET", f"/ResearchStudy/{STUDY}/$eligibility?patient=Patient/{pid}&date={REF}")
        operation.append((time.perf_counter() - t) * 1000)
        if status != 200:
            raise SystemExit(f"$eligibility: HTTP {status}")
        t = time.perf_counter()
        client_side_verdict(server, pid)
        baseline.append((time.perf_counter() - t) * 1000)

    screen_s, report = run_screen(server, REF)
    screened = next(p["valueInteger"] for p in report["parameter"] if p["name"] == "patients")
    verdicts = {p["name"]: p["valueInteger"] for q in report["parameter"] if q["name"] == "verdicts" for p in q["part"]}
    sequential_s = statistics.median(operation) / 1000 * screened

    print()
    print(f"{'measure':44} {'n':>6} {'median':>10} {'p95':>10} {'baseline':>10} {'ratio':>7}")
    print(f"{'$eligibility ms (baseline: app-side, 4 GETs)':44} {len(operation):6d} {statistics.median(operation):10.1f} "
          f"{pct(operation, 95):10.1f} {statistics.median(baseline):10.1f} {statistics.median(baseline) / statistics.median(operation):6.1f}x")
    print(f"{'$screen s (baseline: $eligibility x N)':44} {screened:6d} {screen_s:10.1f} {'':>10} {sequential_s:10.1f} {sequential_s / screen_s:6.1f}x")
    if resources:
        print(f"{'ingest resources/s':44} {resources:6d} {resources / seconds:10.0f}")
    print(f"verdicts: {verdicts}")


if __name__ == "__main__":
    main()
