import { h, words, type Child } from './dom';
import { FhirError, fhir, fhirExchange, personName, resources, type Bundle, type Resource } from './fhir';
import { SCREENING, needsReason, nextSteps, recordScreening, refusalBox, screeningOf, statusBadge, subjectsOf } from './log';
import { criteria, loadGroup, nctId } from './studies';

/** The contact statuses a coordinator sets on the worklist (eligible and screen failure: on the screening page). */
const CONTACT = ['not-contacted', 'contacted', 'screening', 'declined', 'consented'];
const VERDICTS: Record<string, [string, string, string]> = {
  eligible: ['✓', 'Eligible', 'ok'],
  'needs-review': ['⚑', 'Needs review', 'review'],
  'insufficient-data': ['?', 'Insufficient data', 'missing'],
  ineligible: ['✗', 'Not eligible', 'bad'],
};
const ORDER = ['eligible', 'needs-review', 'insufficient-data'];
const COLUMNS: [string, string][] = [['pass', 'Pass'], ['fail', 'Fail'], ['set-based-fail', 'of which ruled out early'], ['missing-data', 'Missing data'], ['manual-review', 'Needs review']];
/** At most this many candidates are listed; the rest are counted. */
const SHOWN = 200;

type Candidate = { patient: string; verdict: string; open: [string, string][] };
type Report = { patients: number; setBased: number; evaluated: number; date: string; verdicts: Record<string, number>; funnel: [string, Record<string, number>][]; results: Candidate[] };

const jobKey = (studyId: string) => `trialfhir.worklist.${studyId}`;

function reportOf(body: Resource): Report {
  const out: Report = { patients: 0, setBased: 0, evaluated: 0, date: '', verdicts: {}, funnel: [], results: [] };
  for (const p of body.parameter ?? []) {
    const parts = (name: string) => (p.part ?? []).filter((x: Resource) => x.name === name);
    if (p.name === 'patients') out.patients = p.valueInteger;
    if (p.name === 'set-based') out.setBased = p.valueInteger;
    if (p.name === 'evaluated') out.evaluated = p.valueInteger;
    if (p.name === 'date') out.date = p.valueString;
    if (p.name === 'verdicts') for (const v of p.part ?? []) out.verdicts[v.name] = v.valueInteger;
    if (p.name === 'funnel') {
      out.funnel.push([parts('criterion')[0]?.valueString,
        Object.fromEntries((p.part ?? []).filter((x: Resource) => x.name !== 'criterion').map((x: Resource) => [x.name, x.valueInteger]))]);
    }
    if (p.name === 'result') {
      out.results.push({
        patient: parts('patient')[0]?.valueReference?.reference ?? '',
        verdict: parts('verdict')[0]?.valueCode ?? '',
        open: parts('criterion').map((x: Resource) => String(x.valueString).split(':') as [string, string]),
      });
    }
  }
  return out;
}

/** Polls the job until it is done, showing its progress; the report, or null when it is gone. */
async function follow(path: string, progress: HTMLProgressElement, said: HTMLElement): Promise<Report | null> {
  for (let wait = 300; ; wait = Math.min(wait * 1.5, 2000)) {
    let answer;
    try {
      answer = await fhirExchange(path);
    } catch (error) {
      if (error instanceof FhirError && error.status === 404) return null;
      throw error;
    }
    if (answer.status === 200) {
      progress.value = 100;
      return reportOf(answer.body);
    }
    const m = /(\d+)%/.exec(answer.body?.issue?.[0]?.diagnostics ?? '');
    if (m) progress.value = Number(m[1]);
    said.textContent = `Screening the population: ${progress.value}% done.`;
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** #/study/{id}/worklist: population screening, its funnel, and the candidates to contact. */
export async function worklistView(_q: URLSearchParams, studyId: string): Promise<Child> {
  const study = await fhir(`ResearchStudy/${encodeURIComponent(studyId)}`);
  const group = await loadGroup(study).catch((e) => { if (e instanceof FhirError && e.status === 401) throw e; return null; });
  const labels = new Map(criteria(group).map((c) => [c.id, c]));
  const progress = h('progress', { id: 'screen-progress', max: 100, value: 0 });
  const said = h('p', { role: 'status' });
  const progressRow = h('div', { class: 'inline', hidden: true }, h('label', { for: 'screen-progress' }, 'Progress'), progress, said);
  const results = h('div', {});
  const run = h('button', { type: 'button', class: 'primary' }, 'Run population screening');

  const show = async (report: Report): Promise<void> => {
    const candidates = report.results.filter((r) => ORDER.includes(r.verdict))
      .sort((a, b) => ORDER.indexOf(a.verdict) - ORDER.indexOf(b.verdict));
    const listed = candidates.slice(0, SHOWN);
    const ids = listed.map((c) => c.patient.replace(/^Patient\//, ''));
    const people = new Map<string, Resource>();
    for (let i = 0; i < ids.length; i += 50) {
      const bundle = await fhir<Bundle>(`Patient?_id=${ids.slice(i, i + 50).map(encodeURIComponent).join(',')}&_count=50`);
      resources(bundle).forEach((p) => people.set(`Patient/${p.id}`, p));
    }
    const subjects = await subjectsOf(studyId);
    const label = (id: string) => labels.get(id)?.description ?? id;
    results.replaceChildren(
      h('section', { 'aria-labelledby': 'funnel-h' },
        h('h2', { id: 'funnel-h' }, 'Funnel'),
        h('p', {}, `${report.patients} patients screened as of ${report.date}: ${report.setBased} ruled out early on age, sex, diagnoses or coded results, ${report.evaluated} evaluated in full.`),
        h('table', { class: 'verdicts' }, h('caption', {}, 'Patients per verdict'),
          h('tbody', {}, Object.entries(VERDICTS).map(([code, [symbol, text, style]]) => h('tr', { 'data-verdict': code },
            h('th', { scope: 'row' }, h('span', { class: `badge ${style}` }, h('span', { 'aria-hidden': 'true' }, symbol + ' '), text)),
            h('td', {}, String(report.verdicts[code] ?? 0)))))),
        h('table', { class: 'funnel-table' },
          h('caption', {}, 'Per criterion, in the order the screening applies them: how many patients pass, fail, lack data or need review'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Criterion'), COLUMNS.map(([, t]) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, report.funnel.map(([id, counts]) => h('tr', { 'data-criterion': id },
            h('th', { scope: 'row' }, h('strong', {}, id), h('div', { class: 'muted' }, label(id))),
            COLUMNS.map(([code]) => h('td', {}, String(counts[code] ?? 0)))))))),
      h('section', { 'aria-labelledby': 'cand-h' },
        h('h2', { id: 'cand-h' }, `Candidates (${candidates.length})`),
        h('p', { class: 'muted' }, 'Eligible first, then those needing an investigator’s review, then those with data missing. ',
          `${report.verdicts.ineligible ?? 0} not eligible are not listed.`,
          candidates.length > SHOWN ? ` The first ${SHOWN} are listed.` : ''),
        listed.length ? h('table', { class: 'candidates' },
          h('thead', {}, h('tr', {}, ['Patient', 'Verdict', 'What is missing or to review', 'Contact status', 'Set the contact status'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, listed.map((c) => candidateRow(studyId, c, people.get(c.patient), subjects.get(c.patient), label))))
          : h('p', {}, 'No candidate: nobody is eligible, needs review or lacks only data.')));
  };

  const start = async (): Promise<void> => {
    run.disabled = true;
    progressRow.hidden = false;
    progress.value = 0;
    said.textContent = 'Starting the screening…';
    results.replaceChildren();
    try {
      const started = await fhirExchange(`ResearchStudy/${encodeURIComponent(studyId)}/$screen`, {
        method: 'POST', body: { resourceType: 'Parameters', parameter: [] }, headers: { Prefer: 'respond-async' },
      });
      const poll = started.location ?? '';
      if (started.status !== 202 || !poll.includes('$screen-status')) throw new Error('The server did not start a screening.');
      const path = poll.slice(poll.indexOf('$screen-status'));
      sessionStorage.setItem(jobKey(studyId), path);
      const report = await follow(path, progress, said);
      if (!report) throw new Error('The screening was cancelled.');
      said.textContent = `Screening done: ${report.patients} patients.`;
      await show(report);
    } catch (error) {
      results.replaceChildren(refusalBox(error, 'The population screening failed', 'the patient'));
    } finally {
      run.disabled = false;
    }
  };
  run.addEventListener('click', () => void start());

  // The last screening of this tab, shown again on return (the job's report stays on the server).
  const last = sessionStorage.getItem(jobKey(studyId));
  if (last) {
    progressRow.hidden = false;
    follow(last, progress, said).then(async (report) => {
      if (report) { said.textContent = `Last screening in this tab: ${report.patients} patients.`; await show(report); }
      else { sessionStorage.removeItem(jobKey(studyId)); progressRow.hidden = true; }
    }).catch(() => { sessionStorage.removeItem(jobKey(studyId)); progressRow.hidden = true; });
  }

  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/study/${encodeURIComponent(studyId)}` }, `← ${nctId(study)}: back to the study`), ' · ',
      h('a', { href: `#/study/${encodeURIComponent(studyId)}/log` }, 'Screening log')),
    h('h1', { tabindex: -1 }, `Worklist: ${study.title ?? studyId}`),
    h('p', {}, 'Screens every patient the server holds against this study’s criteria, as of today, and lists who to contact. ',
      'Nothing is recorded until you set a contact status or record a screening.'),
    h('div', { class: 'actions' }, run),
    progressRow,
    results,
  ];
}

function candidateRow(studyId: string, c: Candidate, patient: Resource | undefined, subject: Resource | undefined, label: (id: string) => string): HTMLElement {
  const id = c.patient.replace(/^Patient\//, '');
  const name = patient ? personName(patient) : 'Patient (name not readable)';
  const [symbol, text, style] = VERDICTS[c.verdict] ?? ['•', words(c.verdict), 'missing'];
  let current = screeningOf(subject);
  const statusCell = h('td', {}, statusBadge(current));
  const said = h('div', { 'aria-live': 'polite' });
  const select = h('select', { id: `contact-${id}`, name: 'status' });
  const reason = h('input', { id: `contact-reason-${id}`, name: 'reason', autocomplete: 'off', size: 24 });
  const reasonRow = h('div', { hidden: true }, h('label', { for: `contact-reason-${id}` }, `Why ${name} declined (required)`), ' ', reason);
  const save = h('button', { type: 'submit' }, 'Save');
  const options = (): void => {
    const steps = nextSteps(current).filter((s) => CONTACT.includes(s));
    select.replaceChildren(h('option', { value: '' }, steps.length ? 'Choose…' : 'No further step'),
      ...steps.map((s) => h('option', { value: s }, SCREENING[s].text)));
    select.disabled = save.disabled = !steps.length;
    reasonRow.hidden = true;
    reason.required = false;
  };
  options();
  select.addEventListener('change', () => { reasonRow.hidden = !needsReason(select.value); reason.required = needsReason(select.value); });
  const form = h('form', { class: 'inline', 'aria-label': `Set the contact status of ${name}` },
    h('label', { for: `contact-${id}`, class: 'visually-hidden' }, `Contact status of ${name}`), select, reasonRow, save, said);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!select.value) return;
    save.disabled = true;
    try {
      const written = await recordScreening(studyId, id, select.value, needsReason(select.value) ? reason.value.trim() : '');
      current = screeningOf(written);
      statusCell.replaceChildren(statusBadge(current));
      options();
      reason.value = '';
      said.replaceChildren(h('span', { role: 'status' }, `Saved: ${SCREENING[current ?? '']?.text ?? ''}.`));
    } catch (error) {
      save.disabled = false;
      said.replaceChildren(refusalBox(error, 'Not saved', name));
    }
  });
  const missing = c.open.filter(([, o]) => o === 'missing-data');
  const review = c.open.filter(([, o]) => o === 'manual-review');
  return h('tr', { 'data-patient': id, class: `row-${style}` },
    h('th', { scope: 'row' }, h('a', { href: `#/study/${encodeURIComponent(studyId)}/screen/${encodeURIComponent(id)}` }, name),
      h('div', { class: 'muted' }, [patient?.birthDate ? `born ${patient.birthDate}` : '', (patient?.identifier ?? []).map((i: Resource) => i.value).join(', ')].filter(Boolean).join(' · '))),
    h('td', {}, h('span', { class: `badge ${style}` }, h('span', { 'aria-hidden': 'true' }, symbol + ' '), text)),
    h('td', {},
      missing.length ? h('div', {}, h('strong', {}, 'To obtain: '), missing.map(([k]) => label(k)).join('; ')) : null,
      review.length ? h('div', {}, h('strong', {}, 'To review: '), `${review.length} criteri${review.length === 1 ? 'on' : 'a'} a person judges`) : null,
      !missing.length && !review.length ? 'Nothing' : null),
    statusCell,
    h('td', {}, form));
}
