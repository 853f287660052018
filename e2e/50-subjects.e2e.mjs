// Browser journey: a study's subjects, a subject's visits, an adverse event, and printing.
// Seeds a masked study of its own (three visits, a target of 10) with three subjects through the
// API: Ava on study for 60 days with HbA1c only at baseline (so her 1-month visit is overdue) and
// an arm the blinded coordinator must never see, Ben withdrawn, Cleo off study (completed). The
// coordinator opens the subjects (groups, status history, recruitment curve), Ava's visits, records
// an adverse event and sees it listed and counted by the endpoint report, and prints a screening.
// Run: TRIALFHIR_BASE_URL=http://127.0.0.1:8080 node e2e/50-subjects.e2e.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, BASE, coding, connect, day, launchBrowser, login, newPage, RUN, screenshot } from './support.mjs';

const VS = 'http://trialfhir.org/fhir/ValueSet/';
const LATE_ENTRY = 'http://trialfhir.org/fhir/StructureDefinition/late-entry';
const ARM = `Cell therapy ${RUN}`;
const TITLE = `Subjects journey ${RUN}`;
const pageErrors = [];
let config;
const ids = {};

const visitWindow = (low, high, ...valueSets) => ({
  timingRange: { low: { value: low, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
    high: { value: high, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' } },
  input: valueSets.map((vs) => ({ type: 'Observation', codeFilter: [{ path: 'code', valueSet: VS + vs }] })),
});

async function created(path, body) {
  const { status, json } = await api(path, { method: 'POST', body });
  assert.equal(status, path.includes('$') || path === '' ? 200 : 201, `${path}: ${JSON.stringify(json).slice(0, 500)}`);
  return json;
}

async function seed() {
  const plan = await created('PlanDefinition', { resourceType: 'PlanDefinition', status: 'active', title: `${TITLE}: schedule`, action: [
    { id: 'baseline', title: 'Baseline', ...visitWindow(-14, 0, 'hba1c', 'fasting-glucose') },
    { id: 'month-1', title: '1 month', ...visitWindow(16, 44, 'hba1c', 'fasting-glucose') },
    { id: 'month-3', title: '3 months', ...visitWindow(77, 105, 'hba1c') }] });
  const study = await created('ResearchStudy', { resourceType: 'ResearchStudy', status: 'active', title: TITLE,
    extension: [
      { url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign', valueCodeableConcept: coding('http://trialfhir.org/fhir/CodeSystem/ctgov-masking', 'QUADRUPLE') },
      { url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.recruitment', extension: [{ url: 'targetNumber', valueUnsignedInt: 10 }] }],
    protocol: [{ reference: `PlanDefinition/${plan.id}` }],
    arm: [{ name: ARM }, { name: `Placebo ${RUN}` }] });
  ids.study = study.id;
  const patient = async (given, family) => (await created('Patient', { resourceType: 'Patient', name: [{ given: [given], family }],
    identifier: [{ system: 'urn:trialfhir:e2e:mrn', value: `E2E-SUBJ-${given}-${RUN}` }], gender: 'female', birthDate: day(-40, 12) })).id;
  const subject = async (pid, start, extra = {}) => (await created('ResearchSubject', { resourceType: 'ResearchSubject', status: 'on-study',
    period: { start }, extension: [{ url: LATE_ENTRY, valueString: 'e2e: enrolled earlier, entered for the journey' }],
    study: { reference: `ResearchStudy/${ids.study}` }, individual: { reference: `Patient/${pid}` }, ...extra })).id;

  ids.ava = await patient('Ava', `Visits${RUN}`);
  ids.avaSubject = await subject(ids.ava, day(-60), { assignedArm: ARM });
  await created('Observation', { resourceType: 'Observation', status: 'final', code: coding('http://loinc.org', '4548-4'),
    subject: { reference: `Patient/${ids.ava}` }, effectiveDateTime: day(-62),
    valueQuantity: { value: 8.2, unit: '%', system: 'http://unitsofmeasure.org', code: '%' } });

  ids.ben = await patient('Ben', `Withdrawn${RUN}`);
  ids.benSubject = await subject(ids.ben, day(-30));
  await created(`ResearchSubject/${ids.benSubject}/$withdraw`, { resourceType: 'Parameters', parameter: [
    { name: 'reason', valueString: 'Family moved away' }, { name: 'date', valueDate: day(-5) }] });

  ids.cleo = await patient('Cleo', `Completed${RUN}`);
  ids.cleoSubject = await subject(ids.cleo, day(-20));
  for (const status of ['follow-up', 'off-study']) {
    const { json } = await api(`ResearchSubject/${ids.cleoSubject}`);
    const { status: code } = await api(`ResearchSubject/${ids.cleoSubject}`, { method: 'PUT', body: { ...json, status, ...(status === 'off-study' ? { period: { ...json.period, end: day(-1) } } : {}) } });
    assert.equal(code, 200, `moving Cleo to ${status}`);
  }
  // Dana: eligible for NCT06407297 (as the coordinator journey's Ava), for the enrolment print-out;
  // withdrawn again at the end so that her place goes back to the other journeys.
  const urn = `urn:uuid:00000000-0000-4000-8050-${RUN.slice(-12).padStart(12, '0')}`;
  const TRIAL_LAB = 'http://trialfhir.org/fhir/CodeSystem/trial-lab';
  const result = (codings, value, unit, extra = {}) => ({ resourceType: 'Observation', status: 'final', code: { coding: codings },
    subject: { reference: urn }, effectiveDateTime: day(-14),
    ...(value === undefined ? {} : { valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit } }), ...extra });
  const dana = [
    { resourceType: 'Patient', identifier: [{ system: 'urn:trialfhir:e2e:mrn', value: `E2E-SUBJ-Dana-${RUN}` }], name: [{ given: ['Dana'], family: `Enrolled${RUN}` }], gender: 'female', birthDate: day(-100, 12) },
    { resourceType: 'Condition', clinicalStatus: coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
      verificationStatus: coding('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E10.9' }] }, subject: { reference: urn }, onsetDateTime: day(-60) },
    result([{ system: 'http://loinc.org', code: '13926-1' }], undefined, undefined, { interpretation: [coding('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', 'POS')] }),
    result([{ system: TRIAL_LAB, code: 'c-peptide-fasting' }, { system: 'http://loinc.org', code: '1986-9' }], 0.35, 'nmol/L'),
    result([{ system: TRIAL_LAB, code: 'c-peptide-2h' }, { system: 'http://loinc.org', code: '1986-9' }], 0.62, 'nmol/L'),
    result([{ system: 'http://loinc.org', code: '39156-5' }], 18.0, 'kg/m2'),
    { resourceType: 'Consent', status: 'active',
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext', valueReference: { reference: 'ResearchStudy/nct06407297' } },
        { url: LATE_ENTRY, valueString: 'e2e: signed on paper at the visit, entered from the form' }],
      scope: coding('http://terminology.hl7.org/CodeSystem/consentscope', 'research'), category: [coding('http://loinc.org', '59284-0')],
      patient: { reference: urn }, dateTime: day(-5), policyRule: coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'OPTIN') },
  ];
  const bundle = await created('', { resourceType: 'Bundle', type: 'transaction',
    entry: dana.map((resource, i) => ({ ...(i === 0 ? { fullUrl: urn } : {}), resource, request: { method: 'POST', url: resource.resourceType } })) });
  ids.dana = bundle.entry[0].response.location.split('/')[1];

  // The arm is there, for a caller who may see it (the developer token is unblinded).
  assert.equal((await api(`ResearchSubject/${ids.avaSubject}`)).json.assignedArm, ARM);
}

test('subjects, visits, adverse events and printing', { timeout: 240_000 }, async (t) => {
  config = await connect();
  await seed();
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await newPage(browser, pageErrors);
  const main = page.locator('main');

  await t.test('the study page links to its subjects, grouped, with their status history and no arm', async () => {
    await page.goto(`${BASE}/#/study/${ids.study}`);
    if (config.authRequired) {
      await page.getByRole('button', { name: 'Sign in' }).first().click();
      await login(page, 'coordinator');
    }
    await page.getByRole('link', { name: 'Subjects, visits and adverse events' }).click();
    await page.getByRole('heading', { level: 1, name: `Subjects of ${TITLE}` }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'On study (1)' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Completed (off study) (1)' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Withdrawn (1)' }).waitFor();
    // The day's work at a glance: Ava's 1-month visit is overdue (from $visits).
    assert.equal(await page.locator(`tr[data-subject="${ids.avaSubject}"] td[data-visits]`).innerText(), '! 1 overdue');
    const ben = page.locator(`tr[data-subject="${ids.benSubject}"]`);
    await ben.locator('summary').click();
    const history = await ben.locator('.history').innerText();
    assert.match(history, new RegExp(`On study from ${day(-30)}`));
    assert.match(history, new RegExp(`Withdrawn on ${day(-5)}: Family moved away`));
    const cleo = await page.locator(`tr[data-subject="${ids.cleoSubject}"] .history`).textContent();
    assert.match(cleo, /On study[\s\S]*Follow-up[\s\S]*Completed \(off study\)/);
    // Blinded: the coordinator sees no arm, nor an Arm column.
    assert.doesNotMatch(await main.innerText(), new RegExp(ARM));
    assert.equal(await page.getByRole('columnheader', { name: 'Arm' }).count(), 0);
  });

  await t.test('the recruitment curve against the target, with the same in a table', async () => {
    await page.getByRole('img', { name: /Recruitment curve/ }).waitFor();
    assert.match(await main.innerText(), /3 enrolled so far of a target of 10; 1 counts against the target now/);
    const rows = page.locator('table.curve-table tbody tr');
    assert.equal(await rows.count(), 3);
    assert.deepEqual(await rows.last().locator('th, td').allInnerTexts(), [day(-20), '1', '3']);
    await screenshot(page, '50-subjects');
  });

  await t.test('a subject\'s visits: baseline done with a result missing, the 1-month visit overdue', async () => {
    await page.getByRole('link', { name: `Visits and adverse events of Ava Visits${RUN}` }).click();
    await page.getByRole('heading', { level: 1, name: `Ava Visits${RUN}: visits and adverse events` }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Visits' }).waitFor();
    const baseline = page.locator('tr[data-visit="baseline"]');
    assert.equal(await baseline.getAttribute('data-status'), 'done');
    assert.match(await baseline.innerText(), /Done[\s\S]*Fasting glucose/);
    const month1 = page.locator('tr[data-visit="month-1"]');
    assert.equal(await month1.getAttribute('data-status'), 'overdue');
    assert.match(await month1.innerText(), new RegExp(`${day(-44)} to ${day(-16)}[\\s\\S]*Overdue[\\s\\S]*Hemoglobin A1c[\\s\\S]*Fasting glucose`));
    assert.equal(await page.locator('tr[data-visit="month-3"]').getAttribute('data-status'), 'upcoming');
    assert.match(await main.innerText(), /1 overdue, 0 due now, 1 done, 1 upcoming/);
    assert.doesNotMatch(await main.innerText(), new RegExp(ARM));
    await screenshot(page, '51-subject-visits');
  });

  await t.test('records an adverse event, lists it, and the endpoint report counts it', async () => {
    assert.match(await page.locator('[data-ae-list]').innerText(), /No adverse event recorded/);
    await page.getByLabel('What happened').fill(`Hypoglycaemia ${RUN}, treated with oral glucose`);
    await page.getByLabel('Date it began').fill(day(-2));
    await page.getByLabel('Seriousness').selectOption({ label: 'Non-serious' });
    await page.getByLabel('Severity').selectOption({ label: 'Moderate' });
    await page.getByLabel(/Related to the study treatment/).selectOption({ label: 'Not related' });
    await page.getByLabel('Outcome').selectOption({ label: 'Resolved' });
    await page.getByRole('button', { name: 'Record adverse event' }).click();
    await page.getByText(`The adverse event of Ava Visits${RUN} is recorded`).waitFor();
    const row = page.locator('table.adverse tbody tr').first();
    assert.deepEqual((await row.locator('th, td').allInnerTexts()).slice(0, 6),
      [day(-2), `Hypoglycaemia ${RUN}, treated with oral glucose`, 'Non-serious', 'Moderate', 'Not related', 'Resolved']);
    await screenshot(page, '52-adverse-event');

    const { status, json } = await api(`ResearchStudy/${ids.study}/$endpoint-report`);
    assert.equal(status, 200, JSON.stringify(json).slice(0, 400));
    const ae = json.group.find((g) => g.id === 'adverse-events');
    assert.equal(ae.population.find((p) => p.code.text === 'events').count, 1);
    const severity = ae.stratifier.find((s) => s.code[0].text === 'severity').stratum;
    assert.deepEqual(severity.map((s) => s.value.text), ['moderate']);
    const related = ae.stratifier.find((s) => s.code[0].text === 'relatedness').stratum;
    assert.deepEqual(related.map((s) => s.value.text), ['not-related']);
    // The stored event names the study treatment as a whole, never an arm.
    const stored = (await api(`AdverseEvent?subject=Patient/${ids.ava}`)).json.entry[0].resource;
    assert.doesNotMatch(JSON.stringify(stored), new RegExp(ARM));
  });

  if (config.authRequired) {
    await t.test('the investigator (who reads, and writes no adverse events) sees the visits and events and no form; enrols a patient and prints the enrolment', async () => {
      const other = await newPage(browser, pageErrors);
      try {
        await other.goto(`${BASE}/#/study/${ids.study}/subject/${ids.avaSubject}`);
        await other.getByRole('button', { name: 'Sign in' }).first().click();
        await login(other, 'investigator');
        await other.getByRole('heading', { level: 1, name: `Ava Visits${RUN}: visits and adverse events` }).waitFor();
        assert.equal(await other.locator('tr[data-visit="month-1"]').getAttribute('data-status'), 'overdue');
        assert.match(await other.locator('[data-ae-list]').innerText(), new RegExp(`Hypoglycaemia ${RUN}`));
        await other.locator('[data-ae-readonly]').waitFor();
        assert.equal(await other.getByRole('button', { name: 'Record adverse event' }).count(), 0);
        assert.doesNotMatch(await other.locator('main').innerText(), new RegExp(ARM));

        // The investigator enrols Dana in NCT06407297 and prints the enrolment.
        await other.goto(`${BASE}/#/study/nct06407297/screen/${ids.dana}`);
        await other.getByRole('heading', { level: 2, name: /Verdict/ }).waitFor();
        for (const box of await other.locator('input[name="confirmed"]').all()) await box.check();
        await other.getByRole('button', { name: `Enrol Dana Enrolled${RUN}` }).click();
        await other.getByRole('heading', { level: 3, name: /Enrolled: Dana/ }).waitFor();
        await other.getByRole('button', { name: 'Print the enrolment' }).waitFor();
        await other.emulateMedia({ media: 'print' });
        assert.equal(await other.locator('header.top').isVisible(), false);
        assert.equal(await other.locator('main form').first().isVisible(), false);
        assert.equal(await other.getByRole('heading', { level: 3, name: /Enrolled: Dana/ }).isVisible(), true, 'the enrolment is printed');
        const stamp = await other.locator('[data-print-stamp]').innerText();
        assert.match(stamp, new RegExp(`Enrolment of Dana Enrolled${RUN} in nct06407297 on \\d{4}-\\d{2}-\\d{2} · printed by Dr Ivo Investigator on \\d{4}-\\d{2}-\\d{2} at `));
        await screenshot(other, '54-print-enrolment');
      } finally {
        await other.context().close();
        // Dana's place goes back to NCT06407297's other journeys.
        const subjects = (await api(`ResearchSubject?patient=Patient/${ids.dana}&status=on-study`)).json.entry ?? [];
        for (const { resource } of subjects) {
          await created(`ResearchSubject/${resource.id}/$withdraw`, { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'e2e: end of the journey' }] });
        }
      }
    });
  }

  await t.test('prints a screening result: who and when, without navigation or forms', async () => {
    await page.goto(`${BASE}/#/study/nct06407297/screen/${ids.ava}`);
    await page.getByRole('heading', { level: 2, name: /Verdict/ }).waitFor();
    await page.getByRole('button', { name: 'Print the screening result' }).waitFor();
    await page.emulateMedia({ media: 'print' });
    try {
      assert.equal(await page.locator('header.top').isVisible(), false, 'the navigation is not printed');
      assert.equal(await page.locator('main form').first().isVisible(), false, 'no form is printed');
      assert.equal(await page.getByRole('button', { name: 'Print the screening result' }).isVisible(), false);
      assert.equal(await page.getByRole('heading', { level: 2, name: /Verdict/ }).isVisible(), true, 'the verdict is');
      const stamp = page.locator('[data-print-stamp]');
      assert.equal(await stamp.isVisible(), true);
      const text = await stamp.innerText();
      assert.match(text, new RegExp(`Screening of Ava Visits${RUN} for`));
      assert.match(text, new RegExp(`printed by ${config.authRequired ? 'Casey Coordinator' : 'nobody signed in'}`));
      const now = new Date();
      const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
      assert.match(text, new RegExp(`on ${today} at \\d{1,2}:\\d{2}`));
      await screenshot(page, '53-print-screening');
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
    assert.equal(await page.locator('[data-print-stamp]').isVisible(), false, 'the stamp is for paper only');
  });

  await t.test('no script errors on the page', () => assert.deepEqual(pageErrors, []));
});
