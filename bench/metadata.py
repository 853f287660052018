#!/usr/bin/env python3
"""/metadata (the 1.5 MB CapabilityStatement) under concurrent load, against a running server.

Starts nothing. Sends --requests GETs of [root]/fhir/metadata from --concurrency threads and prints
p50/p95 and throughput; the baseline, measured in the same run with the same concurrency, is the
same request with `Cache-Control: no-cache`, which makes the server build and serialise the
statement for that request (what every /metadata cost without a cache; HAPI's former one-minute
cache of the statement object spared the build but not the serialising and compressing). Each
response is read whole and checked (200, a CapabilityStatement's size).

    java -jar target/trialfhir.jar &   # wait until /fhir/metadata answers
    python3 bench/metadata.py --root http://127.0.0.1:8080 [--requests 400] [--concurrency 8] [--gzip] [--warmup 200]

Only the Python standard library; the statement is public, so no token is needed.
"""
import argparse, statistics, threading, time, urllib.request


def fetch(url, headers):
    req = urllib.request.Request(url, headers=headers)
    t0 = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        body = r.read()
        status = r.status
    elapsed = (time.perf_counter() - t0) * 1000
    if status != 200 or len(body) < 1000:
        raise SystemExit(f"unexpected answer: {status}, {len(body)} bytes")
    return elapsed, len(body)


def run(url, headers, requests, concurrency):
    """Latencies (ms) of `requests` GETs spread over `concurrency` threads, and the wall time."""
    latencies, sizes, lock, left = [], set(), threading.Lock(), [requests]

    def worker():
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            ms, size = fetch(url, headers)
            with lock:
                latencies.append(ms)
                sizes.add(size)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - t0, sizes


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="http://127.0.0.1:8080")
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--baseline-requests", type=int, default=40,
                    help="no-cache requests (each builds the statement: keep it small)")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=200, help="uncounted requests first (JIT, the first copy)")
    ap.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip, as browsers and most clients do")
    args = ap.parse_args()

    url = args.root.rstrip("/") + "/fhir/metadata"
    headers = {"Accept": "application/fhir+json"}
    if args.gzip:
        headers["Accept-Encoding"] = "gzip"
    # Warm-up (JIT, the first copy): not counted.
    run(url, headers, args.warmup, args.concurrency)
    run(url, {**headers, "Cache-Control": "no-cache"}, args.concurrency, args.concurrency)

    results = [
        ("no-cache (baseline)", *run(url, {**headers, "Cache-Control": "no-cache"},
                                     args.baseline_requests, args.concurrency)),
        ("cached", *run(url, headers, args.requests, args.concurrency)),
    ]
    base_median = statistics.median(results[0][1])
    print(f"GET {url}, {args.concurrency} concurrent, {'gzip' if args.gzip else 'identity'}")
    print(f"{'mode':20} {'n':>5} {'bytes':>9} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} {'p50 vs baseline':>16}")
    for name, values, wall, sizes in results:
        median = statistics.median(values)
        print(f"{name:20} {len(values):5d} {max(sizes):9d} {median:8.1f} {pct(values, 95):8.1f}"
              f" {len(values) / wall:7.1f} {base_median / median:15.1f}x")


if __name__ == "__main__":
    main()
