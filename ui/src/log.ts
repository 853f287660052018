import { h, today, type Child } from './dom';
import { FhirError, fhir, personName, refId, resources, type Bundle, type Resource } from './fhir';
import { nctId } from './studies';

/**
 * The screening statuses (CodeSystem screening-status) and the ResearchSubject status that records
 * each, as the server maps them ($record-screening); a screening moves forward only, as the server's
 * lifecycle allows, so the page offers only the next steps the server would accept.
 */
export const SCREENING: Record<string, { text: string; subject: string; symbol: string; style: string; next: string[] }> = {
  'not-contacted': { text: 'Not contacted', subject: 'potential-candidate', symbol: '○', style: 'missing', next: ['contacted', 'screening', 'eligible', 'screen-failure', 'declined'] },
  contacted: { text: 'Contacted', subject: 'candidate', symbol: '☎', style: 'review', next: ['screening', 'eligible', 'screen-failure', 'declined', 'consented'] },
  screening: { text: 'Screening', subject: 'screening', symbol: '…', style: 'review', next: ['eligible', 'screen-failure', 'declined', 'consented'] },
  eligible: { text: 'Eligible', subject: 'eligible', symbol: '✓', style: 'ok', next: ['screen-failure', 'declined', 'consented'] },
  'screen-failure': { text: 'Screen failure', subject: 'ineligible', symbol: '✗', style: 'bad', next: [] },
  declined: { text: 'Declined', subject: 'not-registered', symbol: '✗', style: 'bad', next: [] },
  consented: { text: 'Consented', subject: 'pending-on-study', symbol: '✎', style: 'ok', next: ['screen-failure', 'declined'] },
  enrolled: { text: 'Enrolled', subject: 'on-study', symbol: '✓', style: 'ok', next: [] },
  left: { text: 'Left the study', subject: 'withdrawn', symbol: '■', style: 'missing', next: [] },
};
/** The first steps a patient without a record may take. */
const FIRST = ['not-contacted', 'contacted', 'screening', 'eligible', 'screen-failure', 'declined', 'consented'];
const ON_STUDY = ['on-study', 'on-study-intervention', 'on-study-observation', 'follow-up'];

/** The screening status a ResearchSubject's status records; null for no record. */
export function screeningOf(subject: Resource | undefined): string | null {
  if (!subject) return null;
  if (ON_STUDY.includes(subject.status)) return 'enrolled';
  const found = Object.entries(SCREENING).find(([, s]) => s.subject === subject.status);
  return found ? found[0] : 'left';
}

/** The statuses the server accepts next from this one (the first record: any but enrolment). */
export const nextSteps = (current: string | null): string[] => (current === null ? FIRST : SCREENING[current]?.next ?? []);
export const needsReason = (status: string): boolean => status === 'screen-failure' || status === 'declined';

export function statusBadge(status: string | null): HTMLElement {
  if (status === null) return h('span', { class: 'badge missing' }, h('span', { 'aria-hidden': 'true' }, '○ '), 'No record yet');
  const s = SCREENING[status];
  return h('span', { class: `badge ${s?.style ?? 'missing'}` }, h('span', { 'aria-hidden': 'true' }, `${s?.symbol ?? '•'} `), s?.text ?? status);
}

/** Each patient's subject of the study, by "Patient/id" (the first, as the server keeps one). */
export async function subjectsOf(studyId: string): Promise<Map<string, Resource>> {
  const bundle = await fhir<Bundle>(`ResearchSubject?study=ResearchStudy/${encodeURIComponent(studyId)}&_count=1000`);
  const map = new Map<string, Resource>();
  for (const s of resources(bundle)) {
    const patient = refId(s.individual?.reference);
    if (!map.has(patient)) map.set(patient, s);
  }
  return map;
}

/** $record-screening: the patient's status in the study's screening, with the reason when needed. */
export async function recordScreening(studyId: string, patientId: string, status: string, reason: string): Promise<Resource> {
  const parameter: Record<string, unknown>[] = [
    { name: 'patient', valueReference: { reference: `Patient/${patientId}` } },
    { name: 'status', valueCode: status },
  ];
  if (reason) parameter.push({ name: 'reason', valueString: reason });
  return fhir(`ResearchStudy/${encodeURIComponent(studyId)}/$record-screening`, { method: 'POST', body: { resourceType: 'Parameters', parameter } });
}

/** The server's refusal in the coordinator's words; the server's own text under a disclosure. */
export function refusalBox(error: unknown, title: string, name: string): HTMLElement {
  const issues = error instanceof FhirError ? error.issues.map((i) => i.text) : [error instanceof Error ? error.message : String(error)];
  const plain = (text: string): string => {
    if (/is already a subject of/.test(text)) return `${name} is already enrolled in this study, or left it: their screening is over.`;
    if (/moves forward only/.test(text)) return `${name}'s screening has moved past that step: a screening moves forward only.`;
    if (/not eligible on today's record/.test(text)) return `${name} is not eligible on today's record: record a screen failure with its reason instead.`;
    if (/No active research consent/.test(text)) return `No signed research consent of ${name} for this study is on file: record it on the screening page first.`;
    if (/is required for status/.test(text)) return 'Give the reason: a screen failure or a refusal is logged with it.';
    return text
      .replace(/Patient\/[A-Za-z0-9.-]+/g, name)
      .replace(/ResearchStudy\/[A-Za-z0-9.-]+/g, 'this study')
      .replace(/\s*\(?parameter '[^']*'\)?/g, '')
      .replace(/HAPI-\d+:\s*/g, '');
  };
  const status = error instanceof FhirError && error.status ? ` (HTTP ${error.status})` : '';
  return h('div', { class: 'alert error', role: 'alert' },
    h('p', {}, h('strong', {}, title)),
    h('ul', {}, issues.map((t) => h('li', {}, plain(t)))),
    h('details', {}, h('summary', {}, 'Details for support'), h('p', { class: 'muted' }, `Server answer${status}: `, issues.join(' · '))));
}

/**
 * The screening page's entry in the log: where the patient stands, and the outcome of this
 * screening (eligible, or a screen failure with its reason). Eligible is not offered while a
 * criterion fails as of today: the server would refuse it.
 */
export function screeningRecord(studyId: string, patientId: string, name: string, verdict: string, asOf: string, failing: string[]): HTMLElement {
  const section = h('section', { class: 'screenbox', 'aria-labelledby': 'log-h' }, h('h2', { id: 'log-h' }, 'Screening outcome for the log'), h('p', {}, 'Loading…'));
  const said = h('div', { 'aria-live': 'polite' });
  const draw = async (): Promise<void> => {
    const subject = (await subjectsOf(studyId)).get(`Patient/${patientId}`);
    const current = screeningOf(subject);
    const reasonNow = (subject?.extension ?? []).find((e: Resource) => e.url.endsWith('/screening-reason'))?.valueString;
    const offered = nextSteps(current).filter((s) => s === 'screen-failure' || (s === 'eligible' && !(verdict === 'ineligible' && asOf === today())));
    const reason = h('input', { id: 'log-reason', name: 'log-reason', size: 60, autocomplete: 'off', value: failing.join('; ') });
    const reasonRow = h('div', { class: 'inline-field', hidden: true }, h('label', { for: 'log-reason' }, 'Reason for the screen failure (required)'), reason);
    const choices = offered.map((s) => h('div', { class: 'check' },
      h('input', { type: 'radio', name: 'log-outcome', id: `log-${s}`, value: s, required: true,
        onchange: () => { reasonRow.hidden = s !== 'screen-failure'; reason.required = s === 'screen-failure'; } }),
      h('label', { for: `log-${s}` }, SCREENING[s].text)));
    const form = h('form', { 'aria-labelledby': 'log-h' },
      h('fieldset', {}, h('legend', {}, `Outcome of ${name}'s screening`), choices, reasonRow),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Record in the screening log')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const picked = (form.querySelector('input[name="log-outcome"]:checked') as HTMLInputElement | null)?.value;
      if (!picked) return;
      try {
        await recordScreening(studyId, patientId, picked, picked === 'screen-failure' ? reason.value.trim() : '');
        await draw();
        said.replaceChildren(h('p', { class: 'alert success', role: 'status' }, `Recorded in the screening log: ${name}, ${SCREENING[picked].text.toLowerCase()}.`));
      } catch (error) {
        said.replaceChildren(refusalBox(error, 'The outcome could not be recorded', name));
      }
    });
    section.replaceChildren(
      h('h2', { id: 'log-h' }, 'Screening outcome for the log'),
      h('p', {}, 'In the screening log now: ', statusBadge(current), reasonNow ? ` — ${reasonNow}` : '', ' · ',
        h('a', { href: `#/study/${encodeURIComponent(studyId)}/log` }, 'Open the screening log')),
      offered.length ? form : h('p', { class: 'muted' }, current === 'enrolled' ? `${name} is enrolled: the screening is over.` : 'No further screening outcome can be recorded.'),
      said);
  };
  draw().catch((error) => section.replaceChildren(h('h2', { id: 'log-h' }, 'Screening outcome for the log'), refusalBox(error, 'The screening log could not be read', name)));
  return section;
}

/** RFC 4180 CSV into rows (quoted fields, doubled quotes, line breaks inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { /* CRLF: the \n ends the row */ } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/** A cell as typed: the server prefixes one a spreadsheet would run as a formula with an apostrophe. */
const shown = (cell: string): string => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

/** The CSV text of a Binary (base64, UTF-8). */
function binaryText(binary: Resource): string {
  const bytes = Uint8Array.from(atob(binary.data ?? ''), (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8').decode(bytes);
}

const when = (instant: string): string => {
  const d = new Date(instant);
  return Number.isNaN(d.getTime()) ? instant : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};

/** #/study/{id}/log: every screening with who, when, outcome and reason; the CONSORT counts; export. */
export async function screeningLogView(_q: URLSearchParams, studyId: string): Promise<Child> {
  const [study, binary, subjects] = await Promise.all([
    fhir(`ResearchStudy/${encodeURIComponent(studyId)}`),
    fhir(`ResearchStudy/${encodeURIComponent(studyId)}/$screening-log`),
    fhir<Bundle>(`ResearchSubject?study=ResearchStudy/${encodeURIComponent(studyId)}&_include=ResearchSubject:individual&_count=1000`),
  ]);
  const csv = binaryText(binary);
  const [header, ...rows] = parseCsv(csv);
  const col = (name: string) => header.indexOf(name);
  const people = new Map(resources(subjects).filter((r) => r.resourceType === 'Patient').map((p) => [`Patient/${p.id}`, p]));
  const patientOf = new Map(resources(subjects).filter((r) => r.resourceType === 'ResearchSubject').map((s) => [s.id, refId(s.individual?.reference)]));
  const latest = new Map<string, string>();
  rows.forEach((r) => latest.set(r[col('screening_id')], r[col('status')]));
  const tally = (codes: string[]) => [...latest.values()].filter((s) => codes.includes(s)).length;
  const file = `screening-log-${studyId}-${today()}.csv`;
  const exportButton = h('button', { type: 'button', class: 'primary', onclick: () => {
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    const a = h('a', { href: url, download: file });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } }, 'Export CSV');
  const consort: [string, number][] = [
    ['Patients in the log (assessed or approached)', latest.size],
    ['Not yet decided (not contacted, contacted, screening, eligible)', tally(['not-contacted', 'contacted', 'screening', 'eligible'])],
    ['Excluded: screen failure (not meeting criteria)', tally(['screen-failure'])],
    ['Excluded: declined to participate', tally(['declined'])],
    ['Consented, awaiting enrolment', tally(['consented'])],
    ['Enrolled', tally(['enrolled', 'left'])],
  ];
  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/study/${encodeURIComponent(studyId)}` }, `← ${nctId(study)}: back to the study`), ' · ',
      h('a', { href: `#/study/${encodeURIComponent(studyId)}/worklist` }, 'Worklist')),
    h('h1', { tabindex: -1 }, `Screening log: ${study.title ?? studyId}`),
    h('p', {}, 'Every status recorded for a patient of this study: who recorded it, when, and why for a screen failure or a refusal. ',
      'The export identifies patients by screening number only (the server links it to the patient).'),
    h('div', { class: 'actions' }, exportButton, h('span', { class: 'muted' }, `${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}, file ${file}`)),
    h('table', { class: 'consort' }, h('caption', {}, 'Where each patient stands now (the CONSORT flow’s first boxes)'),
      h('tbody', {}, consort.map(([label, n]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, String(n)))))),
    rows.length
      ? h('table', { class: 'log' }, h('caption', {}, 'Log entries, oldest first'),
          h('thead', {}, h('tr', {}, ['Screening number', 'Patient (at this site)', 'Recorded', 'By', 'Status', 'Reason'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, rows.map((r) => {
            const patient = patientOf.get(r[col('screening_id')]);
            const person = patient ? people.get(patient) : undefined;
            return h('tr', {},
              h('th', { scope: 'row' }, r[col('screening_id')].slice(0, 8)),
              h('td', {}, person && patient
                ? h('a', { href: `#/study/${encodeURIComponent(studyId)}/screen/${encodeURIComponent(patient.slice('Patient/'.length))}` }, personName(person))
                : '—'),
              h('td', {}, when(r[col('recorded')])),
              h('td', {}, r[col('recorded_by')]),
              h('td', {}, statusBadge(r[col('status')])),
              h('td', {}, shown(r[col('reason')]) || '—'));
          })))
      : h('p', {}, 'Nothing is logged for this study yet: run the worklist and record the contacts and screenings.'),
  ];
}
