import { mayConfirmCriteria } from './auth';
import { announce, errorBox, h, refreshView, takeFlash, today, words, type Child } from './dom';
import { FhirError, fhir, personName, refId, resources, type Bundle, type Resource } from './fhir';
import { printButton, printStamp, retitlePrint } from './print';
import { criteria, loadGroup, nctId } from './studies';
import { screeningRecord } from './log';
import { withoutIds } from './wording';

const STUDY_CONTEXT = 'http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext';
/** Why a research consent dated before today is entered only now (the server requires it). */
const LATE_ENTRY = 'http://trialfhir.org/fhir/StructureDefinition/late-entry';

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

type Outcome = { id: string; type: string; description: string; outcome: string; reason: string; evidence: string[]; obtain: string };
function outcomes(result: Resource): Outcome[] {
  return (result.parameter ?? []).filter((p: Resource) => p.name === 'criterion').map((p: Resource) => {
    const part = (name: string) => (p.part ?? []).filter((x: Resource) => x.name === name);
    const value = (name: string) => { const x = part(name)[0]; return x?.valueString ?? x?.valueCode ?? ''; };
    return { id: value('id'), type: value('type'), description: value('description'), outcome: value('outcome'), reason: value('reason'),
      obtain: value('obtain'),
      evidence: [...new Set<string>(part('evidence').map((x: Resource) => refId(x.valueReference?.reference)).filter(Boolean))] };
  });
}

/** "Fasting C-peptide 0.35 nmol/L, 2026-03-01": a result by its name, value and date. */
function evidenceName(r: Resource): string {
  const name = r.code?.text ?? r.code?.coding?.find((c: Resource) => c.display)?.display ?? words(r.resourceType);
  const q = r.valueQuantity;
  const value = q?.value !== undefined ? ` ${q.comparator ?? ''}${q.value} ${q.unit ?? q.code ?? ''}`.trimEnd() : '';
  const when = String(r.effectiveDateTime ?? r.effectivePeriod?.start ?? r.effectiveInstant ?? r.recordedDate ?? r.dateTime ?? '').slice(0, 10);
  return `${name}${value}${when ? `, ${when}` : ', no date'}${r.status && r.status !== 'final' && r.resourceType === 'Observation' ? ` (${words(r.status).toLowerCase()})` : ''}`;
}

/**
 * The names of the resources a missing-data outcome set aside, read in one search per type; a
 * resource the caller may not read keeps its reference as its name.
 */
async function evidenceNames(refs: string[]): Promise<Map<string, string>> {
  const byType = new Map<string, string[]>();
  for (const ref of new Set(refs)) {
    const [type, id] = ref.split('/');
    if (type && id) byType.set(type, [...(byType.get(type) ?? []), id]);
  }
  const names = new Map<string, string>();
  await Promise.all([...byType].map(async ([type, ids]) => {
    try {
      const found = resources(await fhir<Bundle>(`${type}?_id=${ids.map(encodeURIComponent).join(',')}&_count=${ids.length}`));
      for (const r of found) names.set(`${type}/${r.id}`, evidenceName(r));
    } catch (e) {
      if (e instanceof FhirError && e.status === 401) throw e;
    }
  }));
  return names;
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

/** ResearchSubject statuses of a patient enrolled (R4), and of one who has left the study. */
const ENROLLED = ['on-study', 'on-study-intervention', 'on-study-observation', 'follow-up'];
const LEFT = ['withdrawn', 'off-study'];
const SUBJECT_STATUS: Record<string, string> = {
  'on-study': 'on study', 'on-study-intervention': 'on study, receiving the intervention',
  'on-study-observation': 'on study, under observation', 'follow-up': 'in follow-up', withdrawn: 'withdrawn', 'off-study': 'off study',
};
/** The evidence's kind in words: people read "Result", not "Observation/8c1f…". */
const EVIDENCE: Record<string, string> = {
  Observation: 'Result', Condition: 'Diagnosis', Consent: 'Consent', Procedure: 'Procedure', MedicationStatement: 'Medication',
  MedicationRequest: 'Prescription', AllergyIntolerance: 'Allergy', Patient: 'Patient record', Encounter: 'Visit', DiagnosticReport: 'Report',
  Immunization: 'Immunisation', FamilyMemberHistory: 'Family history',
};

/**
 * The patient's enrolment in this study, if any: the latest subject record that is or was on study
 * (pre-enrolment statuses — candidate, screening, eligible… — are the screening log, not an
 * enrolment).
 */
function enrolmentOf(subjects: Resource[]): Resource | undefined {
  return subjects.filter((s) => ENROLLED.includes(s.status) || LEFT.includes(s.status))
    .sort((a, b) => String(b.meta?.lastUpdated ?? '').localeCompare(String(a.meta?.lastUpdated ?? '')))[0];
}

/** The flag at the top of a screening: enrolled (since when) or left (when), in words. */
function enrolledFlag(subject: Resource, name: string): HTMLElement {
  const since = subject.period?.start ?? 'an unrecorded date';
  const left = LEFT.includes(subject.status);
  const status = SUBJECT_STATUS[subject.status] ?? words(subject.status);
  return h('section', { class: `enrolled-flag${left ? ' left' : ''}`, 'aria-labelledby': 'enrolled-h', 'data-subject-status': subject.status },
    h('h2', { id: 'enrolled-h' }, h('span', { 'aria-hidden': 'true' }, left ? '⏹ ' : '✓ '),
      left ? `${name} has left this study: ${status}` : `${name} is enrolled in this study`),
    h('p', {}, left
      ? `${subject.period?.start ? `Enrolled ${since}, ${status}` : `${words(status)} before enrolment`}${subject.period?.end ? ` on ${subject.period.end}` : ''}. A patient who was a subject cannot be enrolled again.`
      : `Status: ${status}, since ${since}. There is nothing to enrol; the criteria below are how they stand as of the screening date.`),
    h('p', {}, h('a', { href: `#/raw/ResearchSubject/${encodeURIComponent(subject.id ?? '')}` }, 'Show the subject record')));
}

export async function screenView(q: URLSearchParams, studyId: string, patientId: string): Promise<Child> {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(q.get('date') ?? '') ? q.get('date')! : today();
  const studyRef = `ResearchStudy/${studyId}`;
  const patientRef = `Patient/${patientId}`;
  const [study, patient, consentBundle, result, subjectBundle] = await Promise.all([
    fhir(`ResearchStudy/${encodeURIComponent(studyId)}`),
    fhir(`Patient/${encodeURIComponent(patientId)}`),
    fhir<Bundle>(`Consent?patient=${encodeURIComponent(patientRef)}&_count=100`),
    fhir(`ResearchStudy/${encodeURIComponent(studyId)}/$eligibility?patient=${encodeURIComponent(patientRef)}&date=${date}`),
    fhir<Bundle>(`ResearchSubject?patient=${encodeURIComponent(patientRef)}&study=${encodeURIComponent(studyRef)}&_count=50`),
  ]);
  const enrolment = enrolmentOf(resources(subjectBundle));
  const group = await loadGroup(study).catch((e) => { if (e instanceof FhirError && e.status === 401) throw e; return null; });
  const labels = new Map(criteria(group).map((c) => [c.id, c]));
  const name = personName(patient);
  const verdict = (result.parameter ?? []).find((p: Resource) => p.name === 'verdict')?.valueCode ?? 'unknown';
  const items = outcomes(result);
  const [vSymbol, vTitle, verdictText, vStyle] = VERDICTS[verdict] ?? ['•', words(verdict), '', 'missing'];
  // Once enrolled, the verdict no longer speaks of "before enrolment": it is a re-check.
  const vText = !enrolment ? verdictText
    : !enrolment.period?.start && LEFT.includes(enrolment.status) ? `${name} left this study before enrolment; this is how the criteria stand as of ${date}.`
      : `${name} ${LEFT.includes(enrolment.status) ? 'was' : 'is'} enrolled (since ${enrolment.period?.start ?? 'an unrecorded date'}); this is how the criteria stand as of ${date}.`;
  const counts = Object.entries(items.reduce<Record<string, number>>((n, i) => ({ ...n, [i.outcome]: (n[i.outcome] ?? 0) + 1 }), {}))
    .map(([o, n]) => `${n} ${(OUTCOMES[o]?.[1] ?? o).toLowerCase()}`).join(', ');

  const named = await evidenceNames(items.filter((c) => c.outcome === 'missing-data').flatMap((c) => c.evidence));

  const dateForm = h('form', { class: 'inline' },
    h('label', { for: 'screen-date' }, 'Screen as of'),
    h('input', { id: 'screen-date', name: 'date', type: 'date', value: date, required: true }),
    h('span', { class: 'muted' }, 'A what-if: the enrolment below is dated on its own (today by default).'),
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
      h('td', {}, withoutIds(c.reason, { [patientRef]: name }),
        c.outcome === 'missing-data' ? h('div', { class: 'obtain' }, h('strong', {}, 'To obtain: '), c.obtain || labels.get(c.id)?.label || c.description) : null),
      h('td', {}, c.evidence.length ? h('ul', { class: 'plain' }, c.evidence.map((ref, i) => {
        // A result set aside for missing data is named by what it is, its value and date.
        if (c.outcome === 'missing-data' && named.has(ref)) return h('li', {}, h('a', { href: `#/raw/${ref}` }, named.get(ref)!));
        const kind = EVIDENCE[ref.split('/')[0]] ?? words(ref.split('/')[0]);
        const same = c.evidence.filter((r) => r.split('/')[0] === ref.split('/')[0]).length > 1;
        return h('li', {}, h('a', { href: `#/raw/${ref}` }, same ? `${kind} ${i + 1}` : kind));
      })) : '—')))));

  const flagSlot = h('div', { class: 'flag-slot' }, enrolment ? enrolledFlag(enrolment, name) : null);
  const verdictLine = h('p', { class: 'verdict-text' }, vText);
  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/study/${encodeURIComponent(studyId)}` }, `← ${nctId(study)}: back to the study`)),
    printStamp(`Screening of ${name} for ${nctId(study)}, as of ${date}`),
    h('h1', { tabindex: -1 }, `Screening ${name}`),
    h('p', {}, 'for ', h('a', { href: `#/study/${encodeURIComponent(studyId)}` }, study.title ?? studyId)),
    h('p', { class: 'muted' }, `Born ${patient.birthDate ?? 'unknown'}${ageOn(patient.birthDate, date)} · ${words(patient.gender) || 'sex unknown'} · `,
      (patient.identifier ?? []).map((i: Resource) => i.value).filter(Boolean).join(', ') || 'no identifier on record'),
    flagSlot,
    dateForm,
    h('section', { class: `verdict ${vStyle}`, 'aria-labelledby': 'verdict-h' },
      h('h2', { id: 'verdict-h', tabindex: -1, 'data-focus-on-update': true }, 'Verdict: ', h('span', { 'aria-hidden': 'true' }, vSymbol + ' '), vTitle), verdictLine,
      h('p', {}, printButton('Print the screening result'))),
    table,
    enrolment ? null : screeningRecord(studyId, patientId, name, verdict, date, items.filter((c) => c.outcome === 'fail').map((c) => `${c.id}: ${c.description}`)),
    enrolment ? null : enrolSection(studyId, studyRef, patientRef, name, verdict, items, resources(consentBundle), (subject) => {
      // Enrolled here and now: the flag appears at the top and the verdict says so.
      flagSlot.replaceChildren(enrolledFlag(subject, name));
      verdictLine.textContent = `${name} is enrolled (since ${subject.period?.start ?? today()}); this is how the criteria stand as of ${date}.`;
    }),
  ];
}

/** Rewrites the server's refusals in the coordinator's words; the criterion ids and reasons stay. */
function plain(text: string, name: string): string {
  const summary = /^Patient\/\S+ cannot be enrolled in ResearchStudy\/\S+: (.*)$/s.exec(text);
  if (summary) return `${name} cannot be enrolled: ${summary[1]}.`;
  const future = /^(?:Enrolment date \(parameter 'date'\)|[A-Za-z.]+) (\d{4}-\d{2}-\d{2}) is in the future: today is (\d{4}-\d{2}-\d{2}) \(server time zone ([^)]+)\).*$/s.exec(text);
  if (future) return `The date ${future[1]} has not come yet: today is ${future[2]} at the server (time zone ${future[3]}). Record it on the day it happens, with that day's date.`;
  const late = /^(?:Enrolment date \(parameter 'date'\)|[A-Za-z.]+) (\d{4}-\d{2}-\d{2}) is before today \((\d{4}-\d{2}-\d{2})\): .*$/s.exec(text);
  if (late) return `The date ${late[1]} is before today (${late[2]}): a late entry needs its reason. Give the reason for the late entry, or use today's date.`;
  if (/^Only an investigator confirms manual-review criteria/.test(text)) {
    return 'Only an investigator can sign off the criteria a person must judge. Leave them to the investigator, who signs in to this page with their own account and enrols the patient.';
  }
  return text
    .replace(/needs your confirmation as investigator \(parameter 'confirmed'\)/, 'needs your sign-off as investigator: tick it above')
    .replace(/awaits the investigator's sign-off: an investigator enrols the patient, confirming it, in their own session/,
      "awaits the investigator's sign-off: the investigator signs in with their own account and enrols the patient");
}
const refusal = (error: unknown, name: string): unknown => error instanceof FhirError
  ? new FhirError(error.status, error.issues.map((i) => ({ ...i, text: plain(i.text, name), server: i.server ?? i.text }))) : error;

/**
 * A date no later than today and, when it is before today, the required reason for the late entry
 * (the server refuses a future date, and a past one without its reason).
 */
function entryDate(id: string, label: string, reasonLabel: string) {
  const input = h('input', { id, name: id, type: 'date', value: today(), max: today(), required: true });
  const reason = h('input', { id: `${id}-reason`, name: `${id}-reason`, autocomplete: 'off', size: 50 });
  const reasonRow = h('div', { class: 'late', hidden: true },
    h('label', { for: `${id}-reason` }, `${reasonLabel} (required for a date before today)`), reason,
    h('p', { class: 'muted' }, 'Why it is entered only now, and from which source (e.g. the signed paper form).'));
  const sync = () => {
    const isLate = input.value !== '' && input.value < today();
    reasonRow.hidden = !isLate;
    reason.required = isLate;
  };
  input.addEventListener('input', sync);
  input.addEventListener('change', sync);
  return {
    fields: [h('div', { class: 'inline-field' }, h('label', { for: id }, label), input), reasonRow],
    value: () => input.value,
    lateReason: () => (input.value < today() ? reason.value.trim() : ''),
  };
}

function enrolSection(studyId: string, studyRef: string, patientRef: string, name: string, verdict: string,
  items: Outcome[], consents: Resource[], enrolled: (subject: Resource) => void): HTMLElement {
  const usable = consents.filter((c) => qualifies(c, studyRef));
  const recorded = takeFlash('consent');
  const consentBlock = h('fieldset', {}, h('legend', {}, 'Research consent for this study'),
    usable.length
      ? usable.map((c, i) => h('div', { class: 'check' },
          h('input', { type: 'radio', name: 'consent', id: `consent-${i}`, value: `Consent/${c.id}`, checked: i === 0 }),
          h('label', { for: `consent-${i}` }, `Consent signed ${c.dateTime?.slice(0, 10) ?? 'on an unknown date'}${c.dateTime && c.dateTime.length > 10 ? ` at ${c.dateTime.slice(11, 16)}` : ''} (${c.status === 'active' ? 'in force' : words(c.status)})`)))
      : h('p', {}, 'No active research consent for this study is on file.'),
    recorded ? h('p', { class: 'alert success', id: 'consent-recorded', tabindex: -1 }, h('span', { 'aria-hidden': 'true' }, '✓ '), recorded) : null);
  if (!usable.length) {
    const signed = entryDate('consent-date', 'Signed on', 'Reason for the late entry of this consent');
    const record = h('form', { class: 'record-consent' }, signed.fields, h('button', { type: 'submit' }, 'Record signed consent'));
    const status = h('div', { 'aria-live': 'polite' });
    record.addEventListener('submit', async (e) => {
      e.preventDefault();
      const reason = signed.lateReason();
      try {
        await fhir('Consent', { method: 'POST', body: {
          resourceType: 'Consent', status: 'active',
          extension: [{ url: STUDY_CONTEXT, valueReference: { reference: studyRef } },
            ...(reason ? [{ url: LATE_ENTRY, valueString: reason }] : [])],
          scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'research' }] },
          category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
          patient: { reference: patientRef },
          dateTime: signed.value(),
          policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
        } });
        // Drawn again where the coordinator is: no jump to the top; the confirmation is shown and said.
        refreshView({ focus: '#consent-recorded', announce: 'Consent recorded',
          flash: ['consent', `Consent recorded: signed ${signed.value()}${reason ? ', entered late with its reason' : ''}. It is chosen below for the enrolment.`] });
      } catch (error) {
        status.replaceChildren(errorBox(refusal(error, name), 'The consent could not be recorded', { [patientRef]: name }));
      }
    });
    consentBlock.append(record, status);
  }

  const reviews = items.filter((c) => c.outcome === 'manual-review' || c.outcome === 'needs-review');
  const investigator = mayConfirmCriteria();
  const reviewBlock = !reviews.length
    ? h('fieldset', {}, h('legend', {}, "Investigator's sign-off"), h('p', {}, 'No criterion needs an investigator’s sign-off.'))
    : investigator
      ? h('fieldset', {}, h('legend', {}, 'Your sign-off as investigator on the criteria a person must judge'),
          reviews.map((c) => h('div', { class: 'check' },
            h('input', { type: 'checkbox', name: 'confirmed', id: `confirm-${c.id}`, value: c.id }),
            h('label', { for: `confirm-${c.id}` }, h('strong', {}, `${c.id}: `), c.description, h('div', { class: 'muted' }, withoutIds(c.reason))))))
      : h('fieldset', { class: 'awaiting' }, h('legend', {}, "Awaiting the investigator's sign-off"),
          h('p', {}, `Only an investigator can confirm ${reviews.length === 1 ? 'this criterion' : `these ${reviews.length} criteria`}: `,
            'the investigator signs in to this page with their own account, ticks them and enrols the patient.'),
          h('ul', { class: 'plain' }, reviews.map((c) => h('li', { 'data-awaiting': c.id },
            h('span', { class: 'badge review' }, h('span', { 'aria-hidden': 'true' }, '⚑ '), "Awaiting the investigator's sign-off"), ' ',
            h('strong', {}, `${c.id}: `), c.description))));

  const enrolDate = entryDate('enrol-date', 'Enrolment date', 'Reason for the late enrolment');
  const outcome = h('div', { 'aria-live': 'polite', tabindex: -1, class: 'result' });
  const submit = h('button', { type: 'submit', class: 'primary' }, `Enrol ${name}`);
  const form = h('form', { 'aria-labelledby': 'enrol-h' },
    reviewBlock,
    h('fieldset', {}, h('legend', {}, 'When the patient is enrolled'), enrolDate.fields,
      h('p', { class: 'muted' }, 'Today, unless the patient was enrolled on an earlier day and it is entered only now (a late entry, with its reason). The eligibility is judged as of this date on the record as it is today.')),
    verdict === 'ineligible' || verdict === 'insufficient-data'
      ? h('p', { class: 'warn' }, h('strong', {}, 'Note: '), 'the server will refuse enrolment while a criterion fails or data is missing.') : null,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const picked = (n: string) => (document.querySelector(`input[name="${n}"]:checked`) as HTMLInputElement | null)?.value;
    const parameter: Record<string, unknown>[] = [{ name: 'patient', valueReference: { reference: patientRef } }];
    if (picked('consent')) parameter.push({ name: 'consent', valueReference: { reference: picked('consent') } });
    form.querySelectorAll<HTMLInputElement>('input[name="confirmed"]:checked').forEach((c) => parameter.push({ name: 'confirmed', valueString: c.value }));
    parameter.push({ name: 'date', valueDate: enrolDate.value() });
    if (enrolDate.lateReason()) parameter.push({ name: 'lateEntryReason', valueString: enrolDate.lateReason() });
    submit.disabled = true;
    outcome.replaceChildren(h('p', {}, 'Enrolling…'));
    try {
      const subject = await fhir(`ResearchStudy/${encodeURIComponent(studyId)}/$enroll`, { method: 'POST', body: { resourceType: 'Parameters', parameter } });
      outcome.replaceChildren(h('div', { class: 'alert success', role: 'status' },
        h('h3', {}, h('span', { 'aria-hidden': 'true' }, '✓ '), `Enrolled: ${name} is on study`),
        h('p', {}, `Subject record status ${subject.status}, from ${subject.period?.start ?? enrolDate.value()}. `,
          subject.assignedArm ? `Arm: ${subject.assignedArm}.` : 'Arm: not shown (the study is masked or not yet randomised).'),
        h('p', {}, h('a', { href: `#/raw/ResearchSubject/${subject.id}` }, 'Show the subject record'), ' · ',
          h('a', { href: `#/study/${encodeURIComponent(studyId)}` }, 'Back to the study')),
        h('p', {}, printButton('Print the enrolment'))));
      retitlePrint(`Enrolment of ${name} in ${studyRef.slice('ResearchStudy/'.length)} on ${subject.period?.start ?? enrolDate.value()}`);
      form.hidden = true;
      consentBlock.hidden = true;
      enrolled(subject);
      announce(`${name} enrolled`);
    } catch (error) {
      submit.disabled = false;
      const title = error instanceof FhirError && error.status === 409 ? 'Enrolment refused: conflict'
        : error instanceof FhirError && error.status === 403 ? 'Enrolment refused: only an investigator signs off' : 'Enrolment refused';
      outcome.replaceChildren(errorBox(refusal(error, name), title, { [patientRef]: name }));
    }
    outcome.focus();
  });

  return h('section', { class: 'enrol', 'aria-labelledby': 'enrol-h' },
    h('h2', { id: 'enrol-h' }, 'Enrol'),
    consentBlock,
    form, outcome);
}
