#!/usr/bin/env python3
"""Two trialfhir nodes on one PostgreSQL, measured from outside; run by bench/nodes.sh, which
starts the throwaway PostgreSQL and cleans up. This script starts both packaged servers at the same
moment on the (empty) database, runs the five checks, prints PASS/FAIL per check with its figures
and a summary table, and stops both nodes. Standard library only; loopback only; the development
token issuer (one token per node: each node signs its own).
"""
import argparse, json, os, signal, statistics, subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request, uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import eligibility as population  # bench/eligibility.py: the synthetic patients
from scale import Server, dev_token, ingest, pct  # bench/scale.py: HTTP and token helpers

STUDY = "nct06407297"
DATE = population.REF.isoformat()
SD = "http://trialfhir.org/fhir/StructureDefinition/"
ALLOCATION_KIND = "http://trialfhir.org/fhir/CodeSystem/allocation-kind"
MANUAL_REVIEW = ["exc-infection", "exc-organ-disease", "exc-pregnancy-plans", "exc-compliance", "exc-investigator"]
ARMS = ["Experimental group", "Placebo Comparator group"]
BLOCK_SIZE = 4

results = []  # (check, PASS/FAIL, figure)
STOP = threading.Event()  # set on SIGTERM (the time limit): every loop ends, the nodes are killed
NODES = []


def report(check, ok, figure, details=()):
    results.append((check, "PASS" if ok else "FAIL", figure))
    print(f"[{'PASS' if ok else 'FAIL'}] {check}: {figure}", flush=True)
    for line in details:
        print(f"       {line}", flush=True)


def since(t0):
    return time.perf_counter() - t0


class Node:
    """One packaged server: its process, its log, its base URL and (once up) its token."""

    def __init__(self, name, port, args):
        self.name, self.port, self.args = name, port, args
        self.root = f"http://127.0.0.1:{port}"
        self.dir = os.path.join(args.work, name)
        self.proc = None
        self.server = None
        self.started = None

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        log = open(os.path.join(self.args.work, self.name + ".log"), "ab")
        heap = [f"-Xmx{self.args.heap}"] if self.args.heap else []
        command = ["java", *heap, "-jar", os.path.abspath(self.args.jar),
                   f"--server.port={self.port}", f"--trialfhir.data-dir={self.dir}",
                   f"--spring.datasource.url={self.args.jdbc}", "--spring.datasource.username=trialfhir",
                   "--spring.datasource.password=",
                   f"--trialfhir.screen.stale-chunk-after={self.args.stale_after}s",
                   f"--trialfhir.screen.stale-chunk-check={self.args.stale_check}s"]
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(command, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT)
        with open(os.path.join(self.args.work, self.name + ".pid"), "w") as f:
            f.write(str(self.proc.pid))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def login(self):
        self.server = Server(self.root, dev_token(self.root))
        return self.server

    def call(self, method, path, body=None, headers=None, timeout=600):
        """(status, headers, body); status 0 when the node did not answer at all."""
        h = {"Accept": "application/fhir+json"}
        if self.server:
            h["Authorization"] = "Bearer " + self.server.token
        if body is not None:
            h["Content-Type"] = "application/fhir+json"
        h.update(headers or {})
        url = path if path.startswith("http") else self.root + "/fhir" + path
        req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()
        except (urllib.error.URLError, OSError) as e:
            return 0, {}, str(e).encode()

    def json(self, path):
        status, _, body = self.call("GET", path)
        if status != 200:
            raise RuntimeError(f"{self.name} GET {path}: HTTP {status} {body[:300]!r}")
        return json.loads(body)

    def readiness(self):
        status, _, body = self.call("GET", self.root + "/actuator/health/readiness",
                                    headers={"Accept": "application/json"}, timeout=10)
        try:
            return status, json.loads(body)
        except ValueError:
            return status, {}


# ================================================================= 1. start together, readiness

def start_together(nodes, args):
    """Starts both JVMs at the same moment and polls each until readiness is UP (and a while after).

    Each poll asks readiness, then searches the seeded study by its package search parameter
    eligible-age (public: studies need no token). An answer is right when it is a 200 Bundle that
    finds nct06407297. Wrong answers while readiness is DOWN are expected (a balancer does not route
    there); after the node said UP, every answer must be right."""
    stats = {}

    def poll(node):
        s = stats[node.name] = {"ready_s": None, "fhir_first_200_s": None, "right_first_s": None,
                                "down_answers": Counter(), "up_answers": Counter(), "died": False}
        deadline = time.perf_counter() + args.start_timeout
        after_up = 0
        while time.perf_counter() < deadline and after_up < 20 and not STOP.is_set():
            if not node.alive():
                s["died"] = True
                return
            ready_status, ready = node.readiness() if s["ready_s"] is None else (200, {"status": "UP"})
            if s["ready_s"] is None and ready_status == 200 and ready.get("status") == "UP":
                s["ready_s"] = since(node.started)
            status, _, body = node.call("GET", f"/ResearchStudy?eligible-age=12&_elements=identifier", timeout=30)
            right = False
            if status == 200:
                s["fhir_first_200_s"] = s["fhir_first_200_s"] or since(node.started)
                try:
                    right = any(e["resource"]["id"] == STUDY for e in json.loads(body).get("entry", []))
                except (ValueError, KeyError):
                    right = False
                if right and s["right_first_s"] is None:
                    s["right_first_s"] = since(node.started)
            kind = "right" if right else ("no answer" if status == 0 else f"HTTP {status}" if status != 200 else "200, study not found")
            (s["up_answers"] if s["ready_s"] is not None else s["down_answers"])[kind] += 1
            if s["ready_s"] is not None:
                after_up += 1
            time.sleep(0.5 if s["ready_s"] is None else 0.1)

    barrier = threading.Barrier(len(nodes))

    def launch(node):
        barrier.wait()
        node.start()

    with ThreadPoolExecutor(len(nodes)) as pool:
        list(pool.map(launch, nodes))
    with ThreadPoolExecutor(len(nodes)) as pool:
        list(pool.map(poll, nodes))
    time.sleep(2)  # a node that fails late in start-up (e.g. a migration race) exits just after
    for node in nodes:
        s = stats[node.name]
        s["died"] = s["died"] or not node.alive()
        log = open(os.path.join(args.work, node.name + ".log"), errors="replace").read()
        s["migration_error"] = "already exists" in log and "FLY_HFJ_MIGRATION" in log
        s["started_log"] = "Started TrialFhirApplication" in log or " Started " in log
    ok = all(s["ready_s"] is not None and not s["died"] and not s["migration_error"]
             and set(s["up_answers"]) == {"right"} for s in stats.values())
    details = []
    for name, s in stats.items():
        details.append(f"{name}: readiness UP after {fmt(s['ready_s'])} s, first FHIR 200 at {fmt(s['fhir_first_200_s'])} s, "
                       f"first right answer at {fmt(s['right_first_s'])} s, died: {s['died']}, migration race: {s['migration_error']}")
        details.append(f"{name}: answers while DOWN {dict(s['down_answers'])}; after UP {dict(s['up_answers'])}")
    figure = ", ".join(f"{n} ready in {fmt(s['ready_s'])} s" for n, s in stats.items())
    report("1 start together on an empty database", ok, figure, details)
    return ok, stats


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


# ================================================================= 2. write here, read there

def write_read(n1, n2):
    mrn = str(uuid.uuid4())
    patient = {"resourceType": "Patient", "identifier": [{"system": "urn:bench:nodes", "value": mrn}],
               "name": [{"family": "Nodes", "given": ["Two"]}], "birthDate": "2014-01-10", "gender": "female"}
    status, _, body = n1.call("POST", "/Patient", patient)
    if status != 201:
        report("2 write on node 1, read on node 2", False, f"create: HTTP {status} {body[:200]!r}")
        return False
    pid = json.loads(body)["id"]
    t0 = time.perf_counter()
    read_status, _, read_body = n2.call("GET", f"/Patient/{pid}")
    read_ms = since(t0) * 1000
    t0 = time.perf_counter()
    search_status, _, search_body = n2.call("GET", f"/Patient?identifier=urn:bench:nodes|{mrn}")
    search_ms = since(t0) * 1000
    read_ok = read_status == 200 and json.loads(read_body)["identifier"][0]["value"] == mrn
    found = search_status == 200 and [e["resource"]["id"] for e in json.loads(search_body).get("entry", [])] == [pid]
    report("2 write on node 1, read on node 2", read_ok and found,
           f"read {read_status} in {read_ms:.0f} ms, search found it: {found} ({search_ms:.0f} ms), first try, no wait")
    return read_ok and found


# ================================================================= 5. the same package

def same_package(n1, n2):
    def served(node):
        status, ready = node.readiness()
        package = ready.get("components", {}).get("serving", {}).get("details", {}).get("package")
        definitions = []
        for kind in ("StructureDefinition", "SearchParameter", "ValueSet", "CodeSystem"):
            page = f"/{kind}?url:below=http://trialfhir.org/fhir&_elements=url,version&_count=500"
            while page:
                bundle = node.json(page)
                definitions += [(kind, e["resource"]["url"], e["resource"].get("version")) for e in bundle.get("entry", [])]
                page = next((l["url"] for l in bundle.get("link", []) if l["relation"] == "next"), None)
        return package, definitions

    p1, d1 = served(n1)
    p2, d2 = served(n2)
    versions = {v for _, _, v in d1}
    duplicates = [key for key, count in Counter((k, u) for k, u, _ in d1).items() if count > 1]
    ok = p1 is not None and p1 == p2 and sorted(d1) == sorted(d2) and len(d1) > 0 and not duplicates
    report("5 both nodes serve the same package", ok,
           f"readiness names {p1} / {p2}; {len(d1)} / {len(d2)} conformance resources of the package over FHIR, "
           f"identical: {sorted(d1) == sorted(d2)}; versions {sorted(v or '-' for v in versions)}; "
           f"installed twice (same url stored twice): {len(duplicates)}")
    return ok


# ================================================================= 3. enrolment cap across nodes

def eligible_child(i, study, tag):
    """PatientFixture.eligibleChild() of the tests, with a research consent for this study: passes
    every computable criterion of NCT06407297's Group at 2026-06-15; five manual-review criteria."""
    pid = "urn:uuid:" + str(uuid.uuid4())
    ref = {"reference": pid}

    def obs(codings, value):
        o = {"resourceType": "Observation", "status": "final", "code": {"coding": codings}, "subject": ref,
             "effectiveDateTime": "2026-06-01"}
        o.update(value)
        return o

    def q(value, unit):
        return {"valueQuantity": {"value": value, "unit": unit, "system": population.UCUM, "code": unit}}

    resources = [
        {"resourceType": "Patient", "identifier": [{"system": "urn:bench:nodes", "value": f"{tag}-{i}"}],
         "name": [{"family": "Nodes", "given": [f"{tag}-{i}"]}], "gender": "female", "birthDate": "2014-01-10"},
        {"resourceType": "Condition", "subject": ref,
         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
         "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
         "code": {"coding": [{"system": "http://snomed.info/sct", "code": "46635009"}]}, "onsetDateTime": "2026-03-01"},
        obs([{"system": "http://loinc.org", "code": "13926-1"}],
            {"interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "POS"}]}],
             "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "10828004"}]}}),
        obs([{"system": "http://trialfhir.org/fhir/CodeSystem/trial-lab", "code": "c-peptide-fasting"},
             {"system": "http://loinc.org", "code": "1986-9"}], q(0.35, "nmol/L")),
        obs([{"system": "http://trialfhir.org/fhir/CodeSystem/trial-lab", "code": "c-peptide-2h"},
             {"system": "http://loinc.org", "code": "1986-9"}], q(0.62, "nmol/L")),
        obs([{"system": "http://loinc.org", "code": "39156-5"}], q(18.0, "kg/m2")),
        {"resourceType": "Consent", "status": "active",
         "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext",
                        "valueReference": {"reference": f"ResearchStudy/{study}"}}],
         "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}]},
         "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}], "patient": ref,
         "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]}},
    ]
    entries = [{"fullUrl": pid, "resource": resources[0], "request": {"method": "POST", "url": "Patient"}}]
    entries += [{"fullUrl": "urn:uuid:" + str(uuid.uuid4()), "resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
                for r in resources[1:]]
    return entries


def load_children(node, study, count, tag):
    ids = []
    for start in range(0, count, 10):
        entries = []
        for i in range(start, min(count, start + 10)):
            entries += eligible_child(i, study, tag)
        status, _, body = node.call("POST", "", {"resourceType": "Bundle", "type": "transaction", "entry": entries})
        if status != 200:
            raise RuntimeError(f"loading patients: HTTP {status} {body[:400]!r}")
        ids += [e["response"]["location"].split("/")[1] for e in json.loads(body)["entry"]
                if e["response"]["location"].startswith("Patient/")]
    return ids


def create_study(node, target, seed):
    study = "nodes-" + uuid.uuid4().hex[:12]
    body = {"resourceType": "ResearchStudy", "id": study,
            "extension": [
                {"url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign",
                 "valueCodeableConcept": {"coding": [{"system": "http://trialfhir.org/fhir/CodeSystem/ctgov-allocation", "code": "RANDOMIZED"}]}},
                {"url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign",
                 "valueCodeableConcept": {"coding": [{"system": "http://trialfhir.org/fhir/CodeSystem/ctgov-masking", "code": "QUADRUPLE"}]}},
                {"url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.recruitment",
                 "extension": [{"url": "targetNumber", "valueUnsignedInt": target}]},
                {"url": SD + "randomisation",
                 "extension": [{"url": "blockSize", "valuePositiveInt": BLOCK_SIZE}, {"url": "seed", "valueString": seed}]}],
            "title": f"Two-node enrolment study {study}", "status": "active",
            "enrollment": [{"reference": "Group/nct06407297-eligibility"}],
            "arm": [{"name": a} for a in ARMS]}
    status, _, answer = node.call("PUT", f"/ResearchStudy/{study}", body)
    if status != 201:
        raise RuntimeError(f"creating the study: HTTP {status} {answer[:400]!r}")
    return study


def enrol(node, study, patient):
    # The caller (the developer token, investigator too) confirms; DATE is the population's
    # reference date, before today: a late entry, which needs its reason (docs/enrolment.md).
    parameters = [{"name": "patient", "valueReference": {"reference": f"Patient/{patient}"}}]
    parameters += [{"name": "confirmed", "valueString": c} for c in MANUAL_REVIEW]
    parameters += [{"name": "date", "valueDate": DATE},
                   {"name": "lateEntryReason", "valueString": f"Benchmark data as of {DATE}"}]
    t0 = time.perf_counter()
    status, _, body = node.call("POST", f"/ResearchStudy/{study}/$enroll", {"resourceType": "Parameters", "parameter": parameters})
    return status, since(t0) * 1000, body


def thread_samples(node, stop, samples, phases):
    """jstack of the node every second while the burst runs: how many $enroll threads wait for the
    study lock, how many work, and where the working ones are (the line of Enrolment.enrol they are
    in, or the commit after it; "+validation" when the profile validator is on the stack)."""
    while not stop.is_set() and not STOP.is_set():
        out = subprocess.run(["jstack", str(node.proc.pid)], capture_output=True, text=True).stdout
        waiting = running = 0
        for thread in out.split("\n\n"):
            if "EnrolOperationProvider" not in thread:
                continue
            lines = [line.strip() for line in thread.splitlines()]
            if any("EnrolmentGuard.lock" in line for line in lines):
                waiting += 1
                continue
            running += 1
            at = next((line for line in lines if "subject.Enrolment.enrol(" in line), None)
            where = at[at.index("(") + 1:-1] if at else "after Enrolment.enrol (commit)"
            if any("InstanceValidator" in line or "validateResource" in line for line in lines):
                where += " +validation"
            phases[where] += 1
        samples.append((waiting, running))
        stop.wait(1.0)


def enrolment_cap(n1, n2, args):
    nodes = [n1, n2]
    # Baseline: the same $enroll one at a time, on a study with room for all (no cap reached).
    solo = create_study(n1, args.sequential + 4, "nodes-solo-" + uuid.uuid4().hex)
    solo_patients = load_children(n2, solo, args.sequential + 4, "solo")
    for i, patient in enumerate(solo_patients[:4]):  # warm-up of both nodes, not measured
        enrol(nodes[i % 2], solo, patient)
    sequential = []
    for i, patient in enumerate(solo_patients[4:]):
        status, ms, body = enrol(nodes[i % 2], solo, patient)
        if status != 200:
            raise RuntimeError(f"sequential $enroll: HTTP {status} {body[:400]!r}")
        sequential.append(ms)

    study = create_study(n2, args.target, "nodes-" + uuid.uuid4().hex)
    patients = load_children(n1, study, args.burst, "burst")
    stop, samples, phases = threading.Event(), [], Counter()
    sampler = threading.Thread(target=thread_samples, args=(n1, stop, samples, phases))
    start = threading.Barrier(len(patients))

    def one(i):
        start.wait()
        return enrol(nodes[i % 2], study, patients[i])

    sampler.start()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(len(patients)) as pool:
        answers = list(pool.map(one, range(len(patients))))
    wall = since(t0)
    stop.set()
    sampler.join()

    codes = Counter(status for status, _, _ in answers)
    latencies = [ms for _, ms, _ in answers]
    subjects = [json.loads(body) for status, _, body in answers if status == 200]
    on_study = n2.json(f"/ResearchSubject?study=ResearchStudy/{study}&status=on-study&_summary=count")["total"]
    all_subjects = n1.json(f"/ResearchSubject?study=ResearchStudy/{study}&_summary=count")["total"]
    balanced, blocks, block_detail = allocation_blocks(n1, study, {s["id"] for s in subjects})
    ok = (codes.get(200, 0) == args.target and codes.get(409, 0) == args.burst - args.target and len(codes) <= 2
          and on_study == args.target and all_subjects == args.target and balanced)
    by_node = Counter((i % 2 + 1, status) for i, (status, _, _) in enumerate(answers))
    waiting = [w for w, _ in samples]
    running = [r for _, r in samples]
    details = [
        f"answers {dict(codes)}; by node {dict(sorted(by_node.items()))}; on study {on_study}, subjects {all_subjects}",
        f"permuted blocks (stored allocation-sequence, read as the unblinded developer): {block_detail}",
        f"burst of {args.burst} took {wall:.1f} s wall: {wall / args.burst * 1000:.0f} ms per call; sequential mean {statistics.mean(sequential):.0f} ms",
        f"node 1 jstack during the burst ({len(samples)} samples): $enroll threads waiting for the study lock "
        f"median {statistics.median(waiting) if waiting else '-'} (max {max(waiting) if waiting else '-'}), "
        f"working median {statistics.median(running) if running else '-'} (max {max(running) if running else '-'})",
        "where the working $enroll threads were (samples): " + (", ".join(f"{w}: {n}" for w, n in phases.most_common(8)) or "-"),
    ]
    figure = (f"{codes.get(200, 0)} on study, {codes.get(409, 0)} x 409, 5xx {sum(v for k, v in codes.items() if k >= 500 or k == 0)}; "
              f"latency p50/p95/max {pct(latencies, 50):.0f}/{pct(latencies, 95):.0f}/{max(latencies):.0f} ms "
              f"(sequential baseline {pct(sequential, 50):.0f}/{pct(sequential, 95):.0f}/{max(sequential):.0f} ms)")
    report(f"3 enrolment cap across nodes ({args.burst} concurrent $enroll, target {args.target})", ok, figure, details)
    return ok, {"burst": latencies, "sequential": sequential, "wall": wall, "samples": samples}


def allocation_blocks(node, study, subject_ids):
    """Reads the study's allocation sequence and checks that the used slots are positions 1..n,
    held by the subjects that were enrolled, and that every complete block is balanced."""
    bundle = node.json(f"/Basic?code={ALLOCATION_KIND}|allocation-sequence&subject=ResearchStudy/{study}")
    entries = bundle.get("entry", [])
    if len(entries) != 1:
        return False, 0, f"{len(entries)} allocation sequences found"
    sequence = next(e for e in entries[0]["resource"].get("extension", []) if e["url"] == SD + "allocation-sequence")
    slots = []
    for slot in (e for e in sequence["extension"] if e["url"] == "slot"):
        parts = {p["url"]: p for p in slot["extension"]}
        subject = parts.get("subject", {}).get("valueReference", {}).get("reference")
        slots.append((parts["position"]["valueInteger"], parts["block"]["valueInteger"], parts["arm"]["valueString"], subject))
    used = sorted(s for s in slots if s[3])
    positions_ok = [s[0] for s in used] == list(range(1, len(subject_ids) + 1))
    holders = {s[3].split("/")[-1] for s in used}
    blocks = {}
    for position, block, arm, _ in used:
        blocks.setdefault(block, []).append(arm)
    complete = {b: arms for b, arms in blocks.items() if len(arms) == BLOCK_SIZE}
    balanced = all(Counter(arms) == Counter({a: BLOCK_SIZE // len(ARMS) for a in ARMS}) for arms in complete.values())
    ok = positions_ok and holders == subject_ids and balanced and len(complete) == len(subject_ids) // BLOCK_SIZE
    return ok, len(complete), (f"{len(used)} slots used, positions 1..{len(used)} contiguous: {positions_ok}, "
                               f"held by the enrolled subjects: {holders == subject_ids}; {len(complete)} complete blocks, "
                               f"all balanced 2:2: {balanced}")


# ================================================================= 4. $screen survives its node

def screen(node, other=None, kill=None, args=None):
    """Starts $screen on node; with kill, kills node once the job runs and polls on the other."""
    t0 = time.perf_counter()
    status, headers, body = node.call("GET", f"/ResearchStudy/{STUDY}/$screen?date={DATE}", headers={"Prefer": "respond-async"})
    if status != 202:
        raise RuntimeError(f"$screen on {node.name}: HTTP {status} {body[:300]!r}")
    poll = headers.get("Content-Location")
    query = poll[poll.index("$screen-status"):]
    poller, killed_at, progress_at_kill = node, None, None
    deadline = time.perf_counter() + args.screen_timeout
    while time.perf_counter() < deadline and not STOP.is_set():
        status, headers, body = poller.call("GET", "/" + query)
        if status == 200:
            break
        if status != 202:
            raise RuntimeError(f"$screen-status on {poller.name}: HTTP {status} {body[:300]!r}")
        progress = headers.get("X-Progress", "")
        if kill and killed_at is None and progress and not progress.startswith("0%") and "IN_PROGRESS" in progress:
            node.kill9()
            killed_at, progress_at_kill, poller = time.perf_counter(), progress, other
            print(f"       killed {node.name} (kill -9) at {since(t0):.1f} s, progress {progress}; polling {other.name}", flush=True)
        time.sleep(0.5)
    else:
        raise RuntimeError(f"$screen did not finish within {args.screen_timeout} s (killed: {killed_at is not None})")
    done = time.perf_counter()
    result = json.loads(body)
    params = result["parameter"]
    patients = next(p["valueInteger"] for p in params if p["name"] == "patients")
    verdicts = {p["name"]: p["valueInteger"] for q in params if q["name"] == "verdicts" for p in q["part"]}
    per_patient = [next(part["valueReference"]["reference"] for part in p["part"] if part["name"] == "patient")
                   for p in params if p["name"] == "result"]
    return {"seconds": done - t0, "after_kill": None if killed_at is None else done - killed_at,
            "progress_at_kill": progress_at_kill, "patients": patients, "verdicts": verdicts,
            "results": len(per_patient), "distinct": len(set(per_patient)), "killed": killed_at is not None}


def screen_survives(n1, n2, args):
    baseline = screen(n2, args=args)
    run = screen(n1, other=n2, kill=True, args=args)
    same = (run["patients"] == baseline["patients"] and run["verdicts"] == baseline["verdicts"]
            and run["results"] == run["patients"] == run["distinct"])
    log = open(os.path.join(args.work, n2.name + ".log"), errors="replace").read()
    handed_out = sum(int(line.split("Handed out again ")[1].split()[0])
                     for line in log.splitlines() if "Handed out again " in line)
    ok = run["killed"] and same and not n1.alive() and n2.alive() and handed_out > 0
    details = [
        f"healthy-node baseline: {baseline['patients']} patients in {baseline['seconds']:.1f} s, verdicts {baseline['verdicts']}, "
        f"{baseline['results']} results ({baseline['distinct']} distinct patients)",
        f"killed-node run: {run['patients']} patients, verdicts {run['verdicts']}, {run['results']} results "
        f"({run['distinct']} distinct patients); killed at {run['progress_at_kill']}",
        f"node 2 handed out again {handed_out} chunk(s) the dead node held (its log, screen/StaleChunks)",
    ]
    figure = (f"finished on node 2 {fmt(run['after_kill'])} s after the kill (stale-chunk-after {args.stale_after} s, "
              f"check every {args.stale_check} s); report equals the healthy run: {same}"
              if run["killed"] else "not exercised: the screening finished before it could be killed (raise --patients)")
    report("4 $screen finishes after its node is killed", ok, figure, details)
    return ok, baseline, run


# ================================================================= main

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jar", required=True)
    ap.add_argument("--jdbc", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--ports", nargs=2, type=int, required=True)
    ap.add_argument("--limit", type=int, help="total time limit (applied by bench/nodes.sh)")
    ap.add_argument("--heap", help="-Xmx of each node (default: the JVM's)")
    ap.add_argument("--start-timeout", type=int, default=900, help="seconds each node has to reach readiness")
    ap.add_argument("--burst", type=int, default=40, help="concurrent $enroll calls, one patient each")
    ap.add_argument("--target", type=int, default=24, help="the study's target number of subjects")
    ap.add_argument("--sequential", type=int, default=12, help="$enroll calls one at a time (the baseline)")
    ap.add_argument("--patients", type=int, default=400, help="synthetic patients for the $screen check")
    ap.add_argument("--resources", type=int, default=12, help="resources per synthetic patient")
    ap.add_argument("--stale-after", type=int, default=20, help="trialfhir.screen.stale-chunk-after, seconds")
    ap.add_argument("--stale-check", type=int, default=5, help="trialfhir.screen.stale-chunk-check, seconds")
    ap.add_argument("--screen-timeout", type=int, default=600)
    args = ap.parse_args()
    n1, n2 = Node("node1", args.ports[0], args), Node("node2", args.ports[1], args)
    NODES.extend([n1, n2])

    def stop(*_):
        STOP.set()
        for node in NODES:
            if node.alive():
                node.proc.kill()
        print("FAIL: stopped (time limit or signal)", flush=True)
        sys.exit(143)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    t_total = time.perf_counter()
    figures = {}
    try:
        started, stats = start_together([n1, n2], args)
        if not (n1.alive() and n2.alive() and all(s["ready_s"] for s in stats.values())):
            raise RuntimeError("a node did not start; the other checks need both")
        n1.login()
        n2.login()
        write_read(n1, n2)
        same_package(n1, n2)
        _, enrolment = enrolment_cap(n1, n2, args)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:  # half the population through each node
            loads = [pool.submit(ingest, n.server, args.patients // 2, 20, 1, seed, args.resources, 0.5)
                     for n, seed in ((n1, 1), (n2, 2))]
            loaded = [f.result() for f in loads]
        resources = sum(r for _, r, _ in loaded)
        print(f"       loaded {args.patients} synthetic patients ({resources} resources) through both nodes in {since(t0):.0f} s", flush=True)
        _, baseline, run = screen_survives(n1, n2, args)
        figures = {"stats": stats, "enrolment": enrolment, "baseline": baseline, "run": run}
    except Exception as e:  # a check that could not run is a failure, reported with its reason
        report("run", False, f"stopped: {e}")
    finally:
        for node in (n1, n2):
            node.stop()

    print()
    print(f"{'check':62} {'result':6}  figure")
    for check, verdict, figure in results:
        print(f"{check:62} {verdict:6}  {figure}")
    print(f"total {since(t_total):.0f} s; load average now {os.getloadavg()[0]:.1f} (2-core machine, shared)")
    sys.exit(0 if results and all(v == "PASS" for _, v, _ in results) else 1)


if __name__ == "__main__":
    main()
