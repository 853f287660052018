// The defects of issue #22 fixed, as a coordinator and an investigator meet them in the page:
// Sign out ends the sign-in session (the next Sign in asks for a password) and the header says
// who is signed in; the study list speaks the registry's words (Recruiting, Phase 1/Phase 2, ages
// in years) and refuses half a coordinate; focus goes to the result count after a search; refusals
// are in plain words with the server's under "Details"; an enrolled patient is flagged on the
// screening page (and one on the screening log only is not); recording a consent keeps the scroll
// position and says "Consent recorded"; the focus ring has 3:1 contrast; /favicon.ico is served.
// Run: TRIALFHIR_BASE_URL=http://127.0.0.1:8080 node e2e/20-defects.e2e.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, BASE, coding, connect, day, launchBrowser, login, newPage, obs, RUN, screenshot } from './support.mjs';

const STUDY = 'nct06407297';
const MRN = 'urn:trialfhir:e2e:defects:mrn';
const LATE_ENTRY = 'http://trialfhir.org/fhir/StructureDefinition/late-entry';
const MANUAL_REVIEW = ['exc-infection', 'exc-organ-disease', 'exc-pregnancy-plans', 'exc-compliance', 'exc-investigator'];
const ON_STUDY = 'on-study,on-study-intervention,on-study-observation,follow-up';

// ------------------------------------------------------------------ seeding

/** A child with new-onset type 1 diabetes, eligible for NCT06407297 today (dates relative to today). */
function child(urn, { given, family, mrn, consent = true }) {
  const TRIAL_LAB = 'http://trialfhir.org/fhir/CodeSystem/trial-lab';
  return [
    { resourceType: 'Patient', identifier: [{ system: MRN, value: mrn }], name: [{ family, given: [given] }], gender: 'female', birthDate: day(-100, 12) },
    { resourceType: 'Condition', clinicalStatus: coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
      verificationStatus: coding('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E10.9' }] }, subject: { reference: urn }, onsetDateTime: day(-60) },
    obs(urn, [{ system: 'http://loinc.org', code: '13926-1' }], undefined, undefined,
      { interpretation: [coding('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', 'POS')] }),
    obs(urn, [{ system: TRIAL_LAB, code: 'c-peptide-fasting' }, { system: 'http://loinc.org', code: '1986-9' }], 0.35, 'nmol/L'),
    obs(urn, [{ system: TRIAL_LAB, code: 'c-peptide-2h' }, { system: 'http://loinc.org', code: '1986-9' }], 0.62, 'nmol/L'),
    obs(urn, [{ system: 'http://loinc.org', code: '39156-5' }], 18.0, 'kg/m2'),
    ...(consent ? [{ resourceType: 'Consent', status: 'active',
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext', valueReference: { reference: `ResearchStudy/${STUDY}` } },
        { url: LATE_ENTRY, valueString: 'e2e: signed on paper at the visit' }],
      scope: coding('http://terminology.hl7.org/CodeSystem/consentscope', 'research'), category: [coding('http://loinc.org', '59284-0')],
      patient: { reference: urn }, dateTime: day(-3), policyRule: coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'OPTIN') }] : []),
  ];
}

const toEnrol = { given: 'Ena', family: `Enrolled${RUN}`, mrn: `DEF-${RUN}-1` };
const candidate = { given: 'Cara', family: `Candidate${RUN}`, mrn: `DEF-${RUN}-2` };
const noConsent = { given: 'Nora', family: `Noconsent${RUN}`, mrn: `DEF-${RUN}-3`, consent: false };
/** A study as a registry states it: ages in months, a combined phase. */
const months = { title: `Paediatric months study ${RUN}` };

async function seed() {
  const entries = [];
  const firsts = [];
  let n = 0;
  for (const who of [toEnrol, candidate, noConsent]) {
    const urn = `urn:uuid:20de0000-0000-4000-8000-${String(++n).padStart(6, '0')}${RUN.slice(-6).padStart(6, '0')}`;
    firsts.push(entries.length);
    child(urn, who).forEach((resource, i) => entries.push({
      ...(i === 0 ? { fullUrl: urn } : {}), resource, request: { method: 'POST', url: resource.resourceType } }));
  }
  entries.push({ resource: {
    resourceType: 'ResearchStudy', title: months.title, status: 'active', identifier: [{ system: 'urn:trialfhir:e2e:study', value: `months-${RUN}` }],
    phase: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/research-study-phase', code: 'phase-1-phase-2' }] },
    extension: [{ url: 'http://trialfhir.org/fhir/StructureDefinition/eligibility-age-range', valueRange: {
      low: { value: 1, unit: 'months', system: 'http://unitsofmeasure.org', code: 'mo' },
      high: { value: 227, unit: 'months', system: 'http://unitsofmeasure.org', code: 'mo' } } }],
  }, request: { method: 'POST', url: 'ResearchStudy' } });
  const { status, json } = await api('', { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: entries } });
  assert.equal(status, 200, `seeding failed: ${JSON.stringify(json).slice(0, 600)}`);
  [toEnrol, candidate, noConsent].forEach((who, i) => { who.id = json.entry[firsts[i]].response.location.split('/')[1]; });
  months.id = json.entry.at(-1).response.location.split('/')[1];
}

/** Repeated runs on one server: withdraw this journey's earlier subjects when the study is full. */
async function makeRoom() {
  const count = (await api(`ResearchSubject?study=ResearchStudy/${STUDY}&status=${ON_STUDY}&_summary=count`)).json.total;
  if (count < 24) return;
  const mine = await api(`ResearchSubject?study=ResearchStudy/${STUDY}&status=${ON_STUDY}&patient.identifier=${encodeURIComponent(MRN + '|')}&_count=5`);
  for (const e of mine.json.entry ?? []) {
    await api(`ResearchSubject/${e.resource.id}/$withdraw`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'e2e clean-up' }] } });
  }
}

// ------------------------------------------------------------------ helpers

/** WCAG contrast ratio of two CSS rgb() colours. */
function contrast(a, b) {
  const lum = (css) => {
    const [r, g, bl] = css.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => v / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** What people read must not carry ids, API parameter names or HAPI's codes. */
function assertPlain(said, patientId) {
  assert.doesNotMatch(said, /HAPI-\d+/, 'no HAPI code');
  assert.doesNotMatch(said, /\(parameter '/, 'no API parameter');
  if (patientId) assert.ok(!said.includes(patientId), 'no patient id');
  assert.doesNotMatch(said, /\b(Patient|ResearchSubject|Consent)\/[A-Za-z0-9-]{6,}/, 'no resource id');
}

// ------------------------------------------------------------------ the browser

test('the defects of the coordinator page, fixed', { timeout: 300_000 }, async (t) => {
  const config = await connect();
  console.log(`# base ${BASE}, authRequired=${config.authRequired}, run ${RUN}`);
  await seed();
  await makeRoom();
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const pageErrors = [];
  const page = await newPage(browser, pageErrors);
  const shot = (name) => screenshot(page, `20-${name}`);
  const main = () => page.locator('main').innerText();

  await t.test('/favicon.ico and /favicon.svg are served', async () => {
    for (const [path, type] of [['/favicon.ico', /image\/(x-icon|vnd\.microsoft\.icon)/], ['/favicon.svg', /image\/svg\+xml/]]) {
      const res = await fetch(BASE + path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', type, path);
      assert.ok((await res.arrayBuffer()).byteLength > 100, `${path} is an icon`);
    }
  });

  await t.test('the header says who is signed in: name and role', async () => {
    await page.goto(`${BASE}/#/studies`);
    if (!config.authRequired) return;
    await page.getByRole('button', { name: 'Sign in' }).click();
    await login(page, 'coordinator');
    await page.getByRole('heading', { level: 1, name: 'Studies' }).waitFor();
    const who = page.locator('#who');
    await who.waitFor();
    assert.match(await who.innerText(), /Casey Coordinator[\s\S]*Coordinator/);
    assert.match(await page.getByRole('button', { name: 'Sign out' }).evaluate((b) => document.getElementById(b.getAttribute('aria-describedby')).textContent),
      /Signed in as Casey Coordinator.*role: Coordinator/, 'Sign out names whom it signs out, for a screen reader');
    await shot('01-signed-in-as-coordinator');
  });

  await t.test('recording a consent keeps the place on the page and says "Consent recorded"', async () => {
    await page.goto(`${BASE}/#/study/${STUDY}/screen/${noConsent.id}`);
    await page.getByRole('heading', { level: 2, name: /Verdict/ }).waitFor();
    const record = page.getByRole('button', { name: 'Record signed consent' });
    await record.scrollIntoViewIfNeeded();
    const y = await page.evaluate(() => window.scrollY);
    assert.ok(y > 200, `the consent form is further down the page (scrollY ${y})`);
    await record.click();
    const done = page.locator('#consent-recorded');
    await done.waitFor();
    assert.match(await done.innerText(), new RegExp(`Consent recorded: signed ${day(0)}`));
    await page.locator('#announcer').getByText('Consent recorded').waitFor({ state: 'attached' });
    const after = await page.evaluate(() => window.scrollY);
    assert.ok(after > 200 && Math.abs(after - y) < 400, `the page stays where it was (scrollY ${y} → ${after})`);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'consent-recorded', 'focus on the confirmation, not the heading');
    assert.ok(await page.getByLabel(`Consent signed ${day(0)}`, { exact: false }).isChecked());
    await shot('08-consent-recorded');
  });

  await t.test('studies: Recruiting in the filter and the list, Phase 1/Phase 2, ages in years; focus on the result count', async () => {
    await page.goto(`${BASE}/#/studies`);
    await page.getByRole('heading', { level: 1, name: 'Studies' }).waitFor();
    const status = page.getByLabel('Status');
    assert.equal(await status.locator('option:checked').innerText(), 'Recruiting');
    assert.ok((await page.getByLabel('Phase').locator('option').allInnerTexts()).includes('Phase 1/Phase 2'));
    await page.getByLabel('Title contains').fill(months.title);
    await page.getByLabel('Title contains').press('Enter');
    const count = page.getByText('1 study found.');
    await count.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), '1 study found.', 'focus goes to the result count, not the heading');
    const row = page.locator('tbody tr').filter({ hasText: months.title });
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[0], 'Recruiting', `status in the filter's word: ${cells}`);
    assert.equal(cells[1], 'Phase 1/Phase 2');
    assert.equal(cells[3], '1 month to 18 years 11 months', 'months only under two years');
    await row.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: months.title }).waitFor();
    assert.match(await main(), /Status\s+Recruiting[\s\S]*Phase\s+Phase 1\/Phase 2[\s\S]*Ages\s+1 month to 18 years 11 months/);
    await page.goto(`${BASE}/#/studies?status=active&title%3Acontains=Type%201%20Diabetes`);
    await page.getByText(/\d+ stud(y|ies) found/).waitFor();
    const nct = page.locator('tbody tr').filter({ hasText: 'NCT06407297' });
    assert.equal((await nct.locator('td').allInnerTexts())[3], '8 to 18 years');
    await shot('03-study-list-words');
  });

  await t.test('half a coordinate is refused in the page, and by the server with a 400 naming it', async () => {
    await page.goto(`${BASE}/#/studies`);
    // The previous search's form is drawn again without its title filter.
    await page.waitForFunction(() => document.getElementById('f-title')?.value === '' && !document.querySelector('main[aria-busy]'));
    const before = page.url();
    await page.getByLabel('Latitude').fill('52.37');
    await page.getByRole('button', { name: 'Search studies' }).click();
    const said = page.locator('#f-near-problem');
    await said.getByText(/Give the longitude too/).waitFor();
    assert.equal(page.url(), before, 'nothing was searched');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-lon', 'focus on the missing longitude');
    assert.equal(await page.getByLabel('Longitude').getAttribute('aria-describedby'), 'f-near-problem');
    await page.getByLabel('Longitude').fill('4,89');
    await page.getByRole('button', { name: 'Search studies' }).click();
    await said.getByText(/The longitude “4,89” is not a longitude/).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-lon', 'focus on the longitude to correct');
    await shot('04-half-coordinate');
    // Typed into the address: the page says it too, in words.
    await page.goto(`${BASE}/#/studies?lat=52.37`);
    await page.getByRole('alert').getByText(/Give the longitude too/).waitFor();
    for (const [path, name] of [['ResearchStudy?site.near=52.37', 'site.near'], ['Location?near=52.37', 'near']]) {
      const { status, json } = await api(path);
      assert.equal(status, 400, path);
      assert.equal(json.resourceType, 'OperationOutcome');
      assert.match(json.issue[0].diagnostics, new RegExp(`^${name.replace('.', '\\.')}=52\\.37 is refused: a latitude without a longitude`));
    }
  });

  await t.test('a refusal is in plain words, with the server\'s under Details', async () => {
    const missing = `missing-${RUN}`;
    await page.goto(`${BASE}/#/study/${STUDY}/screen/${missing}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const said = await alert.innerText();
    assert.match(said, /The patient could not be found: it may have been removed, or the link is out of date\./);
    assertPlain(said, missing);
    const details = alert.locator('details');
    assert.equal(await details.evaluate((d) => d.open), false, 'the server\'s words are folded away');
    await details.locator('summary').click();
    assert.match(await details.innerText(), /HAPI-2001: Resource Patient\/missing-.* is not known/);
    await shot('05-plain-refusal');
  });

  await t.test('Sign out ends the sign-in session: Sign in asks for a password, and the investigator is shown', async () => {
    if (!config.authRequired) return;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    assert.match(await main(), /You have signed out/);
    assert.equal(await page.locator('#who').count(), 0, 'nobody is shown as signed in');
    await shot('02-signed-out');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The authorization server's session ended with the page's: its sign-in form, not straight back.
    await page.waitForURL(/\/login/);
    await page.locator('input[name="password"]').waitFor();
    await login(page, 'investigator');
    await page.getByRole('heading', { level: 1, name: 'Studies' }).waitFor();
    assert.match(await page.locator('#who').innerText(), /Dr Ivo Investigator[\s\S]*Investigator/);
    assert.doesNotMatch(await page.locator('header').innerText(), /Casey/);
  });

  await t.test('a patient on the screening log only is not flagged; one enrolled here is, at once and on return', async () => {
    // On the screening log as a candidate (a pre-enrolment status): not enrolled.
    const logged = await api('ResearchSubject', { method: 'POST', body: { resourceType: 'ResearchSubject', status: 'candidate',
      study: { reference: `ResearchStudy/${STUDY}` }, individual: { reference: `Patient/${candidate.id}` } } });
    if (logged.status === 201) {
      await page.goto(`${BASE}/#/study/${STUDY}/screen/${candidate.id}`);
      await page.getByRole('heading', { level: 2, name: /Verdict/ }).waitFor();
      assert.equal(await page.locator('.enrolled-flag').count(), 0, 'a candidate is not flagged as enrolled');
      assert.equal(await page.getByRole('button', { name: `Enrol Cara ${candidate.family}` }).count(), 1, 'the enrol form is offered');
    } else {
      console.log(`# a candidate ResearchSubject could not be stored here (HTTP ${logged.status}); that check is skipped`);
    }

    await page.goto(`${BASE}/#/study/${STUDY}/screen/${toEnrol.id}`);
    await page.getByRole('heading', { level: 2, name: /Verdict/ }).waitFor();
    assert.equal(await page.locator('.enrolled-flag').count(), 0);
    assert.match(await page.locator('.verdict').innerText(), /before enrolment/);
    if (config.authRequired) for (const id of MANUAL_REVIEW) await page.locator(`#confirm-${id}`).check();
    await page.getByRole('button', { name: `Enrol Ena ${toEnrol.family}` }).click();
    await page.locator('.alert.success').waitFor();
    const success = await page.locator('.alert.success').innerText();
    assert.match(success, /Enrolled: Ena .* is on study/);
    assertPlain(success, toEnrol.id);
    const flag = page.locator('.enrolled-flag');
    await flag.waitFor();
    assert.match(await flag.innerText(), new RegExp(`Ena ${toEnrol.family} is enrolled in this study[\\s\\S]*since ${day(0)}`));
    const verdict = await page.locator('.verdict').innerText();
    assert.doesNotMatch(verdict, /before enrolment/);
    assert.match(verdict, new RegExp(`is enrolled \\(since ${day(0)}\\)`));
    await shot('06-enrolled-here');

    await page.reload();
    await page.getByRole('heading', { level: 2, name: /Verdict/ }).waitFor();
    assert.match(await page.locator('.enrolled-flag').innerText(), new RegExp(`is enrolled in this study[\\s\\S]*Status: on study, since ${day(0)}`));
    assert.equal(await page.getByRole('button', { name: /^Enrol / }).count(), 0, 'no enrol form for an enrolled patient');
    assertPlain(await page.locator('table.outcomes').innerText(), toEnrol.id);
    assert.doesNotMatch(await page.locator('.verdict').innerText(), /before enrolment/);
    const flagBox = await page.locator('.enrolled-flag').boundingBox();
    const verdictBox = await page.locator('.verdict').boundingBox();
    assert.ok(flagBox.y < verdictBox.y, 'the flag is at the top, above the verdict');
    await shot('07-enrolled-flag');

    // Withdrawn: said as such, still no enrol form.
    const subject = (await api(`ResearchSubject?patient=Patient/${toEnrol.id}&study=ResearchStudy/${STUDY}&status=${ON_STUDY}`)).json.entry[0].resource;
    const withdrawn = await api(`ResearchSubject/${subject.id}/$withdraw`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'e2e: withdrew consent' }] } });
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.json).slice(0, 300));
    await page.reload();
    await page.locator('.enrolled-flag').waitFor();
    assert.match(await page.locator('.enrolled-flag').innerText(), /has left this study: withdrawn/);
    assert.equal(await page.getByRole('button', { name: /^Enrol / }).count(), 0);
  });

  await t.test('the focus ring is 3:1 against white, the page and the header', async () => {
    await page.goto(`${BASE}/#/studies`);
    await page.getByRole('heading', { level: 1, name: 'Studies' }).waitFor();
    await page.getByLabel('Title contains').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    const ring = await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return { color: style.outlineColor, width: style.outlineWidth, style: style.outlineStyle,
        page: getComputedStyle(document.documentElement).backgroundColor };
    });
    assert.equal(ring.style, 'solid');
    assert.ok(parseFloat(ring.width) >= 2, `ring width ${ring.width}`);
    const onWhite = contrast(ring.color, 'rgb(255, 255, 255)');
    const onPage = contrast(ring.color, ring.page);
    assert.ok(onWhite >= 3 && onPage >= 3, `ring ${ring.color}: ${onWhite.toFixed(2)}:1 on white, ${onPage.toFixed(2)}:1 on the page`);
    console.log(`# focus ring ${ring.color}: ${onWhite.toFixed(2)}:1 on white, ${onPage.toFixed(2)}:1 on the page background ${ring.page}`);
    if (config.authRequired) {
      await page.getByRole('button', { name: 'Sign out' }).focus();
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab');
      const header = await page.evaluate(() => ({ color: getComputedStyle(document.activeElement).outlineColor,
        bg: getComputedStyle(document.querySelector('header.top')).backgroundColor }));
      const onHeader = contrast(header.color, header.bg);
      assert.ok(onHeader >= 3, `header ring ${header.color}: ${onHeader.toFixed(2)}:1`);
      console.log(`# header focus ring ${header.color}: ${onHeader.toFixed(2)}:1 on ${header.bg}`);
    }
  });

  await t.test('every control has an accessible name (accessibility snapshot)', async () => {
    for (const hash of ['#/studies', `#/study/${STUDY}`, `#/study/${STUDY}/screen/${noConsent.id}`]) {
      await page.goto(`${BASE}/${hash}`);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      const tree = await page.locator('body').ariaSnapshot();
      const unnamed = tree.split('\n').filter((line) => /^\s*- (button|textbox|combobox|checkbox|radio|spinbutton|link)\s*(\[.*\])?:?\s*$/.test(line));
      assert.deepEqual(unnamed, [], `${hash}: controls without a name`);
    }
  });

  await t.test('no script errors on the page', () => assert.deepEqual(pageErrors, []));
});
