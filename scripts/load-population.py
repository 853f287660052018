#!/usr/bin/env python3
"""Loads a synthetic population written by scripts/synthea-population.sh into a running trialfhir
server, and reports how fast it went. Python 3 standard library only.

    scripts/load-population.py POPULATION_DIR [--root http://127.0.0.1:8080] [--token T]
        [--threads 2] [--limit N] [--max-bytes 10485760] [--no-skip-existing]
        [--claim-profiles [FHIR_PROFILES_DIR]] [--json] [--ndjson [--part-bytes 700000]]

What is loaded, in which order, and why:

  1. The provider bundles listed in manifest.json's "loadFirst" (hospitalInformation-*.json, then
     practitionerInformation-*.json), one after the other, in the manifest's order. They are
     batch Bundles whose entries create Organizations, Locations and Practitioners with
     "ifNoneExist", so loading them again, or loading those of several runs, creates nothing twice.
     They come first because the patient bundles refer to providers only conditionally
     ("Organization?identifier=...", "Practitioner?identifier=..."): the server resolves such a
     reference to the resource already stored, creates no placeholder, and refuses the whole
     patient transaction when nothing matches.
  2. The patient bundles ("generalBundles" and "t1dBundles"), sorted by file name so that the same
     command loads the same patients; --limit N takes the first N. Each is one transaction Bundle
     (a patient and everything recorded about them, linked by urn:uuid fullUrls), POSTed to the
     FHIR base by a pool of --threads workers, so each patient is stored entirely or not at all.

Re-runs: every entry of a Synthea patient bundle is a plain POST (no ifNoneExist, no PUT; the
server assigns new ids), so posting a bundle twice would store the patient twice. Before posting
a patient bundle the loader therefore counts the Patients with its Synthea identifier
(Patient?identifier=https://github.com/synthetichealth/synthea|<id>&_summary=count) and skips the
bundle when there is one ("skipped" in the report). Because the transaction is atomic, a patient
that is present is complete, so a re-run, or a run after an interrupted one, loads exactly the
patients still missing. --no-skip-existing posts regardless (a second copy of each patient: load
tests only). The provider bundles are posted again on every run; their ifNoneExist makes that
harmless (their entries then answer 200 and are still counted in "resources").

Failures: a bundle is retried up to 3 times, with backoff (1, 2, 4 s, jittered, or Retry-After),
after 409, 412, 429, 500, 502, 503 or a broken connection; never after 400, 401, 403, 413 or 422
(a 401 first fetches a new token, see below). Before retrying a patient bundle the loader counts
its Patient again: when the failed attempt was committed all the same (an answer lost with the
connection, or an error raised by the server after its commit) the bundle is counted as loaded
("committedDespiteError") rather than stored twice. A provider batch is retried when one of its
entries failed with one of those statuses. The OperationOutcome's diagnostics of every final
failure are printed (first 300 characters); the other bundles are still loaded, and the exit
status is then 1. A failed provider bundle makes the patients that refer to its providers fail.

Prefer: return=minimal is not sent: the server's transaction-response entries carry no resources
unless return=representation is asked for (checked: the same answer with and without it).

Bundle sizes are checked before anything is sent: the server refuses a body over
trialfhir.security.max-request-bytes (default 10485760) with 413, so a file over --max-bytes is
reported by name with the setting to raise, and not sent. Raise both together when a population
holds bigger bundles (Synthea patients with long histories reach 9 MB).

Tokens: by default a client-credentials token from the server's development issuer (client
"developer", scope system/*.cruds), fetched again when the server answers 401 mid-run (development
tokens expire). --token uses a token issued elsewhere (not refreshed; a 401 is then a failure).
The token is tried once (Patient?_summary=count) before anything is sent; it needs create rights,
and search rights on Patient for the re-run check.

Output: progress on stderr every 10 s; at the end a table on stdout (or one JSON object with
--json: bundles, resources, failed, skipped, seconds, resourcesPerSecond, bundleSecondsP50,
bundleSecondsP95, providerBundles, patientBundles, committedDespiteError, threads, failures as
[{bundle, reason}]). "bundles" and "resources" count the bundles the server accepted in this
run and their entries (provider bundles included); "seconds" is the wall time from the first
provider bundle to the last patient bundle; the per-bundle percentiles are over the patient
bundles loaded, from the first POST of a bundle to its final answer, retries included.

NDJSON mode (--ndjson): the provider bundles are loaded as above; the patient bundles are then
turned into NDJSON, one file per resource type, as a Bulk Data export would write them: each
resource keeps its bundle's urn:uuid as its id and references to urn:uuid fullUrls become
"Type/id" (conditional references to providers stay as they are). Each file is uploaded as a
Binary (application/fhir+ndjson) in parts of at most --part-bytes (the server refuses a string
over trialfhir.limits.max-string-length, and a Binary's data is one base64 string), then one
POST [base]/$import names them all, and the status URL is polled until the report comes. The
import stores each resource with its id (an update), so running it again changes nothing. The
summary then has: resources, stored, refused, notStored, files, uploadSeconds, importSeconds
(kick-off to report), resourcesPerSecond (stored / importSeconds), serverResourcesPerSecond (the
report's own figure), and failures (the first refused lines, per file, from the report). See
docs/bulk-import.md.

Exit status: 0 when every bundle was loaded (or skipped as present), 1 when some bundle failed
(over --max-bytes included), 2 for a usage error, a missing manifest or bundle, an unreachable
server or a refused token.
"""
import argparse
import base64
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

SYNTHEA_ID = "https://github.com/synthetichealth/synthea"
RETRYABLE = {409, 412, 429, 500, 502, 503}
RETRIES = 3
PROGRESS_SECONDS = 10
DEFAULT_MAX_BYTES = 10485760


def log(message):
    print("load-population: " + message, file=sys.stderr, flush=True)


def die(message):
    log(message)
    sys.exit(2)


def diagnostics(body, limit=300):
    """The OperationOutcome's diagnostics (or the body's start) as one line of at most limit."""
    text = ""
    try:
        doc = json.loads(body)
        if doc.get("resourceType") == "OperationOutcome":
            text = " | ".join(
                i.get("diagnostics") or (i.get("details") or {}).get("text") or i.get("code", "")
                for i in doc.get("issue", []))
    except (ValueError, AttributeError):
        pass
    if not text:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = " ".join(text.split())
    return text[:limit]


class Auth:
    """A bearer token; refreshed from the development issuer on 401 when it came from there."""

    def __init__(self, root, token):
        self.root, self.lock = root, threading.Lock()
        self.refreshable = token is None
        self.token = token if token is not None else self.dev_token()

    def dev_token(self):
        data = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "scope": "system/*.cruds"}).encode()
        req = urllib.request.Request(self.root + "/oauth2/token", data=data, method="POST")
        req.add_header("Authorization",
                       "Basic " + base64.b64encode(b"developer:developer-secret").decode())
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())["access_token"]
        except urllib.error.HTTPError as e:
            die(f"the development issuer at {self.root}/oauth2/token answered HTTP {e.code} "
                f"({diagnostics(e.read())}); is it enabled on this server? Otherwise pass --token")
        except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
            die(f"no token from {self.root}/oauth2/token ({e}); is the server running at --root?")

    def refresh(self, used):
        """A new token after a 401 with `used`; False when it cannot be refreshed."""
        if not self.refreshable:
            return False
        with self.lock:
            if self.token == used:  # not refreshed yet by another worker
                log("HTTP 401: fetching a new token from the development issuer")
                self.token = self.dev_token()
        return True


class Server:
    """Plain http.client, one connection a request: when the server refuses a large body (413)
    and closes before reading all of it, its answer can still be read after the broken pipe."""

    def __init__(self, root, auth, timeout):
        self.base, self.auth, self.timeout = root + "/fhir", auth, timeout
        url = urllib.parse.urlsplit(self.base)
        if url.scheme not in ("http", "https") or not url.hostname:
            die(f"--root must be an http(s) URL, not {root!r}")
        self.scheme, self.host, self.port, self.path = url.scheme, url.hostname, url.port, url.path

    def send(self, method, target, body, headers):
        if self.scheme == "https":
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            try:
                conn.request(method, target, body=body, headers=headers)
            except (BrokenPipeError, ConnectionResetError) as sending:
                try:  # the server may have answered (413) and stopped reading
                    r = conn.getresponse()
                except (OSError, http.client.HTTPException):
                    raise sending from None
            else:
                r = conn.getresponse()
            return r.status, r.headers, r.read()
        finally:
            conn.close()

    def request(self, method, path, body=None, extra=None):
        """(status, headers, body); status None when the connection failed (body: the error)."""
        for attempt in (1, 2):
            token = self.auth.token
            headers = {"Accept": "application/fhir+json", "Authorization": "Bearer " + token}
            headers.update(extra or {})
            if body is not None:
                headers["Content-Type"] = "application/fhir+json"
            try:
                status, hdrs, answer = self.send(method, self.path + path, body, headers)
            except (OSError, http.client.HTTPException) as e:
                return None, {}, f"{type(e).__name__}: {e}".encode()
            if status == 401 and attempt == 1 and self.auth.refresh(token):
                continue
            return status, hdrs, answer


class Bundle:
    def __init__(self, path, name):
        self.path, self.name = path, name
        self.size = os.path.getsize(path)


class Loader:
    def __init__(self, server, args):
        self.server, self.args = server, args
        self.lock = threading.Lock()
        self.loaded_bundles = self.resources = self.skipped = self.committed_despite_error = 0
        self.patient_done = self.patient_total = 0
        self.failures = []  # (name, reason)
        self.can_search = True  # may the token search Patients (the re-run and retry checks)?
        self.bundle_seconds = []
        self.start = None

    # ---- bookkeeping
    def ok(self, entries, seconds=None):
        with self.lock:
            self.loaded_bundles += 1
            self.resources += entries
            if seconds is not None:
                self.bundle_seconds.append(seconds)

    def fail(self, bundle, reason):
        log(f"FAILED {bundle.name}: {reason}")
        with self.lock:
            self.failures.append((bundle.name, reason))

    def progress(self, stop):
        while not stop.wait(PROGRESS_SECONDS):
            with self.lock:
                elapsed = time.perf_counter() - self.start
                log(f"{self.patient_done}/{self.patient_total} patient bundles done "
                    f"({len(self.failures)} failed, {self.skipped} skipped), {self.resources} "
                    f"resources in {elapsed:.0f} s, {self.resources / elapsed:.0f} resources/s")

    # ---- one bundle
    def read(self, bundle):
        with open(bundle.path, "rb") as f:
            data = f.read()
        doc = json.loads(data)
        if self.args.profiles and claim_profiles(doc, self.args.profiles):
            data = json.dumps(doc).encode()
        return data, doc

    def patient_identifier(self, doc):
        for entry in doc.get("entry", []):
            resource = entry.get("resource") or {}
            if resource.get("resourceType") == "Patient":
                for identifier in resource.get("identifier", []):
                    if identifier.get("system") == SYNTHEA_ID and identifier.get("value"):
                        return identifier["value"]
        return None

    def stored(self, synthea_id):
        """(Patients stored with this identifier, None), or (None, (status, headers, body))."""
        query = urllib.parse.urlencode(
            {"identifier": f"{SYNTHEA_ID}|{synthea_id}", "_summary": "count"})
        for attempt in range(RETRIES + 1):
            if attempt:
                time.sleep(2.0 ** (attempt - 1) * (0.5 + random.random()))
            status, headers, body = self.server.request("GET", "/Patient?" + query)
            if status == 200:
                try:
                    return int(json.loads(body).get("total", 0)), None
                except (ValueError, TypeError, AttributeError):
                    break
            if status is not None and status not in RETRYABLE:
                break
        return None, (status, headers, body)

    def post(self, bundle, data, doc, synthea_id, before=0):
        """POSTs with retries: (True, seconds), or (False, reason) when it finally failed."""
        started = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            status, headers, body = self.server.request("POST", "", data)
            if status == 200:
                problem = self.entry_problem(doc, body)
                if problem is None:
                    return True, time.perf_counter() - started
                status, reason = problem
            elif status is None:
                reason = "connection failed: " + body.decode("utf-8", "replace")
            else:
                reason = f"HTTP {status}: {diagnostics(body)}"
                if status == 413:
                    reason += (f" -- the server's trialfhir.security.max-request-bytes is below this "
                               f"bundle's {bundle.size} bytes; raise it")
            if attempt > RETRIES or not (status is None or status in RETRYABLE):
                tries = f"{attempt} attempt" + ("s" if attempt > 1 else "")
                return False, f"{reason} ({tries})"
            wait = min(30.0, 2.0 ** (attempt - 1)) * (0.5 + random.random())
            retry_after = (headers or {}).get("Retry-After", "") if status else ""
            if retry_after.isdigit():
                wait = min(60.0, float(retry_after))
            log(f"retry {attempt}/{RETRIES} of {bundle.name} in {wait:.1f} s after {reason[:200]}")
            time.sleep(wait)
            if synthea_id:
                # The previous attempt may have been committed despite the error answer (a lost
                # connection, or an error raised after the commit): posting again would store
                # the patient twice. The transaction is atomic, so a stored Patient means all.
                now, _ = self.stored(synthea_id)
                if now is not None and now > before:
                    log(f"{bundle.name}: after {reason[:200]!r} the patient is stored all the "
                        "same: that attempt was committed; counted as loaded, not posted again")
                    with self.lock:
                        self.committed_despite_error += 1
                    return True, time.perf_counter() - started

    def entry_problem(self, doc, body):
        """For a batch, the first failed entry as (status, reason); None when all succeeded."""
        if doc.get("type") != "batch":
            return None
        try:
            entries = json.loads(body).get("entry", [])
        except ValueError:
            return None
        bad = []
        for i, entry in enumerate(entries):
            response = entry.get("response") or {}
            code = response.get("status", "")
            if not code.startswith("2"):
                outcome = response.get("outcome") or entry.get("resource")
                detail = diagnostics(json.dumps(outcome)) if outcome else ""
                bad.append((int(code.split()[0]) if code[:3].isdigit() else 500,
                            f"entry {i}: {code} {detail}"))
        if not bad:
            return None
        retryable = [b for b in bad if b[0] in RETRYABLE]
        status = retryable[0][0] if retryable else bad[0][0]
        return status, f"{len(bad)} of {len(entries)} batch entries failed; " + bad[0][1][:250]

    def load_provider(self, bundle):
        try:
            data, doc = self.read(bundle)
        except (OSError, ValueError) as e:
            return self.fail(bundle, f"cannot read it: {e}")
        try:
            done, result = self.post(bundle, data, doc, None)
        except Exception as e:  # noqa: BLE001
            done, result = False, f"unexpected error in the loader: {e!r}"
        if done:
            self.ok(len(doc.get("entry", [])))
        else:
            self.fail(bundle, result)

    def load_patient(self, bundle):
        try:
            try:
                data, doc = self.read(bundle)
            except (OSError, ValueError) as e:
                return self.fail(bundle, f"cannot read it: {e}")
            synthea_id = self.patient_identifier(doc) if self.can_search else None
            before = 0
            if synthea_id:
                before, error = self.stored(synthea_id)
                if before is None:
                    status, _, body = error
                    return self.fail(bundle, (
                        "could not check whether the patient is already loaded "
                        f"(Patient?identifier search: HTTP {status}: {diagnostics(body)})"))
                if before and self.args.skip_existing:
                    # Already loaded (an earlier run): posting again would store a second copy.
                    with self.lock:
                        self.skipped += 1
                    return
            done, result = self.post(bundle, data, doc, synthea_id, before)
            if done:
                self.ok(len(doc.get("entry", [])), result)
            else:
                self.fail(bundle, result)
        except Exception as e:  # noqa: BLE001 - one bundle's surprise must not stop the others
            self.fail(bundle, f"unexpected error in the loader: {e!r}")
        finally:
            with self.lock:
                self.patient_done += 1


def lab_profiles(directory):
    """(code system, code) -> profile URL, for our Observation profiles that fix a code."""
    found = {}
    for name in sorted(os.listdir(directory)):
        if not (name.startswith("StructureDefinition-") and name.endswith(".json")):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            sd = json.load(f)
        if sd.get("type") != "Observation" or sd.get("derivation") != "constraint":
            continue
        for element in sd.get("differential", {}).get("element", []):
            if element.get("path") == "Observation.code" and "patternCodeableConcept" in element:
                for coding in element["patternCodeableConcept"].get("coding", []):
                    found[(coding.get("system"), coding.get("code"))] = sd["url"]
    return found


def claim_profiles(doc, profiles):
    """Tags each Observation whose code one of our lab profiles fixes with that profile, as an
    EHR sending data to this server's profiles would; the server then validates it on write."""
    tagged = False
    for entry in doc.get("entry", []):
        resource = entry.get("resource") or {}
        if resource.get("resourceType") != "Observation":
            continue
        for coding in resource.get("code", {}).get("coding", []):
            url = profiles.get((coding.get("system"), coding.get("code")))
            if url:
                resource.setdefault("meta", {}).setdefault("profile", []).append(url)
                tagged = True
                break
    return tagged


def to_ndjson(paths, profiles=None):
    """Synthea transaction bundles -> {resource type: [NDJSON line, ...]}: each resource with its
    urn:uuid as id, references to urn:uuid fullUrls rewritten to Type/id."""
    files = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if profiles:
            claim_profiles(doc, profiles)
        ids = {}
        for entry in doc.get("entry", []):
            resource = entry.get("resource") or {}
            full_url = entry.get("fullUrl", "")
            if full_url.startswith("urn:uuid:") and resource.get("resourceType"):
                ids[full_url] = resource["resourceType"] + "/" + full_url[len("urn:uuid:"):]

        def rewrite(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "reference" and isinstance(value, str) and value in ids:
                        node[key] = ids[value]
                    else:
                        rewrite(value)
            elif isinstance(node, list):
                for item in node:
                    rewrite(item)

        for entry in doc.get("entry", []):
            resource = entry.get("resource")
            if not resource or not resource.get("resourceType"):
                continue
            full_url = entry.get("fullUrl", "")
            if full_url in ids:
                resource["id"] = ids[full_url].split("/", 1)[1]
            rewrite(resource)
            files.setdefault(resource["resourceType"], []).append(
                json.dumps(resource, separators=(",", ":"), ensure_ascii=False))
    return files


def parts(lines, part_bytes):
    """Lines cut into NDJSON texts of at most part_bytes (a longer line is a part of its own)."""
    part, size = [], 0
    for line in lines:
        n = len(line.encode("utf-8")) + 1
        if part and size + n > part_bytes:
            yield "\n".join(part) + "\n"
            part, size = [], 0
        part.append(line)
        size += n
    if part:
        yield "\n".join(part) + "\n"


def load_ndjson(server, patients, args):
    """Uploads the patients as NDJSON Binaries, $import's them, polls; returns the summary."""
    files = to_ndjson([b.path for b in patients], args.profiles)
    started = time.perf_counter()
    inputs = []
    for rtype in sorted(files):
        for text in parts(files[rtype], args.part_bytes):
            body = json.dumps({"resourceType": "Binary", "contentType": "application/fhir+ndjson",
                               "data": base64.b64encode(text.encode("utf-8")).decode()}).encode()
            status, headers, answer = server.request("POST", "/Binary", body)
            if status != 201:
                die(f"uploading the {rtype} NDJSON as a Binary answered HTTP {status}: "
                    f"{diagnostics(answer)}")
            location = headers.get("Location", "")
            binary = "Binary/" + location.split("/Binary/", 1)[1].split("/")[0]
            inputs.append((rtype, binary))
    uploaded = time.perf_counter()
    manifest = {"resourceType": "Parameters", "parameter": [
        {"name": "inputFormat", "valueString": "application/fhir+ndjson"}] + [
        {"name": "input", "part": [{"name": "type", "valueString": t},
                                   {"name": "url", "valueUri": u}]} for t, u in inputs]}
    status, headers, answer = server.request(
        "POST", "/$import", json.dumps(manifest).encode(), {"Prefer": "respond-async"})
    if status != 202:
        die(f"$import answered HTTP {status}: {diagnostics(answer)}")
    location = headers.get("Content-Location", "")
    poll = location[len(server.base):] if location.startswith(server.base) else \
        "/" + location.split("/", 3)[-1].split("/", 1)[-1]
    log(f"{sum(len(v) for v in files.values())} resources in {len(inputs)} NDJSON file(s) "
        f"uploaded in {uploaded - started:.1f} s; $import started: {location}")
    last = 0.0
    while True:
        status, headers, answer = server.request("GET", poll)
        if status != 202:
            break
        if time.perf_counter() - last >= PROGRESS_SECONDS:
            last = time.perf_counter()
            log(f"$import: {headers.get('X-Progress', '?')} after {last - uploaded:.0f} s")
        time.sleep(0.5)
    finished = time.perf_counter()
    if status != 200:
        die(f"$import ended with HTTP {status}: {diagnostics(answer)}")
    report = json.loads(answer)
    totals, failures = {}, []
    for parameter in report.get("parameter", []):
        if "valueInteger" in parameter or "valueDecimal" in parameter:
            totals[parameter["name"]] = parameter.get("valueInteger", parameter.get("valueDecimal"))
        if parameter.get("name") == "file":
            url = next((p.get("valueUri") for p in parameter["part"] if p["name"] == "url"), "")
            outcome = next((p.get("resource") for p in parameter["part"]
                            if p["name"] == "outcome"), {})
            for issue in outcome.get("issue", []):
                if issue.get("severity") == "error" and len(failures) < 20:
                    failures.append({"bundle": url, "reason": issue.get("diagnostics", "")[:300]})
    seconds = finished - uploaded
    return {
        "mode": "ndjson",
        "resources": totals.get("resources"),
        "stored": totals.get("stored"),
        "refused": totals.get("refused"),
        "notStored": totals.get("notStored"),
        "files": len(inputs),
        "uploadSeconds": round(uploaded - started, 2),
        "importSeconds": round(seconds, 2),
        "seconds": round(finished - started, 2),
        "resourcesPerSecond": round(totals.get("stored", 0) / seconds, 1) if seconds > 0 else None,
        "serverResourcesPerSecond": totals.get("resourcesPerSecond"),
        "failed": totals.get("refused", 0) + totals.get("notStored", 0),
        "failures": failures,
    }


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def read_manifest(directory):
    path = os.path.join(directory, "manifest.json")
    if not os.path.isfile(path):
        die(f"no manifest.json in {directory}: expected a directory written by "
            "scripts/synthea-population.sh (fhir/*.json and manifest.json)")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        die(f"cannot read {path}: {e}")
    for key in ("loadFirst", "generalBundles", "t1dBundles"):
        if not isinstance(manifest.get(key, []), list):
            die(f"{path}: '{key}' is not a list")
    return manifest


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog="See the module docstring.")
    ap.add_argument("population", metavar="POPULATION_DIR",
                    help="a directory written by scripts/synthea-population.sh")
    ap.add_argument("--root", default="http://127.0.0.1:8080",
                    help="server root; the FHIR base is ROOT/fhir (default %(default)s)")
    ap.add_argument("--token", help="bearer token to use instead of one from the dev issuer")
    ap.add_argument("--threads", type=int, default=2,
                    help="patient bundles in flight at once (default %(default)s)")
    ap.add_argument("--limit", type=int, help="load only the first N patient bundles")
    ap.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                    help="largest bundle to send: the server's "
                         "trialfhir.security.max-request-bytes (default %(default)s)")
    ap.add_argument("--timeout", type=float, default=900,
                    help="seconds to wait for one answer (default %(default)s)")
    ap.add_argument("--no-skip-existing", dest="skip_existing", action="store_false",
                    help="post patient bundles even when their Patient is already stored")
    ap.add_argument("--claim-profiles", metavar="FHIR_PROFILES_DIR", nargs="?",
                    const=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                       "fhir-profiles"),
                    help="tag Observations with our lab profiles (from fhir-profiles/) so that"
                         " the server validates them; measures ingest with profile validation")
    ap.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    ap.add_argument("--ndjson", action="store_true",
                    help="load the patient bundles as NDJSON files through $import (see above)")
    ap.add_argument("--part-bytes", type=int, default=700000,
                    help="largest NDJSON part uploaded as one Binary (default %(default)s)")
    args = ap.parse_args()
    args.profiles = lab_profiles(args.claim_profiles) if args.claim_profiles else None
    if args.threads < 1:
        die("--threads must be at least 1")
    if args.limit is not None and args.limit < 0:
        die("--limit must not be negative")
    if args.max_bytes < 1:
        die("--max-bytes must be positive")
    root = args.root.rstrip("/")
    if root.endswith("/fhir"):
        root = root[:-len("/fhir")]

    directory = args.population
    manifest = read_manifest(directory)
    for p in manifest.get("loadFirst", []):
        if not os.path.isfile(os.path.join(directory, p)):
            die(f"{p} (in the manifest's loadFirst) is missing from {directory}")
    providers = [Bundle(os.path.join(directory, p), p) for p in manifest.get("loadFirst", [])]
    names = sorted(set(manifest.get("generalBundles", []) + manifest.get("t1dBundles", [])),
                   key=lambda p: (os.path.basename(p), p))
    if args.limit is not None:
        names = names[:args.limit]
    missing = [p for p in names if not os.path.isfile(os.path.join(directory, p))]
    if missing:
        die(f"{len(missing)} patient bundle(s) of the manifest are missing, e.g. {missing[0]}")
    patients = [Bundle(os.path.join(directory, p), p) for p in names]

    # Sizes first: a bundle over the server's limit would only come back as an unexplained 413.
    oversized = [b for b in providers + patients if b.size > args.max_bytes]
    for b in oversized:
        log(f"{b.name} is {b.size} bytes ({b.size / 1048576:.1f} MiB), over --max-bytes "
            f"{args.max_bytes}: the server refuses request bodies over "
            "trialfhir.security.max-request-bytes (default 10485760) with 413. It will not be "
            "sent; to load it, raise that setting on the server (e.g. "
            f"--trialfhir.security.max-request-bytes={-(-b.size // 1048576) * 1048576}) "
            "and pass the same value as --max-bytes.")
    too_big = {id(b) for b in oversized}

    server = Server(root, Auth(root, args.token), args.timeout)
    # One search before anything is sent: a refused token or an unreachable server is reported
    # once, not as a failure of every bundle; the search is what the re-run check needs.
    status, _, body = server.request("GET", "/Patient?_summary=count")
    if status is None:
        die(f"{server.base} does not answer ({body.decode('utf-8', 'replace')}); is the server "
            "running at --root?")
    if status == 401:
        die(f"{server.base} refused the token (HTTP 401: {diagnostics(body)})")
    if status == 403 and args.skip_existing:
        die(f"the token may not search Patients (HTTP 403: {diagnostics(body)}), which the check "
            "for patients already loaded needs: use a token with read and search rights, or "
            "--no-skip-existing")
    if status not in (200, 403):
        die(f"GET {server.base}/Patient?_summary=count answered HTTP {status}: {diagnostics(body)}")
    loader = Loader(server, args)
    if status == 403:
        loader.can_search = False
        log("the token may not search Patients: no check for patients already stored, and a "
            "retry after an error answer may store a patient twice")
    loader.patient_total = len(patients)
    for b in oversized:
        loader.failures.append((b.name, f"{b.size} bytes, over --max-bytes {args.max_bytes}: "
                                        "raise trialfhir.security.max-request-bytes"))
    log(f"loading {len(providers)} provider bundle(s), then {len(patients)} patient bundle(s) "
        f"with {args.threads} thread(s) into {server.base}")

    loader.start = time.perf_counter()
    stop = threading.Event()
    reporter = threading.Thread(target=loader.progress, args=(stop,), daemon=True)
    reporter.start()
    provider_failures = 0
    for b in providers:
        if id(b) not in too_big:
            before = len(loader.failures)
            loader.load_provider(b)
            provider_failures += len(loader.failures) - before
    if provider_failures:
        log("a provider bundle failed: patient bundles that refer to its providers will fail too")
    providers_loaded = loader.loaded_bundles
    if args.ndjson:
        stop.set()
        summary = load_ndjson(server, patients, args)
        summary["providerBundles"] = providers_loaded
        if args.json:
            print(json.dumps(summary))
        else:
            for key, value in summary.items():
                if key != "failures":
                    print(f"{key:<26}  {value}")
            for failure in summary["failures"]:
                print(f"refused: {failure['bundle']}: {failure['reason']}")
        sys.exit(1 if summary["failed"] or provider_failures else 0)
    todo = [b for b in patients if id(b) not in too_big]
    loader.patient_done = len(patients) - len(todo)
    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(loader.load_patient, todo))
    seconds = time.perf_counter() - loader.start
    stop.set()

    times = loader.bundle_seconds
    summary = {
        "bundles": loader.loaded_bundles,
        "providerBundles": providers_loaded,
        "patientBundles": loader.loaded_bundles - providers_loaded,
        "resources": loader.resources,
        "failed": len(loader.failures),
        "skipped": loader.skipped,
        "committedDespiteError": loader.committed_despite_error,
        "seconds": round(seconds, 2),
        "resourcesPerSecond": round(loader.resources / seconds, 1) if seconds > 0 else None,
        "bundleSecondsP50": round(statistics.median(times), 3) if times else None,
        "bundleSecondsP95": round(percentile(times, 95), 3) if times else None,
        "threads": args.threads,
        "failures": [{"bundle": name, "reason": reason} for name, reason in loader.failures],
    }
    if args.json:
        print(json.dumps(summary))
    else:
        def cell(v):
            return "-" if v is None else str(v)
        rows = [
            ("bundles loaded", f"{summary['bundles']} ({providers_loaded} provider, "
                               f"{summary['patientBundles']} patient)"),
            ("resources", summary["resources"]),
            ("skipped (already loaded)", summary["skipped"]),
            ("error answer, but committed", summary["committedDespiteError"]),
            ("failed", summary["failed"]),
            ("wall seconds", summary["seconds"]),
            ("resources/s", summary["resourcesPerSecond"]),
            ("patient bundle s, median", summary["bundleSecondsP50"]),
            ("patient bundle s, p95", summary["bundleSecondsP95"]),
        ]
        width = max(len(k) for k, _ in rows)
        for k, v in rows:
            print(f"{k:<{width}}  {cell(v)}")
        for name, reason in loader.failures:
            print(f"failed: {name}: {reason}")
    sys.exit(1 if loader.failures else 0)


if __name__ == "__main__":
    main()
