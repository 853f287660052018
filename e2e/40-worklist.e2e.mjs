// Browser journey: the coordinator's worklist and screening log (issue #22, needs 1 and 2). Seeds a
// study of its own (HbA1c below 9 %, no other diabetes) and four patients through the API, then,
// signed in as coordinator: opens the worklist from the study page, runs the population screening
// and sees its progress, the funnel and the candidates (eligible first, what is missing), sets
// contact statuses (contacted; declined with its reason), opens a screening and records the
// outcome (eligible; a screen failure with its reason), opens the screening log, sees the CONSORT
// counts and exports the CSV (downloaded, read back). Run: node e2e/40-worklist.e2e.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { api, BASE, connect, day, launchBrowser, login, newPage, obs, RUN, screenshot } from './support.mjs';

const SD = 'http://trialfhir.org/fhir/StructureDefinition/';
const KIND = 'http://trialfhir.org/fhir/CodeSystem/criterion-kind';
const MRN = 'urn:trialfhir:e2e:worklist-mrn';
const TITLE = `Worklist study ${RUN}`;

/** P0 and P3 eligible (HbA1c 8.0, 7.5 %), P1 not (9.5 %), P2 without an HbA1c (data missing). */
const people = [
  { given: 'Wren', hba1c: 8.0 },
  { given: 'Olaf', hba1c: 9.5 },
  { given: 'Mira', hba1c: undefined },
  { given: 'Dana', hba1c: 7.5 },
].map((p, i) => ({ ...p, family: `Work${RUN}`, mrn: `WL-${RUN}-${i}` }));
const study = {};

async function seed() {
  const criterion = (id, kind, text, valueSet, exclude, more = {}) => ({
    id, exclude,
    extension: [
      { url: SD + 'criterion-description', valueString: text },
      { url: SD + 'criterion-origin', valueCode: 'authored' },
      { url: SD + 'criterion-valueset', valueCanonical: `http://trialfhir.org/fhir/ValueSet/${valueSet}` },
      ...(more.extension ?? [])],
    code: { coding: [{ system: KIND, code: kind }], text },
    ...(more.value ?? { valueBoolean: true }),
  });
  const group = {
    resourceType: 'Group', type: 'person', actual: false, name: `${TITLE} eligibility`,
    characteristic: [
      criterion('inc-hba1c', 'observation-value', 'HbA1c below 9 % in the last 60 days', 'hba1c', false, {
        extension: [{ url: SD + 'criterion-lookback', valueDuration: { value: 60, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' } }],
        value: { valueQuantity: { value: 9, comparator: '<', unit: '%', system: 'http://unitsofmeasure.org', code: '%' } } }),
      criterion('exc-other-diabetes', 'condition', 'Type 2 or monogenic diabetes', 'other-diabetes-or-endocrine', true),
    ],
  };
  const groupUrn = 'urn:uuid:7a2e0c11-0000-4000-8000-000000000001';
  const entries = [
    { fullUrl: groupUrn, resource: group, request: { method: 'POST', url: 'Group' } },
    { resource: { resourceType: 'ResearchStudy', title: TITLE, status: 'active', identifier: [{ system: 'urn:trialfhir:e2e:study', value: `worklist-${RUN}` }],
      enrollment: [{ reference: groupUrn }] }, request: { method: 'POST', url: 'ResearchStudy' } },
  ];
  people.forEach((p, i) => {
    const urn = `urn:uuid:7a2e0c11-0000-4000-8000-0000000002${i}0`;
    entries.push({ fullUrl: urn, resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: p.mrn }], name: [{ family: p.family, given: [p.given] }], gender: 'female', birthDate: day(0, 35) },
      request: { method: 'POST', url: 'Patient' } });
    if (p.hba1c !== undefined) entries.push({ resource: obs(urn, [{ system: 'http://loinc.org', code: '4548-4' }], p.hba1c, '%'), request: { method: 'POST', url: 'Observation' } });
  });
  const { status, json } = await api('', { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: entries } });
  assert.equal(status, 200, `seeding failed: ${JSON.stringify(json).slice(0, 600)}`);
  const locations = json.entry.map((e) => e.response.location.split('/').slice(0, 2).join('/'));
  study.id = locations[1].split('/')[1];
  const patients = locations.filter((l) => l.startsWith('Patient/'));
  people.forEach((p, i) => { p.id = patients[i].split('/')[1]; p.name = `${p.given} ${p.family}`; });
}

test('the coordinator works the worklist and exports the screening log', async (t) => {
  const config = await connect();
  await seed();
  const browser = await launchBrowser();
  const pageErrors = [];
  const page = await newPage(browser, pageErrors);
  const shot = (name) => screenshot(page, `40-${name}`);
  const row = (p) => page.locator(`tr[data-patient="${p.id}"]`);
  t.after(() => browser.close());

  await t.test('opens the worklist from the study page and runs the population screening', async () => {
    await page.goto(`${BASE}/#/study/${study.id}`);
    if (config.authRequired) {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await login(page, 'coordinator');
    }
    await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
    await page.getByRole('link', { name: 'Worklist: find candidates' }).click();
    const heading = page.getByRole('heading', { level: 1, name: `Worklist: ${TITLE}` });
    await heading.waitFor();
    assert.equal(await heading.evaluate((el) => el === document.activeElement), true, 'the new page’s heading has the focus');
    await page.getByRole('button', { name: 'Run population screening' }).click();
    await page.locator('progress#screen-progress').waitFor();
    await page.getByRole('heading', { level: 2, name: 'Funnel' }).waitFor({ timeout: 180_000 });
    assert.equal(await page.locator('progress#screen-progress').evaluate((p) => p.value), 100);
    await shot('01-funnel');
  });

  await t.test('sees the funnel per criterion and the candidates, eligible first, with what is missing', async () => {
    const funnel = page.locator('tr[data-criterion="inc-hba1c"] td');
    const [pass, fail, , missing] = (await funnel.allInnerTexts()).map(Number);
    assert.ok(pass >= 2, `at least the two eligible patients pass inc-hba1c (${pass})`);
    assert.ok(fail >= 1, `the 9.5 % patient fails inc-hba1c (${fail})`);
    assert.ok(missing >= 1, `the patient without HbA1c lacks data (${missing})`);
    for (const p of [people[0], people[3]]) assert.match(await row(p).innerText(), /Eligible[\s\S]*Nothing[\s\S]*No record yet/);
    assert.equal(await row(people[1]).count(), 0, 'a patient not eligible is not a candidate');
    assert.match(await row(people[2]).innerText(), /Insufficient data[\s\S]*To obtain: HbA1c below 9 % in the last 60 days/);
    const order = await page.locator('table.candidates tbody tr').evaluateAll((rows) => rows.map((r) => r.querySelector('td .badge')?.textContent ?? ''));
    const firstOther = order.findIndex((v) => !/Eligible/.test(v));
    assert.ok(firstOther === -1 || order.slice(firstOther).every((v) => !/^.?\s?Eligible/.test(v)), `eligible first: ${order.join(' | ')}`);
  });

  await t.test('sets contact statuses: contacted, and declined with its reason', async () => {
    await page.getByLabel(`Contact status of ${people[0].name}`, { exact: true }).selectOption({ label: 'Contacted' });
    await row(people[0]).getByRole('button', { name: 'Save' }).click();
    await row(people[0]).getByText('Saved: Contacted.').waitFor();
    assert.match(await row(people[0]).locator('td').nth(2).innerText(), /Contacted/);

    await page.getByLabel(`Contact status of ${people[3].name}`, { exact: true }).selectOption({ label: 'Declined' });
    const reason = page.getByLabel(`Why ${people[3].name} declined (required)`);
    assert.equal(await reason.evaluate((i) => i.required), true, 'a refusal needs its reason');
    await row(people[3]).getByRole('button', { name: 'Save' }).click();
    assert.equal(await reason.evaluate((i) => i.validity.valueMissing), true, 'not sent without the reason');
    await reason.fill('Lives too far from the site, "no" to weekly visits');
    await row(people[3]).getByRole('button', { name: 'Save' }).click();
    await row(people[3]).getByText('Saved: Declined.').waitFor();
    assert.equal(await page.getByLabel(`Contact status of ${people[3].name}`, { exact: true }).isDisabled(), true, 'declined is final');
    await shot('02-contact-statuses');
  });

  await t.test('opens a screening and records the outcome: eligible, then a screen failure with its reason', async () => {
    await row(people[0]).getByRole('link', { name: people[0].name }).click();
    await page.getByRole('heading', { level: 2, name: 'Screening outcome for the log' }).waitFor();
    const log = page.locator('section[aria-labelledby="log-h"]');
    await log.getByText('Contacted').first().waitFor();
    await log.getByRole('radio', { name: 'Eligible' }).check();
    await log.getByRole('button', { name: 'Record in the screening log' }).click();
    await log.getByText(`Recorded in the screening log: ${people[0].name}, eligible.`).waitFor();

    await page.goto(`${BASE}/#/study/${study.id}/screen/${people[2].id}`);
    await page.getByRole('heading', { level: 2, name: 'Screening outcome for the log' }).waitFor();
    await log.getByRole('radio', { name: 'Screen failure' }).check();
    const reason = log.getByLabel('Reason for the screen failure (required)');
    await reason.fill('=HbA1c 9.8 % at the screening visit, point-of-care');
    await log.getByRole('button', { name: 'Record in the screening log' }).click();
    await log.getByText(`Recorded in the screening log: ${people[2].name}, screen failure.`).waitFor();
    assert.match(await log.innerText(), /In the screening log now: .*Screen failure — =HbA1c 9\.8 %/);
    await shot('03-screen-failure');
  });

  await t.test('opens the screening log, sees where each patient stands and exports the CSV', async () => {
    await page.locator('section[aria-labelledby="log-h"]').getByRole('link', { name: 'Open the screening log' }).click();
    await page.getByRole('heading', { level: 1, name: `Screening log: ${TITLE}` }).waitFor();
    const consort = async (label) => Number(await page.locator('table.consort tr', { hasText: label }).locator('td').innerText());
    assert.equal(await consort('Patients in the log'), 3);
    assert.equal(await consort('Excluded: screen failure'), 1);
    assert.equal(await consort('Excluded: declined'), 1);
    assert.equal(await consort('Enrolled'), 0);
    const table = await page.locator('table.log').innerText();
    assert.match(table, /Lives too far from the site/);
    assert.match(table, /\t=HbA1c 9\.8 % at the screening visit/, 'the page shows the reason as typed (the CSV guards it)');
    await shot('04-screening-log');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.match(download.suggestedFilename(), new RegExp(`^screening-log-${study.id}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.split('\r\n').filter(Boolean);
    assert.equal(lines[0], 'screening_id,recorded,recorded_by,status,status_text,subject_status,reason');
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[3]), ['contacted', 'declined', 'eligible', 'screen-failure']);
    assert.ok(lines.some((l) => l.endsWith(',declined,Declined,not-registered,"Lives too far from the site, ""no"" to weekly visits"')), csv);
    assert.ok(lines.some((l) => l.endsWith(',screen-failure,Screen failure,ineligible,"\'=HbA1c 9.8 % at the screening visit, point-of-care"')), 'a formula-like reason is made text');
    if (config.authRequired) assert.ok(lines.slice(1).every((l) => l.split(',')[2].includes('coordinator')), 'each entry names who recorded it');
    for (const p of people) {
      assert.ok(!csv.includes(p.family) && !csv.includes(p.id) && !csv.includes(p.mrn), 'patients appear by screening number only');
    }
  });

  await t.test('the server holds pre-enrolment subjects: none enrolled, none with an arm', async () => {
    const { json } = await api(`ResearchSubject?study=ResearchStudy/${study.id}&_count=50`);
    const subjects = (json.entry ?? []).map((e) => e.resource);
    assert.deepEqual(subjects.map((s) => s.status).sort(), ['eligible', 'ineligible', 'not-registered']);
    assert.ok(subjects.every((s) => !s.assignedArm && !s.actualArm && !s.period?.start));
    const onStudy = await api(`ResearchSubject?study=ResearchStudy/${study.id}&status=on-study,on-study-intervention,on-study-observation,follow-up&_summary=count`);
    assert.equal(onStudy.json.total, 0);
  });

  await t.test('no script error happened', () => {
    assert.deepEqual(pageErrors, []);
  });
});
