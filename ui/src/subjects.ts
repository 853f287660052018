import { errorBox, h, words, type Child } from './dom';
import { ext, fhir, personName, refId, resources, type Bundle, type Resource } from './fhir';
import { nctId } from './studies';

const R5 = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.';
const WITHDRAWAL_REASON = 'http://trialfhir.org/fhir/StructureDefinition/withdrawal-reason';
const LATE_ENTRY = 'http://trialfhir.org/fhir/StructureDefinition/late-entry';

/**
 * The statuses of a subject who started the study, by the group the page lists them in. Statuses
 * before enrolment (candidate, screening, eligible, ineligible, …) belong to the screening log.
 */
const GROUPS: [string, string, string[]][] = [
  ['on', 'On study', ['on-study', 'on-study-intervention', 'on-study-observation', 'follow-up']],
  ['completed', 'Completed (off study)', ['off-study']],
  ['withdrawn', 'Withdrawn', ['withdrawn']],
];
const STARTED = GROUPS.flatMap(([, , statuses]) => statuses);
/** Who counts against the target (as the server's enrolment rules count them). */
const COUNTING = ['on-study', 'on-study-intervention', 'on-study-observation', 'follow-up'];

const STATUS_WORDS: Record<string, string> = {
  'on-study': 'On study', 'on-study-intervention': 'On study (intervention)', 'on-study-observation': 'On study (observation)',
  'follow-up': 'Follow-up', 'off-study': 'Completed (off study)', withdrawn: 'Withdrawn',
};
export const statusWords = (status: string | undefined): string => STATUS_WORDS[status ?? ''] ?? words(status);

const day = (s: string | undefined): string => (s ?? '').slice(0, 10);
/** A subject's arm only as the server returned it: a blinded caller gets none, and none is guessed. */
const armOf = (s: Resource): string | undefined => s.actualArm ?? s.assignedArm;

type Change = { status: string; from: string; to?: string; recorded: string; reason?: string; late?: string };

/** The subject's versions, oldest first, folded into its status changes (a new status starts a row). */
async function history(subject: Resource): Promise<Change[]> {
  const bundle = await fhir<Bundle>(`ResearchSubject/${encodeURIComponent(subject.id!)}/_history?_count=100`);
  const versions = resources(bundle).sort((a, b) => Number(a.meta?.versionId ?? 0) - Number(b.meta?.versionId ?? 0));
  const changes: Change[] = [];
  for (const v of versions) {
    const last = changes[changes.length - 1];
    const change: Change = {
      status: v.status, from: day(v.period?.start), to: day(v.period?.end) || undefined,
      recorded: (v.meta?.lastUpdated ?? '').replace('T', ' ').slice(0, 16),
      reason: ext(v, WITHDRAWAL_REASON)[0]?.valueString, late: ext(v, LATE_ENTRY)[0]?.valueString,
    };
    // A reason stays on later versions: it is said once, on the change that brought it.
    if (last && change.late === changes.reduce<string | undefined>((seen, c) => c.late ?? seen, undefined)) change.late = undefined;
    if (!last || last.status !== v.status) changes.push(change);
  }
  return changes;
}

function historyList(changes: Change[]): HTMLElement {
  return h('ol', { class: 'history' }, changes.map((c) => h('li', {},
    h('strong', {}, statusWords(c.status)),
    c.status === 'withdrawn' || c.status === 'off-study' ? (c.to ? ` on ${c.to}` : '') : c.from ? ` from ${c.from}` : '',
    c.reason ? `: ${c.reason}` : '',
    c.late ? h('span', { class: 'muted' }, ` (late entry: ${c.late})`) : '',
    h('span', { class: 'muted' }, ` · recorded ${c.recorded} UTC`))));
}

/**
 * Cumulative enrolments by start date against the target, as a small SVG; the table beside it
 * says the same in text (for screen readers and print).
 */
function recruitmentCurve(starts: string[], target: number | undefined, counting: number): HTMLElement {
  const byDay = new Map<string, number>();
  starts.filter(Boolean).sort().forEach((d) => byDay.set(d, (byDay.get(d) ?? 0) + 1));
  const points: [string, number, number][] = [];
  let total = 0;
  for (const [d, n] of byDay) points.push([d, n, (total += n)]);
  const summary = `${total} enrolled so far${target ? ` of a target of ${target}` : ''}; ${counting} ${counting === 1 ? 'counts' : 'count'} against the target now (a withdrawn subject frees the place).`;
  const table = h('table', { class: 'curve-table' },
    h('caption', {}, 'Enrolments by date'),
    h('thead', {}, h('tr', {}, ['Date', 'Enrolled that day', 'Enrolled in total'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, points.length ? points.map(([d, n, cum]) => h('tr', {}, h('th', { scope: 'row' }, d), h('td', {}, n), h('td', {}, cum)))
      : h('tr', {}, h('td', { colspan: 3 }, 'No enrolment yet.'))));
  if (!points.length) return h('div', { class: 'curve' }, h('p', {}, summary), table);

  const W = 520, H = 220, L = 40, R = 16, T = 16, B = 34;
  const t0 = Date.parse(points[0][0]);
  const t1 = Math.max(Date.parse(points[points.length - 1][0]), Date.parse(new Date().toISOString().slice(0, 10)));
  const span = Math.max(t1 - t0, 86_400_000);
  const top = Math.max(target ?? 0, total, 1);
  const x = (d: string) => L + ((Date.parse(d) - t0) / span) * (W - L - R);
  const y = (n: number) => H - B - (n / top) * (H - T - B);
  const ns = 'http://www.w3.org/2000/svg';
  const el = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(ns, tag);
    Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, String(v)));
    if (text) e.textContent = text;
    return e;
  };
  // A step line: the count holds until the next enrolment day, and up to today.
  let d = `M ${x(points[0][0])} ${y(0)}`;
  for (const [day, , cum] of points) d += ` H ${x(day)} V ${y(cum)}`;
  d += ` H ${W - R}`;
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-labelledby': 'curve-title curve-desc', class: 'curve-svg' });
  svg.append(el('title', { id: 'curve-title' }, 'Recruitment curve'), el('desc', { id: 'curve-desc' }, summary + ' The table beside gives each date.'),
    el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }),
    el('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }),
    el('text', { x: L - 6, y: H - B + 4, 'text-anchor': 'end', class: 'tick' }, '0'),
    el('text', { x: L - 6, y: y(top) + 4, 'text-anchor': 'end', class: 'tick' }, String(top)),
    el('text', { x: L, y: H - 10, class: 'tick' }, points[0][0]),
    el('text', { x: W - R, y: H - 10, 'text-anchor': 'end', class: 'tick' }, 'today'),
    el('path', { d, class: 'enrolled' }));
  if (target) {
    svg.append(el('line', { x1: L, y1: y(target), x2: W - R, y2: y(target), class: 'target' }),
      el('text', { x: W - R, y: y(target) - 5, 'text-anchor': 'end', class: 'label' }, `Target ${target}`));
  }
  svg.append(el('text', { x: x(points[points.length - 1][0]) + 4, y: y(total) - 5, class: 'label' }, `${total} enrolled`));
  return h('div', { class: 'curve' }, h('p', {}, summary), h('div', { class: 'curve-row' }, svg, table),
    h('p', { class: 'muted' }, 'Solid line: enrolments in total, by date of enrolment. Dashed line: the target.'));
}

/** "1 overdue, 1 due" from $visits, for the day's work list; null when the server gives none. */
async function visitSummary(subjectId: string): Promise<{ overdue: number; due: number } | null> {
  try {
    const result = await fhir(`ResearchSubject/${encodeURIComponent(subjectId)}/$visits`);
    const statuses: string[] = (result.parameter ?? []).filter((p: Resource) => p.name === 'visit')
      .map((p: Resource) => (p.part ?? []).find((x: Resource) => x.name === 'status')?.valueCoding?.code);
    return { overdue: statuses.filter((c) => c === 'overdue').length, due: statuses.filter((c) => c === 'due').length };
  } catch {
    return null; // no schedule, or not the caller's to see: the subject's own page says why
  }
}

export async function subjectsView(_q: URLSearchParams, studyId: string): Promise<Child> {
  const studyRef = `ResearchStudy/${studyId}`;
  const [study, bundle] = await Promise.all([
    fhir(`ResearchStudy/${encodeURIComponent(studyId)}`),
    fhir<Bundle>(`ResearchSubject?study=${encodeURIComponent(studyRef)}&status=${STARTED.join(',')}&_include=ResearchSubject:individual&_count=500`),
  ]);
  const all = resources(bundle);
  // A subject withdrawn before it started (a candidate who declined) belongs to the screening log.
  const subjects = all.filter((r) => r.resourceType === 'ResearchSubject' && (r.status !== 'withdrawn' || r.period?.start));
  const patients = new Map(all.filter((r) => r.resourceType === 'Patient').map((p) => [`Patient/${p.id}`, p]));
  const [histories, visits] = await Promise.all([
    Promise.all(subjects.map((s) => history(s).catch((error) => error as Error))),
    Promise.all(subjects.map((s) => visitSummary(s.id!))),
  ]);
  const target = ext(ext(study, R5 + 'recruitment')[0], 'targetNumber')[0]?.valueUnsignedInt;
  const showArms = subjects.some((s) => armOf(s));
  const counting = subjects.filter((s) => COUNTING.includes(s.status)).length;

  const sections = GROUPS.map(([key, title, statuses]) => {
    const rows = subjects.map((s, i) => [s, histories[i], visits[i]] as const).filter(([s]) => statuses.includes(s.status))
      .sort(([a], [b]) => day(a.period?.start).localeCompare(day(b.period?.start)));
    return h('section', { 'aria-labelledby': `subjects-${key}-h` },
      h('h2', { id: `subjects-${key}-h` }, `${title} (${rows.length})`),
      rows.length ? h('table', { class: 'subjects', 'data-group': key },
        h('thead', {}, h('tr', {}, ['Subject', 'Status', 'Started', 'Left', ...(showArms ? ['Arm'] : []), 'Visits', 'Status history', ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map(([s, changes, due]) => {
          const patient = patients.get(refId(s.individual?.reference));
          const name = patient ? personName(patient) : 'Patient not readable';
          return h('tr', { 'data-subject': s.id },
            h('th', { scope: 'row' }, name, patient?.identifier?.[0]?.value ? h('div', { class: 'muted' }, patient.identifier[0].value) : null),
            h('td', {}, statusWords(s.status)),
            h('td', {}, day(s.period?.start) || '—'),
            h('td', {}, day(s.period?.end) || '—'),
            showArms ? h('td', {}, armOf(s) ?? '—') : null,
            h('td', { 'data-visits': '' }, !due ? '—' : due.overdue
              ? h('span', { class: 'badge bad' }, h('span', { 'aria-hidden': 'true' }, '! '), `${due.overdue} overdue`, due.due ? `, ${due.due} due` : '')
              : due.due ? h('span', { class: 'badge review' }, h('span', { 'aria-hidden': 'true' }, '● '), `${due.due} due now`) : 'None due'),
            h('td', {}, changes instanceof Error
              ? errorBox(changes, 'The history could not be read')
              : h('details', {}, h('summary', {}, `${changes.length} status${changes.length === 1 ? '' : 'es'}`), historyList(changes))),
            h('td', {}, h('a', { href: `#/study/${encodeURIComponent(studyId)}/subject/${encodeURIComponent(s.id!)}` }, `Visits and adverse events of ${name}`)));
        }))) : h('p', {}, 'None.'));
  });

  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/study/${encodeURIComponent(studyId)}` }, `← ${nctId(study)}: back to the study`)),
    h('h1', { tabindex: -1 }, `Subjects of ${study.title ?? studyId}`),
    h('p', { class: 'muted' }, showArms
      ? 'Arms are shown because you may see them (unblinded role, or an open-label study).'
      : 'No arm is shown: the study is masked for you, or no subject has been allocated yet.'),
    h('section', { 'aria-labelledby': 'curve-h' }, h('h2', { id: 'curve-h' }, 'Recruitment against the target'),
      recruitmentCurve(subjects.map((s) => day(s.period?.start)), target, counting)),
    sections,
  ];
}
