// Finds recruiting trials on a trialfhir server and checks one new patient's eligibility, using
// the unmodified fhir-kit-client library. Usage: TRIALFHIR_BASE_URL=http://host:port node find-studies.mjs [--basic]
import { randomUUID } from 'node:crypto';
import { Client } from 'fhir-kit-client';

const root = (process.env.TRIALFHIR_BASE_URL ?? '').replace(/\/+$/, '');
const clientId = process.env.TRIALFHIR_CLIENT_ID ?? 'developer';
const clientSecret = process.env.TRIALFHIR_CLIENT_SECRET ?? 'developer-secret';
const scope = process.env.TRIALFHIR_SCOPE ?? 'system/*.cruds';
const basic = process.argv.includes('--basic'); // only the standard `status` search parameter
const STUDY = 'nct06407297'; // seeded; the study $eligibility is asked about

function fail(message) {
  console.error(`find-studies: ${message}`);
  process.exit(1);
}

// fhir-kit-client rejects on any non-2xx answer with error.response = { status, data }; show the
// status and the server's OperationOutcome text instead of a stack trace.
async function call(what, request) {
  try {
    return await request;
  } catch (error) {
    const { status, data } = error.response ?? {};
    if (!status) fail(`${what}: ${error.cause?.message ?? error.message}`); // e.g. connection refused
    const issues = (data?.issue ?? []).map((i) => i.diagnostics ?? i.details?.text).filter(Boolean);
    fail(`${what}: HTTP ${status} ${issues.join('; ') || (typeof data === 'string' ? data : '')}`);
  }
}

if (!root) fail('set TRIALFHIR_BASE_URL to the server root, e.g. http://127.0.0.1:8090');
const fhirBase = `${root}/fhir`;

// 1. SMART discovery. A server with security off advertises no token_endpoint (or, elsewhere,
// no smart-configuration at all): then we go on without a token.
async function bearerToken() {
  const config = await call('smart-configuration', fetch(`${fhirBase}/.well-known/smart-configuration`));
  if (config.status === 404) return undefined;
  if (!config.ok) fail(`smart-configuration: HTTP ${config.status}`);
  const { token_endpoint: tokenEndpoint } = await config.json();
  if (!tokenEndpoint) return undefined;
  // Client credentials with client_secret_basic, as the development issuer offers. `scope` is
  // needed: without it the issuer grants a token with no scopes, which may read only studies.
  const response = await call('token endpoint', fetch(tokenEndpoint, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  }));
  if (!response.ok) fail(`token endpoint ${tokenEndpoint}: HTTP ${response.status} ${await response.text()}`);
  const { access_token: accessToken } = await response.json();
  if (!accessToken) fail(`token endpoint ${tokenEndpoint} answered no access_token`);
  return accessToken;
}

const token = await bearerToken();
console.log(`Server ${fhirBase} (${token ? `token for client "${clientId}"` : 'no token: security off'})`);
const client = new Client({
  baseUrl: fhirBase,
  customHeaders: token ? { Authorization: `Bearer ${token}` } : {},
});

// 2. Search active studies; by default also with trialfhir's custom SearchParameters.
const searchParams = basic
  ? { status: 'active' }
  : { status: 'active', 'eligible-age': 10, 'condition:text': 'diabetes' };
console.log(`\nResearchStudy?${new URLSearchParams(searchParams)}`);
const studies = [];
const what = basic ? 'search' : 'search (a 400 here: eligible-age/condition missing? try --basic)';
// nextPage follows the Bundle's `next` link and returns undefined on the last page.
for (let page = await call(what, client.search({ resourceType: 'ResearchStudy', searchParams })); page;
  page = await call(what, client.nextPage({ bundle: page }))) {
  for (const { resource } of page.entry ?? []) {
    if (resource?.resourceType === 'ResearchStudy') studies.push(resource);
  }
}
for (const study of studies) console.log(`  ${study.id.padEnd(16)} ${study.title ?? '(no title)'}`);
if (studies.length === 0) fail('no studies found');
if (!studies.some((s) => s.id === STUDY)) fail(`study ${STUDY} is not among the results`);

// 3. A 10-year-old girl with type 1 diabetes diagnosed two months ago and a fasting C-peptide,
// stored in one transaction. Dates are relative to today so the example never ages out.
const day = (monthsAgo, daysAgo = 0) => {
  const d = new Date();
  d.setUTCMonth(d.getUTCMonth() - monthsAgo, d.getUTCDate() - daysAgo);
  return d.toISOString().slice(0, 10);
};
const today = day(0);
const patientUrn = `urn:uuid:${randomUUID()}`;
const subject = { reference: patientUrn };
const entry = (resource) => ({
  fullUrl: resource.resourceType === 'Patient' ? patientUrn : `urn:uuid:${randomUUID()}`,
  resource,
  request: { method: 'POST', url: resource.resourceType },
});
const coded = (system, code, display) => ({ coding: [{ system, code, display }] });
const bundle = {
  resourceType: 'Bundle',
  type: 'transaction',
  entry: [
    entry({ resourceType: 'Patient', identifier: [{ system: 'urn:example:mrn', value: `FKC-${randomUUID()}` }],
      name: [{ family: 'Example', given: ['Ada'] }], gender: 'female', birthDate: day(10 * 12 + 3) }), // 10 years 3 months ago
    entry({ resourceType: 'Condition', subject, onsetDateTime: day(2),
      clinicalStatus: coded('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
      verificationStatus: coded('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
      code: coded('http://snomed.info/sct', '46635009', 'Diabetes mellitus type 1') }),
    entry({ resourceType: 'Observation', status: 'final', subject, effectiveDateTime: day(0, 7),
      // trialfhir's own code plus the LOINC code an EHR would send
      code: { coding: [{ system: 'http://trialfhir.org/fhir/CodeSystem/trial-lab', code: 'c-peptide-fasting' },
        { system: 'http://loinc.org', code: '1986-9' }] },
      valueQuantity: { value: 0.35, unit: 'nmol/L', system: 'http://unitsofmeasure.org', code: 'nmol/L' } }),
  ],
};
const saved = await call('transaction', client.transaction({ body: bundle }));
// The response entries follow the request's order; location is "Patient/<id>/_history/1".
const patientId = saved.entry?.[0]?.response?.location?.split('/')[1];
if (!patientId) fail('the transaction response names no Patient location');
console.log(`\nCreated Patient/${patientId} (born ${bundle.entry[0].resource.birthDate})`);

// 4. $eligibility as GET (the operation is side-effect free); `date` pins the reference day to
// the one the dates above were computed from, whatever the server's time zone.
const result = await call('$eligibility', client.operation({ name: '$eligibility', resourceType: 'ResearchStudy',
  id: STUDY, method: 'GET', input: { patient: `Patient/${patientId}`, date: today } }));
const param = (params, name) => params?.find((p) => p.name === name);
const verdict = param(result.parameter, 'verdict')?.valueCode;
if (result.resourceType !== 'Parameters' || !verdict) fail(`$eligibility answered no verdict: ${JSON.stringify(result)}`);
console.log(`\n$eligibility of Patient/${patientId} for ResearchStudy/${STUDY} on ${today}: ${verdict}\n`);

const rows = (result.parameter ?? []).filter((p) => p.name === 'criterion').map(({ part }) => [
  param(part, 'id')?.valueString ?? '?',
  param(part, 'outcome')?.valueCode ?? '?',
  param(part, 'reason')?.valueString ?? '',
]);
if (rows.length === 0) fail('$eligibility listed no criteria');
const header = ['criterion', 'outcome', 'reason'];
const widths = [0, 1].map((i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
for (const row of [header, [...widths.map((w) => '-'.repeat(w)), '------'], ...rows]) {
  console.log(`${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2]}`);
}
