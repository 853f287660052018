import { errorBox, h, today, words, type Child } from './dom';
import { FhirError, fhir, personName, refId, resources, type Bundle, type Resource } from './fhir';
import { criteria, loadGroup, nctId } from './studies';

const STUDY_CONTEXT = 'http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext';

/** Outcome code → symbol, words and style: colour is never the only signal. */
const OUTCOMES: Record<string, [string, string, string]> = {
  pass: ['✓', 'Pass', 'ok'],
  fail: ['✗', 'Fail', 'bad'],
  'missing-data': ['?', 'Missing data', 'missing'],
  'manual-review': ['⚑', 'Needs review', 'review'],
  'needs-review': ['⚑', 'Needs review', 'review'],
};
const VERDICTS: Record<string, [string, string, string, string]> = {
  eligible: ['✓', 'Eligible', 'Every criterion passes.', 'ok'],
  ineligible: ['✗', 'Not eligible', 'At least one criterion fails; the patient cannot be enrolled.', 'bad'],
  'insufficient-data': ['?', 'Insufficient data', 'Nothing fails, but data is missing: obtain what is listed below, then screen again.', 'missing'],
  'needs-review': ['⚑', 'Needs review', 'Nothing fails or is missing; an investigator must confirm the criteria marked “Needs review” before enrolment.', 'review'],
};
const badge = (outcome: string) => {
  const [symbol, text, style] = OUTCOMES[outcome] ?? ['•', words(outcome), 'missing'];
  return h('span', { class: `badge ${style}` }, h('span', { 'aria-hidden': 'true' }, symbol + ' '), text);
};

type Outcome = { id: string; type: string; description: string; outcome: string; reason: string; evidence: string[] };
function outcomes(result: Resource): Outcome[] {
  return (result.parameter ?? []).filter((p: Resource) => p.name === 'criterion').map((p: Resource) => {
    const part = (name: string) => (p.part ?? []).filter((x: Resource) => x.name === name);
    const value = (name: string) => { const x = part(name)[0]; return x?.valueString ?? x?.valueCode ?? ''; };
    return { id: value('id'), type: value('type'), description: value('description'), outcome: value('outcome'), reason: value('reason'),
      evidence: [...new Set<string>(part('evidence').map((x: Resource) => refId(x.valueReference?.reference)).filter(Boolean))] };
  });
}

/** Active research consent of this patient for this study (as the server's ResearchConsents). */
const qualifies = (c: Resource, studyRef: string): boolean =>
  c.status === 'active' && (c.scope?.coding ?? []).some((s: Resource) => s.code === 'research') &&
  (c.extension ?? []).some((e: Resource) => e.url === STUDY_CONTEXT && refId(e.valueReference?.reference) === studyRef);

function ageOn(birth: string | undefined, date: string): string {
  if (!birth || birth.length < 10) return '';
  const [by, bm, bd] = birth.split('-').map(Number);
  const [y, m, d] = date.split('-').map(Number);
  return `, ${y - by - (m < bm || (m === bm && d < bd) ? 1 : 0)} years on ${date}`;
}
const rerun = () => window.dispatchEvent(new HashChangeEvent('hashchange'));

export async function screenView(q: URLSearchParams, studyId: string, patientId: string): Promise<Child> {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(q.get('date') ?? '') ? q.get('date')! : today();
  const studyRef = `ResearchStudy/${studyId}`;
  const patientRef = `Patient/${patientId}`;
  const [study, patient, consentBundle, result] = await Promise.all([
    fhir(`ResearchStudy/${encodeURIComponent(studyId)}`),
    fhir(`Patient/${encodeURIComponent(patientId)}`),
    fhir<Bundle>(`Consent?patient=${encodeURIComponent(patientRef)}&_count=100`),
    fhir(`ResearchStudy/${encodeURIComponent(studyId)}/$eligibility?patient=${encodeURIComponent(patientRef)}&date=${date}`),
  ]);
  const group = await loadGroup(study).catch((e) => { if (e instanceof FhirError && e.status === 401) throw e; return null; });
  const labels = new Map(criteria(group).map((c) => [c.id, c]));
  const name = personName(patient);
  const verdict = (result.parameter ?? []).find((p: Resource) => p.name === 'verdict')?.valueCode ?? 'unknown';
  const items = outcomes(result);
  const [vSymbol, vTitle, vText, vStyle] = VERDICTS[verdict] ?? ['•', words(verdict), '', 'missing'];
  const counts = Object.entries(items.reduce<Record<string, number>>((n, i) => ({ ...n, [i.outcome]: (n[i.outcome] ?? 0) + 1 }), {}))
    .map(([o, n]) => `${n} ${(OUTCOMES[o]?.[1] ?? o).toLowerCase()}`).join(', ');

  const dateForm = h('form', { class: 'inline' },
    h('label', { for: 'screen-date' }, 'Screening and enrolment date'),
    h('input', { id: 'screen-date', name: 'date', type: 'date', value: date, required: true }),
    h('button', { type: 'submit' }, 'Screen again'));
  dateForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = `#/study/${encodeURIComponent(studyId)}/screen/${encodeURIComponent(patientId)}?date=${(dateForm.elements.namedItem('date') as HTMLInputElement).value}`;
    if (location.hash === next) rerun(); else location.hash = next;
  });

  const table = h('table', { class: 'outcomes' },
    h('caption', {}, `Criteria in the protocol's order: ${counts}`),
    h('thead', {}, h('tr', {}, ['Criterion', "Protocol's words", 'Outcome', 'Reason', 'Evidence'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, items.map((c) => h('tr', { class: `row-${OUTCOMES[c.outcome]?.[2] ?? 'missing'}`, 'data-criterion': c.id },
      h('th', { scope: 'row' }, c.id, h('div', { class: 'muted' }, words(c.type))),
      h('td', {}, c.description),
      h('td', {}, badge(c.outcome)),
      h('td', {}, c.reason,
        c.outcome === 'missing-data' ? h('div', { class: 'obtain' }, h('strong', {}, 'To obtain: '), labels.get(c.id)?.label || c.description) : null),
      h('td', {}, c.evidence.length ? h('ul', { class: 'plain' }, c.evidence.map((ref) => h('li', {}, h('a', { href: `#/raw/${ref}` }, ref.replace(/\/(.{8}).{10,}$/, '/$1…'))))) : '—')))));

  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/study/${encodeURIComponent(studyId)}` }, `← ${nctId(study)}: back to the study`)),
    h('h1', { tabindex: -1 }, `Screening ${name}`),
    h('p', {}, 'for ', h('a', { href: `#/study/${encodeURIComponent(studyId)}` }, study.title ?? studyId)),
    h('p', { class: 'muted' }, `Born ${patient.birthDate ?? 'unknown'}${ageOn(patient.birthDate, date)} · ${words(patient.gender) || 'sex unknown'} · `,
      (patient.identifier ?? []).map((i: Resource) => i.value).join(', ') || patientRef),
    dateForm,
    h('section', { class: `verdict ${vStyle}`, 'aria-labelledby': 'verdict-h' },
      h('h2', { id: 'verdict-h' }, 'Verdict: ', h('span', { 'aria-hidden': 'true' }, vSymbol + ' '), vTitle), h('p', {}, vText)),
    table,
    enrolSection(studyId, studyRef, patientRef, name, date, verdict, items, resources(consentBundle)),
  ];
}

function enrolSection(studyId: string, studyRef: string, patientRef: string, name: string, date: string, verdict: string,
  items: Outcome[], consents: Resource[]): HTMLElement {
  const usable = consents.filter((c) => qualifies(c, studyRef));
  const consentBlock = h('fieldset', {}, h('legend', {}, 'Research consent for this study'),
    usable.length
      ? usable.map((c, i) => h('div', { class: 'check' },
          h('input', { type: 'radio', name: 'consent', id: `consent-${i}`, value: `Consent/${c.id}`, checked: i === 0 }),
          h('label', { for: `consent-${i}` }, `Consent signed ${c.dateTime ?? 'on an unknown date'} (Consent/${c.id}, ${c.status})`)))
      : h('p', {}, 'No active research consent for this study is on file.'));
  if (!usable.length) {
    const record = h('form', { class: 'inline' },
      h('label', { for: 'consent-date' }, 'Signed on'),
      h('input', { id: 'consent-date', name: 'signed', type: 'date', value: date, required: true }),
      h('button', { type: 'submit' }, 'Record signed consent'));
    const status = h('div', { 'aria-live': 'polite' });
    record.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await fhir('Consent', { method: 'POST', body: {
          resourceType: 'Consent', status: 'active',
          extension: [{ url: STUDY_CONTEXT, valueReference: { reference: studyRef } }],
          scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'research' }] },
          category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
          patient: { reference: patientRef },
          dateTime: (record.elements.namedItem('signed') as HTMLInputElement).value,
          policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
        } });
        rerun();
      } catch (error) {
        status.replaceChildren(errorBox(error, 'The consent could not be recorded'));
      }
    });
    consentBlock.append(record, status);
  }

  const confirmerList = h('div', { class: 'choices' },
    h('div', { class: 'check' }, h('input', { type: 'radio', name: 'confirmer', id: 'confirmer-none', value: '', checked: true }),
      h('label', { for: 'confirmer-none' }, 'No confirmer named')));
  const confirmerSearch = h('form', { class: 'inline', role: 'search' },
    h('label', { for: 'confirmer-q' }, 'Find investigator by name'),
    h('input', { id: 'confirmer-q', name: 'q', required: true, autocomplete: 'off' }),
    h('button', { type: 'submit' }, 'Find investigator'));
  confirmerSearch.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = (confirmerSearch.elements.namedItem('q') as HTMLInputElement).value.trim();
    try {
      const found = resources(await fhir<Bundle>(`Practitioner?name=${encodeURIComponent(text)}&_count=20`));
      confirmerList.replaceChildren(confirmerList.firstChild!, ...found.map((p, i) => h('div', { class: 'check' },
        h('input', { type: 'radio', name: 'confirmer', id: `confirmer-${i}`, value: `Practitioner/${p.id}`, checked: i === 0 }),
        h('label', { for: `confirmer-${i}` }, personName(p)))),
        found.length ? '' : h('p', { role: 'status' }, `No investigator found for “${text}”.`));
    } catch (error) {
      confirmerList.append(errorBox(error, 'The search failed'));
    }
  });

  const reviews = items.filter((c) => c.outcome === 'manual-review' || c.outcome === 'needs-review');
  const outcome = h('div', { 'aria-live': 'polite', tabindex: -1, class: 'result' });
  const submit = h('button', { type: 'submit', class: 'primary' }, `Enrol ${name}`);
  const form = h('form', { 'aria-labelledby': 'enrol-h' },
    h('fieldset', {}, h('legend', {}, "Investigator's confirmation of the criteria a person must judge"),
      reviews.length
        ? reviews.map((c) => h('div', { class: 'check' },
            h('input', { type: 'checkbox', name: 'confirmed', id: `confirm-${c.id}`, value: c.id }),
            h('label', { for: `confirm-${c.id}` }, h('strong', {}, `${c.id}: `), c.description, h('div', { class: 'muted' }, c.reason))))
        : h('p', {}, 'No criterion needs an investigator’s confirmation.')),
    verdict === 'ineligible' || verdict === 'insufficient-data'
      ? h('p', { class: 'warn' }, h('strong', {}, 'Note: '), 'the server will refuse enrolment while a criterion fails or data is missing.') : null,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const picked = (n: string) => (document.querySelector(`input[name="${n}"]:checked`) as HTMLInputElement | null)?.value;
    const parameter: Record<string, unknown>[] = [{ name: 'patient', valueReference: { reference: patientRef } }];
    if (picked('consent')) parameter.push({ name: 'consent', valueReference: { reference: picked('consent') } });
    form.querySelectorAll<HTMLInputElement>('input[name="confirmed"]:checked').forEach((c) => parameter.push({ name: 'confirmed', valueString: c.value }));
    if (picked('confirmer')) parameter.push({ name: 'confirmer', valueReference: { reference: picked('confirmer') } });
    parameter.push({ name: 'date', valueDate: date });
    submit.disabled = true;
    outcome.replaceChildren(h('p', {}, 'Enrolling…'));
    try {
      const subject = await fhir(`ResearchStudy/${encodeURIComponent(studyId)}/$enroll`, { method: 'POST', body: { resourceType: 'Parameters', parameter } });
      outcome.replaceChildren(h('div', { class: 'alert success', role: 'status' },
        h('h3', {}, h('span', { 'aria-hidden': 'true' }, '✓ '), `Enrolled: ${name} is on study`),
        h('p', {}, `ResearchSubject/${subject.id}, status ${subject.status}, from ${subject.period?.start ?? date}. `,
          subject.assignedArm ? `Arm: ${subject.assignedArm}.` : 'Arm: not shown (the study is masked or not yet randomised).'),
        h('p', {}, h('a', { href: `#/raw/ResearchSubject/${subject.id}` }, 'Show the subject record'), ' · ',
          h('a', { href: `#/study/${encodeURIComponent(studyId)}` }, 'Back to the study'))));
    } catch (error) {
      submit.disabled = false;
      const title = error instanceof FhirError && error.status === 409 ? 'Enrolment refused: conflict' : 'Enrolment refused';
      outcome.replaceChildren(errorBox(error, title));
    }
    outcome.focus();
  });

  return h('section', { class: 'enrol', 'aria-labelledby': 'enrol-h' },
    h('h2', { id: 'enrol-h' }, 'Enrol'),
    consentBlock,
    h('fieldset', {}, h('legend', {}, 'Who confirms (optional)'), confirmerSearch, confirmerList),
    form, outcome);
}
