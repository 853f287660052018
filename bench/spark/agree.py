#!/usr/bin/env python3
"""Agreement check, run by hand (not a test): the same NDJSON population loaded into a running
trialfhir server (transaction Bundles of PUTs, so the export's ids are kept), then $screen of
NCT06407297; compares the patients the server's set-based step keeps (those whose result fails
neither inc-age nor inc-diabetes-dx) and their fasting C-peptide outcome with the Spark run's
--survivors file (one line per survivor: Patient/id TAB pass|fail|missing-data).

    bench/spark.sh --patients 200 --t1d-share 0.5 --keep --survivors spark.tsv   # prints kept DIR
    java -jar target/trialfhir.jar --server.port=8383 --trialfhir.data-dir=DATA &
    python3 bench/spark/agree.py --root http://127.0.0.1:8383 --ndjson DIR/ndjson --survivors spark.tsv

Standard library only; loopback only. Reuses bench/scale.py's client and development token.
"""
import argparse, collections, json, os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import scale  # noqa: E402  bench/scale.py: Server, dev_token, run_screen

SET_BASED = {"inc-age:fail", "inc-diabetes-dx:fail"}
LAB = "inc-cpeptide-fasting"


def load(server, ndjson, per_bundle):
    by_patient = collections.defaultdict(list)
    for kind in ("Patient", "Condition", "Observation"):
        with open(os.path.join(ndjson, kind + ".ndjson")) as f:
            for line in f:
                r = json.loads(line)
                key = r["id"] if kind == "Patient" else r["subject"]["reference"].split("/")[1]
                by_patient[key].append(r)
    patients = list(by_patient)
    t0, count = time.perf_counter(), 0
    for start in range(0, len(patients), per_bundle):
        entries = [{"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
                   for p in patients[start:start + per_bundle] for r in by_patient[p]]
        status, _, body = server.request("POST", "", {"resourceType": "Bundle", "type": "transaction", "entry": entries})
        if status != 200:
            raise SystemExit(f"transaction: HTTP {status} {body[:400]!r}")
        count += len(entries)
    print(f"loaded {len(patients)} patients, {count} resources in {time.perf_counter() - t0:.1f} s")


def screen(server, date):
    seconds, report = scale.run_screen(server, date)
    print(f"$screen: {seconds:.1f} s")
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default="http://127.0.0.1:8383")
    ap.add_argument("--ndjson", required=True)
    ap.add_argument("--survivors", required=True, help="the Spark run's --survivors file")
    ap.add_argument("--date", default=scale.REF.isoformat())
    ap.add_argument("--bundle", type=int, default=10, help="patients per transaction Bundle")
    ap.add_argument("--no-load", action="store_true", help="the population is loaded already")
    args = ap.parse_args()
    server = scale.Server(args.root, scale.dev_token(args.root))
    if not args.no_load:
        load(server, args.ndjson, args.bundle)
    report = screen(server, args.date)
    server_kept, server_lab = set(), {}
    for p in report["parameter"]:
        if p["name"] != "result":
            continue
        parts = p["part"]
        patient = next(x["valueReference"]["reference"] for x in parts if x["name"] == "patient")
        failed = {x["valueString"] for x in parts if x["name"] == "criterion"}
        if not failed & SET_BASED:
            server_kept.add(patient)
            lab = next((f.split(":", 1)[1] for f in failed if f.startswith(LAB + ":")), "pass")
            server_lab[patient] = lab
    spark_lab = dict(line.rstrip("\n").split("\t") for line in open(args.survivors) if line.strip())
    spark_kept = set(spark_lab)
    screened = next(p["valueInteger"] for p in report["parameter"] if p["name"] == "patients")
    print(f"patients screened by the server: {screened}")
    print(f"kept by the server's set-based step: {len(server_kept)}; by Spark: {len(spark_kept)}; "
          f"same set: {server_kept == spark_kept}")
    for name, only in (("server only", server_kept - spark_kept), ("Spark only", spark_kept - server_kept)):
        if only:
            print(f"  {name}: {sorted(only)[:10]}")
    both = server_kept & spark_kept
    same_lab = sum(server_lab[p] == spark_lab[p] for p in both)
    print(f"{LAB} outcome equal for {same_lab} of {len(both)} "
          f"(server {collections.Counter(server_lab[p] for p in both)}, "
          f"Spark {collections.Counter(spark_lab[p] for p in both)})")
    for p in sorted(both):
        if server_lab[p] != spark_lab[p]:
            print(f"  {p}: server {server_lab[p]}, Spark {spark_lab[p]}")
    sys.exit(0 if server_kept == spark_kept else 1)


if __name__ == "__main__":
    main()
