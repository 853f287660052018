#!/usr/bin/env node
/**
 * HTTP load benchmark of a running trialfhir server, with autocannon.
 *
 *     (cd bench/http && npm ci)
 *     node bench/http/load.mjs [--root http://127.0.0.1:8080] [--duration 20] [--connections 8]
 *                              [--token T] [--json]
 *
 * The server needs some patients first (at least 10), e.g. from bench/scale.py.
 *
 * What it measures: closed-loop load. Each of --connections keep-alive connections sends one
 * request, waits for the whole response, and sends the next, for --duration seconds per scenario
 * (after a 3 s warm-up on the same connections' settings, not counted). So the throughput is what
 * the server sustains at that concurrency, and the latencies are those of requests queued behind
 * each other at that concurrency, not of an idle server. Scenarios, run one after another:
 *
 *   study-search      GET /fhir/ResearchStudy?status=active&condition:text=diabetes
 *                     (study discovery: a contains-search on the condition's words)
 *   study-search-age  GET /fhir/ResearchStudy?eligible-age=14|http://unitsofmeasure.org|a
 *                     (rewritten by the server into eligible-age-low <= 14 a <= eligible-age-high)
 *   eligibility       GET /fhir/ResearchStudy/nct06407297/$eligibility?patient=Patient/<id>&date=...
 *                     rotating over the patients found (up to 600): reads the patient's record and
 *                     evaluates the study's criteria; also queues an AuditEvent for each request,
 *                     written in the background (so partly paid for after the request, by the
 *                     same CPUs)
 *   metadata          GET /fhir/metadata: the floor of a FHIR read, no database (HTTP, security
 *                     filters, serialising the CapabilityStatement). Not a small answer: HAPI JPA
 *                     lists every resource type's search parameters, about 1.5 MB of JSON, sent
 *                     uncompressed (autocannon asks for no gzip), so this is mostly serialisation
 *                     and copying; see bytes_per_response in --json
 *
 * All with a bearer token (development issuer, client 'developer', unless --token) and
 * Accept: application/fhir+json. Each search and one $eligibility are checked (200 and, for the
 * searches, at least one match) before the load, so the numbers are of real answers.
 *
 * How to read it: requests is the number completed in the measured window (any still in flight
 * at its end are dropped); req/s is that number over the window's length; the latencies (p50, p90,
 * p99, max) are per request, in whole milliseconds as autocannon's histogram keeps them. Any non-2xx
 * response or connection error or timeout (autocannon's, 10 s) fails the run (exit 1).
 *
 * Where it runs: on loopback, on the same machine as the server (2 cores where it was written).
 * autocannon is one Node thread, mostly waiting, but the CPU it does use is taken from the server;
 * there is no network latency or TLS. So numbers compare between runs on the same machine and
 * setup, not with a deployment, and anything else busy on the machine (builds, profilers, another
 * JVM) shows up directly in them: check the load average first. With --connections above the
 * server's cores, throughput stops rising and latency grows with the queue; that is the expected
 * shape, not a failure.
 *
 * Tokens of the development issuer last an hour; when this script issues them, it takes a fresh one
 * before each scenario. A --token that expires mid-run shows as non-2xx (401) and fails the run.
 */
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import os from 'node:os';
import autocannon from 'autocannon';

const STUDY = 'nct06407297';
const DATE = '2026-01-01';
const WARMUP_SECONDS = 3;
const MIN_PATIENTS = 10;
const MAX_PATIENT_PAGES = 3; // the first page and at most two more
const FHIR_JSON = 'application/fhir+json';

function fail(message) {
  process.stderr.write(`load.mjs: ${message}\n`);
  process.exit(1);
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        root: { type: 'string', default: 'http://127.0.0.1:8080' },
        duration: { type: 'string', default: '20' },
        connections: { type: 'string', default: '8' },
        token: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    fail(`${e.message}\nusage: node bench/http/load.mjs [--root URL] [--duration S] [--connections N] [--token T] [--json]`);
  }
  if (values.help) {
    process.stdout.write('usage: node bench/http/load.mjs [--root URL] [--duration S] [--connections N] [--token T] [--json]\n'
      + 'See the comment at the top of this file for what it measures.\n');
    process.exit(0);
  }
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  if (!Number.isInteger(duration) || duration < 1) fail(`--duration must be a whole number of seconds >= 1, not ${values.duration}`);
  if (!Number.isInteger(connections) || connections < 1) fail(`--connections must be a whole number >= 1, not ${values.connections}`);
  return { root: values.root.replace(/\/+$/, ''), duration, connections, token: values.token, json: values.json };
}

function log(message) {
  process.stderr.write(`${message}\n`);
}

async function devToken(root) {
  const basic = Buffer.from('developer:developer-secret').toString('base64');
  let response;
  try {
    response = await fetch(`${root}/oauth2/token`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.cruds' }),
    });
  } catch (e) {
    fail(`cannot reach ${root}/oauth2/token: ${e.cause?.message ?? e.message}`);
  }
  const text = await response.text();
  if (response.status !== 200) {
    fail(`token request: HTTP ${response.status} ${text.slice(0, 300)} (is the development issuer on?)`);
  }
  return JSON.parse(text).access_token;
}

async function getJson(url, token) {
  let response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: FHIR_JSON } });
  } catch (e) {
    fail(`cannot reach ${url}: ${e.cause?.message ?? e.message}`);
  }
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // left null: reported by the caller with the status
  }
  return { status: response.status, body, text };
}

async function findPatients(root, token) {
  const ids = [];
  let url = `${root}/fhir/Patient?_count=200&_elements=id`;
  for (let page = 0; url && page < MAX_PATIENT_PAGES; page++) {
    const { status, body, text } = await getJson(url, token);
    if (status !== 200 || !body) fail(`GET ${url}: HTTP ${status} ${text.slice(0, 300)}`);
    for (const entry of body.entry ?? []) {
      if (entry.resource?.resourceType === 'Patient' && entry.resource.id) ids.push(entry.resource.id);
    }
    url = (body.link ?? []).find((l) => l.relation === 'next')?.url;
  }
  return ids;
}

function scenarios(patients) {
  let next = 0;
  return [
    {
      name: 'study-search',
      path: '/fhir/ResearchStudy?status=active&condition:text=diabetes',
      needsMatches: true,
    },
    {
      name: 'study-search-age',
      path: `/fhir/ResearchStudy?eligible-age=${encodeURIComponent('14|http://unitsofmeasure.org|a')}`,
      needsMatches: true,
    },
    {
      name: 'eligibility',
      path: eligibilityPath(patients[0]),
      // One request entry, rebuilt before each send with the next patient (shared by all
      // connections, so the patients are spread over them).
      setupRequest: (request) => {
        request.path = eligibilityPath(patients[next++ % patients.length]);
        return request;
      },
    },
    { name: 'metadata', path: '/fhir/metadata' },
  ];
}

function eligibilityPath(patientId) {
  return `/fhir/ResearchStudy/${STUDY}/$eligibility?patient=Patient/${encodeURIComponent(patientId)}&date=${DATE}`;
}

/** One request of the scenario, before the load: a 200 and, for searches, a match. */
async function preflight(root, token, scenario) {
  const { status, body, text } = await getJson(root + scenario.path, token);
  if (status !== 200) fail(`${scenario.name}: GET ${scenario.path}: HTTP ${status} ${text.slice(0, 300)}`);
  if (scenario.needsMatches) {
    const matches = (body?.entry ?? []).filter((e) => e.resource?.resourceType === 'ResearchStudy').length;
    if (matches < 1) fail(`${scenario.name}: GET ${scenario.path} found no ResearchStudy; is the study seeded?`);
    return `${matches} stud${matches === 1 ? 'y' : 'ies'}`;
  }
  return `${body?.resourceType ?? 'non-JSON body'}`;
}

function run(root, token, scenario, duration, connections) {
  // autocannon sends the request's path as given: keep any path of --root (a proxy's prefix).
  const prefix = new URL(root).pathname.replace(/\/+$/, '');
  const request = { method: 'GET', path: prefix + scenario.path };
  if (scenario.setupRequest) {
    request.setupRequest = (req, context) => {
      const next = scenario.setupRequest(req, context);
      next.path = prefix + next.path;
      return next;
    };
  }
  return autocannon({
    url: root,
    connections,
    duration,
    headers: { Authorization: `Bearer ${token}`, Accept: FHIR_JSON },
    requests: [request],
    title: scenario.name,
  });
}

function summary(scenario, connections, result) {
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]));
  return {
    scenario: scenario.name,
    path: scenario.setupRequest ? scenario.path.replace(/Patient\/[^&]+/, 'Patient/<rotating>') : scenario.path,
    connections,
    duration_s: result.duration,
    requests: result.requests.total,
    // Completed requests over the window. (autocannon's own per-second mean leaves out seconds in
    // which nothing completed, which overstates slow scenarios.)
    req_per_s: result.duration > 0 ? result.requests.total / result.duration : NaN,
    bytes_per_response: result.requests.total > 0 ? Math.round(result.throughput.total / result.requests.total) : null,
    latency_ms: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    status_codes: statuses,
  };
}

function table(rows) {
  const header = ['scenario', 'conn', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors'];
  const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const lines = rows.map((r) => [
    r.scenario, String(r.connections), String(r.requests), fmt(r.req_per_s, 1),
    fmt(r.latency_ms.p50), fmt(r.latency_ms.p90), fmt(r.latency_ms.p99), fmt(r.latency_ms.max),
    String(r.non2xx), String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n');
}

function failures(rows) {
  return rows
    .filter((r) => r.non2xx > 0 || r.errors > 0)
    .map((r) => {
      const codes = Object.entries(r.status_codes).filter(([code]) => !code.startsWith('2'))
        .map(([code, n]) => `${n} x HTTP ${code}${code === '401' ? ' (token expired or rejected?)' : ''}`);
      const errs = r.errors > 0 ? [`${r.errors} errors (${r.timeouts} timeouts)`] : [];
      return `${r.scenario}: ${[...codes, ...errs].join(', ')}`;
    });
}

async function main() {
  const opts = options();
  const issue = !opts.token;
  let token = opts.token ?? (await devToken(opts.root));

  const patients = (await findPatients(opts.root, token)).slice(0, 600);
  if (patients.length < MIN_PATIENTS) {
    fail(`found ${patients.length} patients at ${opts.root}/fhir, need at least ${MIN_PATIENTS}; `
      + 'load some first, e.g. python3 bench/scale.py --root <root> --patients 40 --sample 5');
  }
  const plan = scenarios(patients);
  const loadBefore = os.loadavg()[0];
  log(`load average ${loadBefore.toFixed(2)} on ${os.cpus().length} CPUs before the run`
    + (loadBefore > os.cpus().length / 2 ? ' (the machine is busy: numbers will show it)' : ''));
  log(`${opts.root}: ${patients.length} patients; ${plan.length} scenarios x (${WARMUP_SECONDS} s warm-up + `
    + `${opts.duration} s) at ${opts.connections} connections`);
  for (const scenario of plan) {
    log(`  check ${scenario.name}: ${await preflight(opts.root, token, scenario)}`);
  }

  const rows = [];
  for (const scenario of plan) {
    if (issue) token = await devToken(opts.root);
    log(`  ${scenario.name}: warm-up ${WARMUP_SECONDS} s, then ${opts.duration} s`);
    await run(opts.root, token, scenario, WARMUP_SECONDS, opts.connections);
    const result = await run(opts.root, token, scenario, opts.duration, opts.connections);
    rows.push(summary(scenario, opts.connections, result));
  }

  const failed = failures(rows);
  if (opts.json) {
    const require = createRequire(import.meta.url);
    const report = {
      root: opts.root,
      started_by: 'bench/http/load.mjs',
      date: new Date().toISOString(),
      node: process.version,
      autocannon: require('autocannon/package.json').version,
      study: STUDY,
      patients: patients.length,
      warmup_s: WARMUP_SECONDS,
      duration_s: opts.duration,
      connections: opts.connections,
      cpus: os.cpus().length,
      load_average_before: loadBefore,
      load_average_after: os.loadavg()[0],
      scenarios: rows,
      failed,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`${table(rows)}\n`);
  }
  if (failed.length > 0) {
    log(`FAILED: non-2xx responses or errors in ${failed.length} scenario(s):`);
    for (const f of failed) log(`  ${f}`);
    process.exit(1);
  }
}

main().catch((e) => fail(e.stack ?? String(e)));
