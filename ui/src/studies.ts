import { ageWords, append, errorBox, h, refreshView, today, words, type Child } from './dom';
import { curationSection } from './curate';
import { FhirError, ext, fhir, link, personName, resources, type Bundle, type Resource } from './fhir';

const SD = 'http://trialfhir.org/fhir/StructureDefinition/';
const R5 = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.';
const CTGOV = 'http://trialfhir.org/fhir/CodeSystem/ctgov-';
const ON_STUDY = 'on-study,on-study-intervention,on-study-observation,follow-up';

/** R4 research-study-phase, with its CodeSystem's displays ("Phase 1/Phase 2", not "Phase 1 phase 2"). */
const PHASES: [string, string][] = [['n-a', 'Not applicable'], ['early-phase-1', 'Early Phase 1'], ['phase-1', 'Phase 1'],
  ['phase-1-phase-2', 'Phase 1/Phase 2'], ['phase-2', 'Phase 2'], ['phase-2-phase-3', 'Phase 2/Phase 3'], ['phase-3', 'Phase 3'], ['phase-4', 'Phase 4']];
const PHASE_NAMES = new Map(PHASES);
const INTERVENTIONS = ['BEHAVIORAL', 'BIOLOGICAL', 'COMBINATION_PRODUCT', 'DEVICE', 'DIAGNOSTIC_TEST', 'DIETARY_SUPPLEMENT', 'DRUG', 'GENETIC', 'PROCEDURE', 'RADIATION', 'OTHER'];
/**
 * R4 ResearchStudy.status in the registry's words, the same in the filter and in the list: R4
 * defines `active` as "opened for accrual", i.e. recruiting (ClinicalTrials.gov RECRUITING and
 * ENROLLING_BY_INVITATION are imported as active), `approved` as not yet open, `closed-to-accrual`
 * as running without recruiting (ACTIVE_NOT_RECRUITING).
 */
const STATUS_NAMES: Record<string, string> = {
  active: 'Recruiting',
  approved: 'Not yet recruiting',
  'in-review': 'In review',
  'closed-to-accrual': 'Active, not recruiting',
  'closed-to-accrual-and-intervention': 'Active, not recruiting or treating',
  'temporarily-closed-to-accrual': 'Suspended',
  'temporarily-closed-to-accrual-and-intervention': 'Suspended, not treating',
  completed: 'Completed',
  'administratively-completed': 'Terminated',
  disapproved: 'Disapproved',
  withdrawn: 'Withdrawn',
};
export const studyStatus = (code: string | undefined): string => (code ? STATUS_NAMES[code] ?? words(code) : 'unknown');
const STATUSES: [string, string][] = [['active', STATUS_NAMES.active], ['', 'Any status'],
  ...['approved', 'closed-to-accrual', 'temporarily-closed-to-accrual', 'completed', 'administratively-completed', 'withdrawn']
    .map((c): [string, string] => [c, STATUS_NAMES[c]])];

export const nctId = (s: Resource): string =>
  (s.identifier ?? []).find((i: Resource) => /clinicaltrials\.gov/.test(i.system ?? ''))?.value ?? s.identifier?.[0]?.value ?? s.id;
const phase = (s: Resource): string => {
  const c = s.phase?.coding?.[0];
  return c ? PHASE_NAMES.get(c.code) ?? c.display ?? words(c.code) : '';
};
/** The age range in years (months only under two years): "8 to 18 years", "1 month to 18 years 11 months". */
function ages(s: Resource): string {
  const range = ext(s, SD + 'eligibility-age-range')[0]?.valueRange;
  if (!range || (!range.low && !range.high)) return 'any age';
  const low = ageWords(range.low);
  const high = ageWords(range.high);
  if (low && high) {
    const years = / years?$/;
    // "8 to 18 years" rather than "8 years to 18 years"
    return years.test(low) && years.test(high) && !/month/.test(low) ? `${low.replace(years, '')} to ${high}` : `${low} to ${high}`;
  }
  return low ? `${low} and over` : `up to ${high}`;
}
/** The study's design codes (R5 studyDesign extension) of one ctgov code system, in words. */
const design = (s: Resource, system: string): string =>
  ext(s, R5 + 'studyDesign').flatMap((e) => e.valueCodeableConcept?.coding ?? [])
    .filter((c: Resource) => c.system === CTGOV + system).map((c: Resource) => words(c.code)).join(', ');

function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('small', { id: control.id + '-hint' }, hint) : null);
}
function select(id: string, name: string, options: [string, string][], value: string): HTMLSelectElement {
  return h('select', { id, name }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

/**
 * What is wrong with a "site near" filter, in words, or null: both coordinates or neither, decimal
 * degrees on the globe, a positive distance. The server refuses the same (site.near, a 400 naming
 * it); the page says it before asking.
 */
export function nearProblem(lat = '', lon = '', km = ''): { text: string; field: string } | null {
  const both = 'a distance search needs both a latitude and a longitude.';
  if (!lat && !lon) return km ? { text: 'Give a latitude and a longitude for “Within km”, or clear the distance.', field: 'f-lat' } : null;
  if (!lon) return { text: `Give the longitude too: ${both}`, field: 'f-lon' };
  if (!lat) return { text: `Give the latitude too: ${both}`, field: 'f-lat' };
  const decimal = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
  if (!decimal.test(lat) || Math.abs(Number(lat)) > 90) {
    return { text: `The latitude “${lat}” is not a latitude: a decimal number of degrees from -90 to 90, with a point (e.g. 52.37).`, field: 'f-lat' };
  }
  if (!decimal.test(lon) || Math.abs(Number(lon)) > 180) {
    return { text: `The longitude “${lon}” is not a longitude: a decimal number of degrees from -180 to 180, with a point (e.g. 4.89).`, field: 'f-lon' };
  }
  if (km && !(Number(km) > 0)) return { text: `The distance “${km}” is not a number of kilometres above 0.`, field: 'f-km' };
  return null;
}

/** Finds studies; a site near a point is the server's chained site.near. */
async function searchStudies(q: URLSearchParams): Promise<{ studies: Resource[]; note?: string }> {
  const params = new URLSearchParams();
  for (const name of ['title:contains', 'condition:text', 'eligible-age', 'eligibility-sex', 'phase', 'intervention-type', 'status']) {
    const value = q.get(name)?.trim();
    if (value) params.set(name, value);
  }
  const [lat, lon, km] = ['lat', 'lon', 'km'].map((n) => q.get(n)?.trim() ?? '');
  params.set('_count', '100');
  if (lat || lon) params.set('site.near', `${lat}|${lon}|${km || '50'}|km`);
  const studies = resources(await fhir<Bundle>(`ResearchStudy?${params}`));
  return { studies, note: lat && lon && !studies.length ? `No study has a site within ${km || '50'} km.` : undefined };
}

export async function studyListView(q: URLSearchParams): Promise<Child> {
  const submitted = [...q.keys()].length > 0;
  if (!submitted) q.set('status', 'active');
  const input = (id: string, name: string, attrs: Record<string, string> = {}) =>
    h('input', { id, name, value: q.get(name) ?? '', ...attrs });
  const form = h('form', { class: 'filters', 'aria-label': 'Study filters' },
    field('Title contains', input('f-title', 'title:contains')),
    field('Condition', input('f-condition', 'condition:text', { placeholder: 'e.g. type 1 diabetes' })),
    field("Patient's age (years)", input('f-age', 'eligible-age', { type: 'number', min: '0', max: '130', inputmode: 'numeric' })),
    field('Sex', select('f-sex', 'eligibility-sex', [['', 'Any'], ['female', 'Female'], ['male', 'Male'], ['all', 'All (both)']], q.get('eligibility-sex') ?? '')),
    field('Phase', select('f-phase', 'phase', [['', 'Any'], ...PHASES], q.get('phase') ?? '')),
    field('Intervention type', select('f-intervention', 'intervention-type', [['', 'Any'], ...INTERVENTIONS.map((c): [string, string] => [c, words(c)])], q.get('intervention-type') ?? '')),
    field('Status', select('f-status', 'status', STATUSES, q.get('status') ?? '')),
    h('fieldset', { class: 'near' }, h('legend', {}, 'Site near (optional)'),
      field('Latitude', input('f-lat', 'lat', { inputmode: 'decimal', size: '8' })),
      field('Longitude', input('f-lon', 'lon', { inputmode: 'decimal', size: '8' })),
      field('Within km', input('f-km', 'km', { type: 'number', min: '1', size: '5', placeholder: '50' }))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Search studies'),
      h('a', { href: '#/studies?status=' }, 'Clear filters')));
  const nearSaid = h('div', { id: 'f-near-problem', role: 'alert' });
  form.querySelector('fieldset.near')?.append(nearSaid);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = new URLSearchParams();
    new FormData(form).forEach((value, name) => params.set(name, String(value).trim()));
    for (const [name, value] of [...params]) if (!value && name !== 'status') params.delete(name);
    const problem = nearProblem(params.get('lat') ?? '', params.get('lon') ?? '', params.get('km') ?? '');
    nearSaid.replaceChildren(problem ? h('p', { class: 'field-error' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), problem.text) : '');
    form.querySelectorAll('fieldset.near input').forEach((i) => i.removeAttribute('aria-describedby'));
    if (problem) {
      const input = form.querySelector<HTMLInputElement>(`#${problem.field}`);
      input?.setAttribute('aria-describedby', 'f-near-problem');
      input?.focus();
      return;
    }
    const next = `#/studies?${params}`;
    // The same search again: draw the results again (no hash change would).
    if (location.hash === next) refreshView({ focus: '[data-focus-on-update]' });
    else location.hash = next;
  });

  let results: Child;
  try {
    const problem = nearProblem(q.get('lat')?.trim(), q.get('lon')?.trim(), q.get('km')?.trim());
    if (problem) throw new Error(problem.text);
    const { studies, note } = await searchStudies(q);
    studies.sort((a, b) => String(a.title).localeCompare(String(b.title)));
    results = [
      h('p', { role: 'status', tabindex: -1, 'data-focus-on-update': true }, `${studies.length} ${studies.length === 1 ? 'study' : 'studies'} found.`, note ? ' ' + note : ''),
      studies.length ? h('table', {},
        h('thead', {}, h('tr', {}, ['Study', 'Status', 'Phase', 'Conditions', 'Ages', 'Interventions'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, studies.map((s) => h('tr', {},
          h('th', { scope: 'row' }, h('a', { href: `#/study/${encodeURIComponent(s.id!)}` }, s.title ?? s.id), h('div', { class: 'muted' }, nctId(s))),
          h('td', {}, studyStatus(s.status)),
          h('td', {}, phase(s) || '—'),
          h('td', {}, (s.condition ?? []).map((c: Resource) => c.text ?? c.coding?.[0]?.display ?? c.coding?.[0]?.code).join('; ')),
          h('td', {}, ages(s)),
          h('td', {}, [...new Set((s.focus ?? []).map((f: Resource) => words(f.coding?.[0]?.code)))].join(', ')))))) : null,
    ];
  } catch (error) {
    results = h('div', { tabindex: -1, 'data-focus-on-update': true }, errorBox(error, 'The study search failed'));
  }
  return [h('h1', { tabindex: -1 }, 'Studies'), form, h('section', { 'aria-label': 'Results' }, results)];
}

/** Patients per page of the finder. */
const PAGE = 20;

/**
 * The patient finder: every word must match a part of a name or an identifier (any case, any
 * position: the package's SearchParameter name-or-identifier), optionally a birth date; pages of
 * 20 following the Bundle's next and previous links, with the total when the server knows it.
 */
function patientFinder(studyId: string): { form: HTMLFormElement; results: HTMLElement } {
  const text = h('input', { id: 'patient-q', name: 'q', autocomplete: 'off', 'aria-describedby': 'patient-q-hint' });
  const born = h('input', { id: 'patient-born', name: 'birthdate', type: 'date', max: today() });
  const form = h('form', { class: 'inline finder', role: 'search', 'aria-label': 'Find a patient to screen' },
    h('div', { class: 'inline-field' }, h('label', { for: 'patient-q' }, 'Patient name or identifier'), text),
    h('div', { class: 'inline-field' }, h('label', { for: 'patient-born' }, 'Born on (optional)'), born),
    h('button', { type: 'submit', class: 'primary' }, 'Find patient'),
    h('small', { id: 'patient-q-hint', class: 'muted' }, 'Any part of a name (e.g. "ann smi") or of an identifier such as the MRN, in any case.'));
  const status = h('p', { role: 'status' });
  const table = h('div', {});
  const previous = h('button', { type: 'button', disabled: true }, '← Previous 20');
  const next = h('button', { type: 'button', disabled: true }, 'Next 20 →');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Result pages', hidden: true }, previous, ' ', next);
  const results = h('div', {}, status, table, pager);
  let links: { next?: string; previous?: string } = {};
  let first = 0;
  let asked = '';

  const rows = (patients: Resource[]) => h('table', {},
    h('caption', { class: 'visually-hidden' }, 'Patients found'),
    h('thead', {}, h('tr', {}, ['Patient', 'Born', 'Sex', 'Identifiers', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, patients.map((p) => {
      const name = p.name?.length ? personName(p) : 'No name recorded';
      return h('tr', {},
        h('th', { scope: 'row' }, name),
        h('td', {}, p.birthDate ?? '—'),
        h('td', {}, words(p.gender) || '—'),
        h('td', {}, (p.identifier ?? []).map((i: Resource) => i.value).filter(Boolean).join(', ') || '—'),
        h('td', {}, h('a', { class: 'button', href: `#/study/${encodeURIComponent(studyId)}/screen/${encodeURIComponent(p.id!)}` }, `Screen ${name}`)));
    })));

  async function show(path: string, offset: number): Promise<void> {
    status.textContent = 'Searching…';
    results.setAttribute('aria-busy', 'true');
    try {
      const bundle = await fhir<Bundle>(path);
      const patients = resources(bundle);
      first = offset;
      links = {
        next: (bundle.link ?? []).find((l: Resource) => l.relation === 'next')?.url,
        previous: (bundle.link ?? []).find((l: Resource) => l.relation === 'previous' || l.relation === 'prev')?.url,
      };
      const total = typeof bundle.total === 'number' ? bundle.total : undefined;
      const shown = patients.length ? `Showing ${first + 1}–${first + patients.length}` : '';
      status.textContent = total !== undefined
        ? `${total} patient${total === 1 ? '' : 's'} found for ${asked}.${total > patients.length ? ` ${shown} of ${total}.` : ''}`
        : `${shown || 'No patients'} found for ${asked}${links.next ? '; more follow' : ''}.`;
      table.replaceChildren(patients.length ? rows(patients) : '');
      pager.hidden = !links.next && !links.previous;
      // A button that has nothing more to show hands the focus to the other, so a keyboard user
      // paging to the end or the start keeps their place.
      const hadFocus = document.activeElement;
      previous.disabled = !links.previous;
      next.disabled = !links.next;
      if (hadFocus === next && next.disabled && !previous.disabled) previous.focus();
      if (hadFocus === previous && previous.disabled && !next.disabled) next.focus();
    } catch (error) {
      status.textContent = '';
      table.replaceChildren(errorBox(error, 'The patient search failed'));
      pager.hidden = true;
    }
    results.removeAttribute('aria-busy');
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const terms = text.value.trim().split(/\s+/).filter(Boolean);
    const date = born.value;
    if (!terms.length && !date) {
      text.setAttribute('aria-invalid', 'true');
      status.textContent = 'Type a name or an identifier, or choose a birth date, to search.';
      table.replaceChildren();
      pager.hidden = true;
      text.focus();
      return;
    }
    text.removeAttribute('aria-invalid');
    const params = new URLSearchParams();
    for (const term of terms) params.append('name-or-identifier:contains', term);
    if (date) params.set('birthdate', date);
    params.set('_count', String(PAGE));
    params.set('_total', 'accurate');
    params.set('_sort', 'family,given,birthdate');
    // Offset paging: the next and previous links are searches again, which the caller may follow
    // (a _getpages link names no resource type, and the server refuses it to non-auditors).
    params.set('_offset', '0');
    asked = [terms.length ? `“${terms.join(' ')}”` : '', date ? `born on ${date}` : ''].filter(Boolean).join(', ');
    void show(`Patient?${params}`, 0);
  });
  next.addEventListener('click', () => { if (links.next) void show(link(links.next), first + PAGE); });
  previous.addEventListener('click', () => { if (links.previous) void show(link(links.previous), Math.max(0, first - PAGE)); });
  return { form, results };
}

/** The criteria of an eligibility Group, by id: protocol wording and what a person must review. */
export type CriterionInfo = { id: string; kind: string; exclude: boolean; label: string; description: string; review?: string; derived: boolean };
export function criteria(group: Resource | null): CriterionInfo[] {
  return (group?.characteristic ?? []).map((c: Resource) => ({
    id: c.id,
    kind: c.code?.coding?.[0]?.code ?? '',
    exclude: !!c.exclude,
    label: c.code?.text ?? words(c.code?.coding?.[0]?.code),
    description: ext(c, SD + 'criterion-description')[0]?.valueString ?? c.code?.text ?? c.id,
    review: ext(c, SD + 'criterion-manual-review')[0]?.valueString,
    derived: ext(c, SD + 'criterion-origin')[0]?.valueCode === 'machine-derived',
  }));
}

export async function loadGroup(study: Resource): Promise<Resource | null> {
  const ref = study.enrollment?.[0]?.reference;
  return ref ? fhir(ref) : null;
}

export async function studyView(_q: URLSearchParams, id: string): Promise<Child> {
  const study = await fhir(`ResearchStudy/${encodeURIComponent(id)}`);
  const [group, enrolled] = await Promise.all([
    loadGroup(study),
    fhir<Bundle>(`ResearchSubject?study=ResearchStudy/${encodeURIComponent(id)}&status=${ON_STUDY}&_summary=count`)
      .then((b) => String(b.total ?? 0))
      .catch((e) => { if (e instanceof FhirError && e.status === 401) throw e; return 'unknown'; }),
  ]);
  const recruitment = ext(study, R5 + 'recruitment')[0];
  const target = ext(recruitment, 'targetNumber')[0]?.valueUnsignedInt;
  // The criteria and their curation; after a decision, read again (the Group's new version).
  const curated = h('div', {}, group ? await curationSection(id, group, reload) : h('p', {}, 'This study has no eligibility criteria on record.'));
  const said = h('div', { role: 'status', class: 'saved' });
  const criteriaSection = h('section', { 'aria-labelledby': 'crit-h' },
    h('h2', { id: 'crit-h', tabindex: -1 }, 'Eligibility criteria: protocol wording and computable form'), said, curated);
  async function reload(message: string): Promise<void> {
    try {
      const fresh = await loadGroup(study);
      curated.replaceChildren();
      append(curated, [fresh ? await curationSection(id, fresh, reload) : null]);
      said.replaceChildren(h('p', { class: 'alert success' }, message));
    } catch (error) {
      said.replaceChildren(errorBox(error, 'The criteria could not be read again'));
    }
    (criteriaSection.querySelector('h2') as HTMLElement).focus();
  }
  const sex = ext(study, SD + 'eligibility-sex')[0]?.valueCode;
  const row = (label: string, value: Child) => (value ? [h('dt', {}, label), h('dd', {}, value)] : null);

  const { form: patientSearch, results: found } = patientFinder(id);

  return [
    h('p', { class: 'crumbs' }, h('a', { href: '#/studies' }, '← All studies')),
    h('h1', { tabindex: -1 }, study.title ?? id),
    h('p', { class: 'muted' }, nctId(study)),
    h('div', { class: 'columns' },
      h('section', { 'aria-labelledby': 'design-h' }, h('h2', { id: 'design-h' }, 'Design'),
        h('dl', { class: 'facts' },
          row('Status', studyStatus(study.status)),
          row('Phase', phase(study) || 'not given'),
          row('Study type', design(study, 'study-type')),
          row('Allocation', design(study, 'allocation')),
          row('Intervention model', design(study, 'intervention-model')),
          row('Masking', design(study, 'masking') || 'not given (treated as masked)'),
          row('Who is masked', design(study, 'who-masked')),
          row('Ages', ages(study)),
          row('Sex', sex ? words(sex) : 'all'),
          row('Conditions', (study.condition ?? []).map((c: Resource) => c.text ?? c.coding?.[0]?.code).join('; ')),
          row('Interventions', (study.focus ?? []).map((f: Resource) => `${f.text ?? ''} (${words(f.coding?.[0]?.code)})`).join('; ')),
          row('Enrolment', [h('strong', { class: 'count' }, `${enrolled} enrolled of target ${target ?? 'not set'}`), ' · ',
            h('a', { href: `#/study/${encodeURIComponent(id)}/subjects` }, 'Subjects, visits and adverse events')]),
          row('Sites', (study.site ?? []).map((s: Resource) => s.display ?? s.reference).join('; ')))),
      h('section', { 'aria-labelledby': 'arms-h' }, h('h2', { id: 'arms-h' }, 'Arms'),
        (study.arm ?? []).length ? h('ul', {}, study.arm.map((a: Resource) => h('li', {}, h('strong', {}, a.name), a.type?.text ? ` (${a.type.text})` : '', a.description ? `: ${a.description}` : ''))) : h('p', {}, 'No arms recorded.'),
        study.description ? h('details', {}, h('summary', {}, 'Study description'), h('p', { class: 'prewrap' }, study.description)) : null)),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: `#/study/${encodeURIComponent(id)}/worklist` }, 'Worklist: find candidates'),
      h('a', { href: `#/study/${encodeURIComponent(id)}/log` }, 'Screening log')),
    h('section', { 'aria-labelledby': 'screen-h', class: 'screenbox' }, h('h2', { id: 'screen-h' }, 'Screen a patient'), patientSearch, found),
    criteriaSection,
  ];
}
