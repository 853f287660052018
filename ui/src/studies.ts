import { append, errorBox, h, today, words, type Child } from './dom';
import { curationSection } from './curate';
import { FhirError, ext, fhir, link, personName, resources, type Bundle, type Resource } from './fhir';

const SD = 'http://trialfhir.org/fhir/StructureDefinition/';
const R5 = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.';
const CTGOV = 'http://trialfhir.org/fhir/CodeSystem/ctgov-';
const ON_STUDY = 'on-study,on-study-intervention,on-study-observation,follow-up';

const PHASES = ['n-a', 'early-phase-1', 'phase-1', 'phase-1-phase-2', 'phase-2', 'phase-2-phase-3', 'phase-3', 'phase-4'];
const INTERVENTIONS = ['BEHAVIORAL', 'BIOLOGICAL', 'COMBINATION_PRODUCT', 'DEVICE', 'DIAGNOSTIC_TEST', 'DIETARY_SUPPLEMENT', 'DRUG', 'GENETIC', 'PROCEDURE', 'RADIATION', 'OTHER'];
const STATUSES: [string, string][] = [['active', 'Recruiting (active)'], ['', 'Any status'], ['approved', 'Not yet recruiting (approved)'], ['closed-to-accrual', 'Closed to accrual'], ['completed', 'Completed']];

export const nctId = (s: Resource): string =>
  (s.identifier ?? []).find((i: Resource) => /clinicaltrials\.gov/.test(i.system ?? ''))?.value ?? s.identifier?.[0]?.value ?? s.id;
const phase = (s: Resource): string => s.phase?.coding?.[0]?.display ?? words(s.phase?.coding?.[0]?.code) ?? '';
function ages(s: Resource): string {
  const range = ext(s, SD + 'eligibility-age-range')[0]?.valueRange;
  if (!range) return 'any age';
  const unit = (q: Resource | undefined) => (q?.code === 'a' || !q ? 'years' : q.unit ?? q.code);
  if (range.low && range.high) return `${range.low.value} to ${range.high.value} ${unit(range.high)}`;
  return range.low ? `${range.low.value} ${unit(range.low)} and over` : `up to ${range.high.value} ${unit(range.high)}`;
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

/** Finds studies; falls back to Location?near when the server has no chained site.near. */
async function searchStudies(q: URLSearchParams): Promise<{ studies: Resource[]; note?: string }> {
  const params = new URLSearchParams();
  for (const name of ['title:contains', 'condition:text', 'eligible-age', 'eligibility-sex', 'phase', 'intervention-type', 'status']) {
    const value = q.get(name)?.trim();
    if (value) params.set(name, value);
  }
  const [lat, lon, km] = ['lat', 'lon', 'km'].map((n) => q.get(n)?.trim());
  params.set('_count', '100');
  if (lat && lon) {
    const near = `${lat}|${lon}|${km || '50'}|km`;
    try {
      return { studies: resources(await fhir<Bundle>(`ResearchStudy?${params}&site.near=${encodeURIComponent(near)}`)) };
    } catch (error) {
      if (!(error instanceof FhirError && error.status === 400)) throw error;
    }
    const sites = resources(await fhir<Bundle>(`Location?near=${encodeURIComponent(near)}&_elements=id&_count=200`));
    if (!sites.length) return { studies: [], note: `No study site within ${km || '50'} km.` };
    params.set('site', sites.map((l) => `Location/${l.id}`).join(','));
  }
  return { studies: resources(await fhir<Bundle>(`ResearchStudy?${params}`)) };
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
    field('Phase', select('f-phase', 'phase', [['', 'Any'], ...PHASES.map((p): [string, string] => [p, p === 'n-a' ? 'Not applicable' : words(p)])], q.get('phase') ?? '')),
    field('Intervention type', select('f-intervention', 'intervention-type', [['', 'Any'], ...INTERVENTIONS.map((c): [string, string] => [c, words(c)])], q.get('intervention-type') ?? '')),
    field('Status', select('f-status', 'status', STATUSES, q.get('status') ?? '')),
    h('fieldset', { class: 'near' }, h('legend', {}, 'Site near (optional)'),
      field('Latitude', input('f-lat', 'lat', { inputmode: 'decimal', size: '8' })),
      field('Longitude', input('f-lon', 'lon', { inputmode: 'decimal', size: '8' })),
      field('Within km', input('f-km', 'km', { type: 'number', min: '1', size: '5', placeholder: '50' }))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Search studies'),
      h('a', { href: '#/studies?status=' }, 'Clear filters')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = new URLSearchParams();
    new FormData(form).forEach((value, name) => params.set(name, String(value).trim()));
    for (const [name, value] of [...params]) if (!value && name !== 'status') params.delete(name);
    location.hash = `#/studies?${params}`;
  });

  let results: Child;
  try {
    const { studies, note } = await searchStudies(q);
    studies.sort((a, b) => String(a.title).localeCompare(String(b.title)));
    results = [
      h('p', { role: 'status' }, `${studies.length} ${studies.length === 1 ? 'study' : 'studies'} found.`, note ? ' ' + note : ''),
      studies.length ? h('table', {},
        h('thead', {}, h('tr', {}, ['Study', 'Status', 'Phase', 'Conditions', 'Ages', 'Interventions'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, studies.map((s) => h('tr', {},
          h('th', { scope: 'row' }, h('a', { href: `#/study/${encodeURIComponent(s.id!)}` }, s.title ?? s.id), h('div', { class: 'muted' }, nctId(s))),
          h('td', {}, words(s.status)),
          h('td', {}, phase(s) || '—'),
          h('td', {}, (s.condition ?? []).map((c: Resource) => c.text ?? c.coding?.[0]?.display ?? c.coding?.[0]?.code).join('; ')),
          h('td', {}, ages(s)),
          h('td', {}, [...new Set((s.focus ?? []).map((f: Resource) => words(f.coding?.[0]?.code)))].join(', ')))))) : null,
    ];
  } catch (error) {
    results = errorBox(error, 'The study search failed');
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
          row('Status', words(study.status)),
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
          row('Enrolment', h('strong', { class: 'count' }, `${enrolled} enrolled of target ${target ?? 'not set'}`)),
          row('Sites', (study.site ?? []).map((s: Resource) => s.display ?? s.reference).join('; ')))),
      h('section', { 'aria-labelledby': 'arms-h' }, h('h2', { id: 'arms-h' }, 'Arms'),
        (study.arm ?? []).length ? h('ul', {}, study.arm.map((a: Resource) => h('li', {}, h('strong', {}, a.name), a.type?.text ? ` (${a.type.text})` : '', a.description ? `: ${a.description}` : ''))) : h('p', {}, 'No arms recorded.'),
        study.description ? h('details', {}, h('summary', {}, 'Study description'), h('p', { class: 'prewrap' }, study.description)) : null)),
    h('section', { 'aria-labelledby': 'screen-h', class: 'screenbox' }, h('h2', { id: 'screen-h' }, 'Screen a patient'), patientSearch, found),
    criteriaSection,
  ];
}
