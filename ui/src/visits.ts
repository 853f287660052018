import { adverseEventsSection } from './adverse';
import { errorBox, h, words, type Child } from './dom';
import { FhirError, fhir, personName, refId, type Resource } from './fhir';
import { nctId } from './studies';
import { statusWords } from './subjects';

/** Visit status → symbol, words and style (never colour alone), as CodeSystem visit-status. */
const VISIT_STATUS: Record<string, [string, string, string]> = {
  done: ['✓', 'Done', 'ok'],
  due: ['●', 'Due now', 'review'],
  overdue: ['!', 'Overdue', 'bad'],
  upcoming: ['○', 'Upcoming', 'plainbadge'],
  'not-expected': ['–', 'Not expected (left the study)', 'plainbadge'],
};

type Visit = { id: string; title: string; from: string; to: string; target: string; status: string; evidence: string[]; missing: string[] };

function visitsOf(result: Resource): Visit[] {
  return (result.parameter ?? []).filter((p: Resource) => p.name === 'visit').map((p: Resource) => {
    const parts = (name: string) => (p.part ?? []).filter((x: Resource) => x.name === name);
    const one = (name: string) => { const x = parts(name)[0]; return x?.valueString ?? x?.valueDate ?? x?.valueCoding?.code ?? ''; };
    return {
      id: one('id'), title: one('title'), from: one('windowStart'), to: one('windowEnd'), target: one('target'), status: one('status'),
      evidence: parts('evidence').map((x: Resource) => refId(x.valueReference?.reference)),
      missing: parts('missing').map((m: Resource) => (m.part ?? []).find((x: Resource) => x.name === 'title')?.valueString ?? ''),
    };
  });
}

const badge = (status: string) => {
  const [symbol, text, style] = VISIT_STATUS[status] ?? ['•', words(status), 'plainbadge'];
  return h('span', { class: `badge ${style}` }, h('span', { 'aria-hidden': 'true' }, symbol + ' '), text);
};

/** The server's refusal of $visits, in words (a subject not enrolled, a study without a schedule). */
function visitsRefusal(error: unknown): HTMLElement {
  if (error instanceof FhirError && error.status === 403) {
    return h('div', { class: 'alert error', role: 'alert' }, h('p', {}, h('strong', {}, 'You may not see these visits: '),
      'the visits are for the study team (coordinators and investigators) whose access lets them read the patient’s results.'));
  }
  return errorBox(error, 'The visits could not be worked out');
}

async function visitsSection(subjectId: string): Promise<HTMLElement> {
  const section = h('section', { 'aria-labelledby': 'visits-h' }, h('h2', { id: 'visits-h' }, 'Visits'));
  let result: Resource;
  try {
    result = await fhir(`ResearchSubject/${encodeURIComponent(subjectId)}/$visits`);
  } catch (error) {
    if (error instanceof FhirError && error.status === 401) throw error;
    section.append(visitsRefusal(error));
    return section;
  }
  const visits = visitsOf(result);
  const asOf = (result.parameter ?? []).find((p: Resource) => p.name === 'date')?.valueDate ?? '';
  const count = (s: string) => visits.filter((v) => v.status === s).length;
  const overdue = count('overdue'), due = count('due');
  section.append(
    h('p', { role: 'status', class: overdue ? 'warn' : '' },
      `As of ${asOf}: `, overdue ? h('strong', {}, `${overdue} overdue`) : 'none overdue', `, ${due} due now, ${count('done')} done, ${count('upcoming')} upcoming.`),
    h('table', { class: 'visits' },
      h('caption', {}, 'The study’s schedule of activities for this subject; a window’s first and last days belong to the visit.'),
      h('thead', {}, h('tr', {}, ['Visit', 'Window', 'Target date', 'Status', 'Recorded', 'Results still missing'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, visits.map((v) => h('tr', { 'data-visit': v.id, 'data-status': v.status, class: `row-${VISIT_STATUS[v.status]?.[2] ?? 'plain'}` },
        h('th', { scope: 'row' }, v.title),
        h('td', {}, `${v.from} to ${v.to}`),
        h('td', {}, v.target),
        h('td', {}, badge(v.status)),
        h('td', {}, v.evidence.length ? h('ul', { class: 'plain' }, v.evidence.map((ref, i) => h('li', {},
          h('a', { href: `#/raw/${ref}` }, `${ref.startsWith('Encounter/') ? 'Encounter' : 'Result'} ${i + 1} of ${v.title}`)))) : '—'),
        h('td', {}, v.status === 'not-expected' ? '—'
          : v.missing.length ? h('ul', { class: 'plain' }, v.missing.map((m) => h('li', {}, v.status === 'upcoming' ? `To collect: ${m}` : m)))
            : v.status === 'upcoming' ? '—' : 'None'))))));
  return section;
}

/** A subject's page: its status, its visits by the schedule, its adverse events. */
export async function subjectView(_q: URLSearchParams, studyId: string, subjectId: string): Promise<Child> {
  const [study, subject] = await Promise.all([
    fhir(`ResearchStudy/${encodeURIComponent(studyId)}`),
    fhir(`ResearchSubject/${encodeURIComponent(subjectId)}`),
  ]);
  const patientRef = refId(subject.individual?.reference);
  const patient = await fhir(patientRef).catch((e) => { if (e instanceof FhirError && e.status === 401) throw e; return null; });
  const name = patient ? personName(patient) : 'the patient';
  const arm = subject.actualArm ?? subject.assignedArm;
  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/study/${encodeURIComponent(studyId)}/subjects` }, `← ${nctId(study)}: all subjects`)),
    h('h1', { tabindex: -1 }, `${name}: visits and adverse events`),
    h('p', {}, 'Subject of ', h('a', { href: `#/study/${encodeURIComponent(studyId)}` }, study.title ?? studyId)),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Status'), h('dd', {}, statusWords(subject.status)),
      h('dt', {}, 'Started'), h('dd', {}, (subject.period?.start ?? '—').slice(0, 10)),
      subject.period?.end ? [h('dt', {}, 'Left'), h('dd', {}, subject.period.end.slice(0, 10))] : null,
      patient?.birthDate ? [h('dt', {}, 'Born'), h('dd', {}, patient.birthDate)] : null,
      // Only as the server returned it: a blinded caller gets no arm and none is guessed.
      arm ? [h('dt', {}, 'Arm'), h('dd', {}, arm)] : null),
    await visitsSection(subjectId),
    await adverseEventsSection(studyId, patientRef, name),
  ];
}
