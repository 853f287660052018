// Browser journey: finding a patient and acting on missing data. Seeds 23 patients sharing a
// family name and one child whose fasting C-peptide and BMI are too old to count; as a
// coordinator, finds patients by part of a name, by an MRN typed in lower case and by birth date,
// pages through 23 results 20 at a time, sees a search of spaces refused without searching; screens
// the child and sees, for each missing-data row, which result was set aside and why, a link to it
// by name and date, and what to obtain; finds the type 1 diabetes study by "diabetes type 1" and
// by "T1D". Run: node e2e/30-patient-search.e2e.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, BASE, coding, connect, day, launchBrowser, login, newPage, obs, RUN, screenshot } from './support.mjs';

const STUDY = 'nct06407297';
const STUDY_TITLE = 'UCMSCs Combined With Standard Therapy for the Treatment of Newly Diagnosed Type 1 Diabetes';
const MRN = 'urn:trialfhir:e2e:mrn';
const TRIAL_LAB = 'http://trialfhir.org/fhir/CodeSystem/trial-lab';
const FAMILY = `Searchfam${RUN}`;
const CHILD = { given: 'Annabel', family: `Quinton${RUN}`, mrn: `E2E-SRCH-${RUN.toUpperCase()}-CHILD`, birthDate: day(-40, 11) };

async function seed() {
  const urn = 'urn:uuid:5eac0000-0000-4000-8000-000000000001';
  const entries = [];
  for (let i = 0; i < 23; i++) {
    entries.push({ resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: `E2E-SRCH-${RUN.toUpperCase()}-${i}` }],
      name: [{ family: FAMILY, given: [`Pat${String(i).padStart(2, '0')}`] }], gender: i % 2 ? 'male' : 'female', birthDate: day(-i, 30) },
    request: { method: 'POST', url: 'Patient' } });
  }
  const child = [
    { resourceType: 'Patient', identifier: [{ system: MRN, value: CHILD.mrn }], name: [{ family: CHILD.family, given: [CHILD.given] }], gender: 'female', birthDate: CHILD.birthDate },
    { resourceType: 'Condition', clinicalStatus: coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
      verificationStatus: coding('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E10.9' }] }, subject: { reference: urn }, onsetDateTime: day(-60) },
    obs(urn, [{ system: 'http://loinc.org', code: '13926-1' }], undefined, undefined,
      { interpretation: [coding('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', 'POS')] }),
    // Four months old: outside the 90-day look-back.
    obs(urn, [{ system: TRIAL_LAB, code: 'c-peptide-fasting', display: 'Fasting C-peptide' }], 0.35, 'nmol/L', { effectiveDateTime: day(-120) }),
    obs(urn, [{ system: TRIAL_LAB, code: 'c-peptide-2h' }], 0.62, 'nmol/L'),
    obs(urn, [{ system: 'http://loinc.org', code: '39156-5', display: 'Body mass index' }], 18, 'kg/m2', { effectiveDateTime: day(-200) }),
  ];
  child.forEach((resource, i) => entries.push({ ...(i === 0 ? { fullUrl: urn } : {}), resource, request: { method: 'POST', url: resource.resourceType } }));
  const { status, json } = await api('', { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: entries } });
  assert.equal(status, 200, `seeding failed: ${JSON.stringify(json).slice(0, 600)}`);
}

let page;
const pageErrors = [];
const main = () => page.locator('main').innerText();
const status = () => page.locator('.screenbox [role="status"]');
const find = async (text, born) => {
  await page.getByLabel('Patient name or identifier').fill(text);
  await page.getByLabel('Born on (optional)').fill(born ?? '');
  await page.getByRole('button', { name: 'Find patient' }).click();
};

test('finding a patient and acting on missing data', { timeout: 180_000 }, async (t) => {
  const config = await connect();
  console.log(`# base ${BASE}, authRequired=${config.authRequired}, run ${RUN}`);
  await seed();
  const browser = await launchBrowser();
  t.after(() => browser.close());
  page = await newPage(browser, pageErrors);

  await t.test('signs in and opens the study', async () => {
    await page.goto(`${BASE}/#/study/${STUDY}`);
    if (config.authRequired) {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await login(page);
    }
    await page.getByRole('heading', { level: 1, name: STUDY_TITLE }).waitFor();
  });

  await t.test('a search of spaces is refused without searching', async () => {
    let searched = false;
    const watch = (request) => { if (/\/fhir\/Patient\?/.test(request.url())) searched = true; };
    page.on('request', watch);
    await find('   ');
    await page.getByText('Type a name or an identifier, or choose a birth date, to search.').waitFor();
    page.off('request', watch);
    assert.equal(searched, false, 'no search was sent');
    assert.equal(await page.getByLabel('Patient name or identifier').getAttribute('aria-invalid'), 'true');
  });

  await t.test('part of a name finds all 23, in pages of 20 with the total', async () => {
    const part = FAMILY.slice(3, -2).toLowerCase(); // e.g. "rchfam…": neither the start nor the case typed
    await find(part);
    await page.getByText(`23 patients found for “${part}”. Showing 1–20 of 23.`).waitFor();
    assert.equal(await page.locator('.screenbox tbody tr').count(), 20);
    assert.ok(!/Patient\/[A-Za-z0-9-]{6,}/.test(await page.locator('.screenbox').innerText()), 'no resource id is shown');
    await screenshot(page, '30-patient-search-page-1');
    await page.getByRole('button', { name: 'Next 20 →' }).click();
    await page.getByText('Showing 21–23 of 23.').waitFor();
    assert.equal(await page.locator('.screenbox tbody tr').count(), 3);
    assert.ok(await page.getByRole('button', { name: 'Next 20 →' }).isDisabled());
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), '← Previous 20', 'the focus stays in the pager');
    await page.getByRole('button', { name: '← Previous 20' }).click();
    await page.getByText('Showing 1–20 of 23.').waitFor();
    // Two words, each anywhere in a name: a given name's middle and the family name's.
    await find(`t07 ${part}`);
    await page.getByText(/^1 patient found/).waitFor();
    assert.match(await page.locator('.screenbox tbody').innerText(), new RegExp(`Pat07 ${FAMILY}`));
  });

  await t.test('an MRN typed in lower case, and a birth date', async () => {
    await find(CHILD.mrn.toLowerCase());
    await page.getByText(/^1 patient found/).waitFor();
    const row = await page.locator('.screenbox tbody tr').innerText();
    for (const shown of [`${CHILD.given} ${CHILD.family}`, CHILD.birthDate, 'Female', CHILD.mrn]) assert.ok(row.includes(shown), `the result shows ${shown}`);
    await find(FAMILY.toLowerCase(), day(-5, 30));
    await page.getByText(/^1 patient found/).waitFor();
    assert.match(await page.locator('.screenbox tbody').innerText(), /Pat05/);
    await find('', CHILD.birthDate);
    await page.getByRole('link', { name: `Screen ${CHILD.given} ${CHILD.family}` }).waitFor();
    await screenshot(page, '30-patient-search-mrn');
  });

  await t.test('missing-data rows name the result set aside, link to it and say what to obtain', async () => {
    await find(CHILD.mrn.toLowerCase());
    await page.getByRole('link', { name: `Screen ${CHILD.given} ${CHILD.family}` }).click();
    await page.getByRole('heading', { level: 2, name: /Verdict/ }).waitFor();
    const row = (id) => page.locator(`tr[data-criterion="${id}"]`);
    const cpep = await row('inc-cpeptide-fasting').innerText();
    assert.match(cpep, /Missing data/);
    assert.ok(cpep.includes(`0.35 nmol/L on ${day(-120)} is older than the 90-day window`), cpep);
    assert.match(cpep, /To obtain: Fasting C-peptide from the last 90 days/);
    const bmi = await row('exc-bmi').innerText();
    assert.ok(bmi.includes(`on ${day(-200)} is older than the 90-day window`), bmi);
    assert.match(bmi, /To obtain: a BMI, or weight and height, from the last 90 days/);
    assert.doesNotMatch(bmi, /obtain BMI below/);
    await screenshot(page, '30-missing-data-actionable');
    const evidence = row('inc-cpeptide-fasting').getByRole('link', { name: `Fasting C-peptide 0.35 nmol/L, ${day(-120)}` });
    await evidence.click();
    await page.getByRole('heading', { level: 1, name: /^The record behind it: Observation/ }).waitFor();
    assert.match(await main(), /"c-peptide-fasting"/);
    await page.goBack();
    await page.getByRole('heading', { level: 2, name: /Verdict/ }).waitFor();
  });

  await t.test('condition words in any order, and the abbreviation T1D, find the study', async () => {
    for (const words of ['diabetes type 1', 'T1D']) {
      await page.goto(`${BASE}/#/studies`);
      await page.getByRole('heading', { level: 1, name: 'Studies' }).waitFor();
      await page.getByLabel('Condition').fill(words);
      await page.getByRole('button', { name: 'Search studies' }).click();
      await page.getByText(/\d+ stud(y|ies) found/).waitFor();
      await page.getByRole('link', { name: STUDY_TITLE }).waitFor();
    }
    await screenshot(page, '30-condition-t1d');
  });

  await t.test('no script error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
