import { errorBox, h, words, type Child } from './dom';
import { ext, fhir, fhirExchange, resources, type Bundle, type Resource } from './fhir';

/*
 * Curation of a study's eligibility criteria (ResearchStudy/$curate-criterion): each criterion's
 * protocol words beside its computable form and origin; confirm or reject a machine reading, or
 * edit it with the package's kinds, ValueSets and UCUM units only (never free JSON), after a
 * preview of how the edit changes the population funnel ($screen with the proposed Group).
 */

const SD = 'http://trialfhir.org/fhir/StructureDefinition/';
const VS = 'http://trialfhir.org/fhir/ValueSet/';
const CS = 'http://trialfhir.org/fhir/CodeSystem/';
const KIND_SYSTEM = CS + 'criterion-kind';
const UCUM = 'http://unitsofmeasure.org';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** What an edit of each kind sets, as $curate-criterion's parameters allow (see CodeSystem criterion-kind). */
type Form = { valueSet?: boolean; value?: 'threshold' | 'range' | 'either'; units?: string[] | 'lab' | 'bmi'; lookback?: boolean };
const FORMS: Record<string, Form> = {
  age: { value: 'range', units: ['a', 'mo', 'wk', 'd'] },
  condition: { valueSet: true },
  'condition-active': { valueSet: true },
  'condition-onset': { valueSet: true, value: 'threshold', units: ['mo', 'd'] },
  'observation-value': { valueSet: true, value: 'either', units: 'lab', lookback: true },
  'observation-positive': { valueSet: true, lookback: true },
  'observation-all-negative': { valueSet: true, lookback: true },
  bmi: { value: 'either', units: 'bmi', lookback: true },
  pregnancy: { valueSet: true, lookback: true },
};
const LOOKBACK_UNITS = ['d', 'wk', 'mo', 'a'];
const UNIT_WORDS: Record<string, string> = { a: 'years', mo: 'months', wk: 'weeks', d: 'days' };
const COMPARATORS: [string, string][] = [['', '= (none)'], ['<', '<'], ['<=', '≤'], ['>=', '≥'], ['>', '>']];
const ORIGINS: Record<string, string> = {
  'machine-derived': 'read by machine — to confirm',
  confirmed: 'read by machine, confirmed by a coordinator',
  authored: 'edited by a coordinator',
  registry: 'registry text, judged by a person',
};

/** The package's vocabulary the editor offers, read from the server once per page. */
export type Vocabulary = {
  kinds: Map<string, string>;
  valueSets: Map<string, string>;
  units: Resource[];
  labUnits: Map<string, string[]>;
};

/** Every kind's display, for showing criteria (only editable ones are offered in the editor). */
const KIND_NAMES: Record<string, string> = {};

let vocabulary: Promise<Vocabulary> | null = null;
export function loadVocabulary(): Promise<Vocabulary> {
  vocabulary ??= (async () => {
    const [kinds, sets, units] = await Promise.all([
      fhir<Bundle>(`CodeSystem?url=${encodeURIComponent(KIND_SYSTEM)}`),
      fhir<Bundle>(`ValueSet?url:below=${encodeURIComponent(VS)}&_elements=url,title,name,compose,extension&_count=1000`),
      fhir<Bundle>(`ValueSet?url:below=${encodeURIComponent(VS + 'units-')}&_count=200`),
    ]);
    const kindMap = new Map<string, string>();
    for (const c of resources(kinds)[0]?.concept ?? []) {
      KIND_NAMES[c.code] = c.display ?? words(c.code);
      if (FORMS[c.code]) kindMap.set(c.code, KIND_NAMES[c.code]);
    }
    const valueSets = new Map<string, string>();
    const labUnits = new Map<string, string[]>();
    for (const v of resources(sets)) {
      if (!clinical(v)) continue;
      valueSets.set(v.url, v.title ?? v.name ?? v.url);
      // A lab concept's unit relations name the units its results come in.
      const relations = ext(v, SD + 'lab-concept').flatMap((l) => ext(l, 'unitRelation'));
      const codes = relations.flatMap((r) => [ext(r, 'from')[0]?.valueCode, ext(r, 'to')[0]?.valueCode]).filter(Boolean);
      if (codes.length) labUnits.set(v.url, [...new Set<string>(codes)]);
    }
    return { kinds: kindMap, valueSets: new Map([...valueSets].sort((a, b) => a[1].localeCompare(b[1]))), units: resources(units), labUnits };
  })();
  vocabulary.catch(() => { vocabulary = null; });
  return vocabulary;
}

/** A ValueSet of clinical codes a criterion may name: not units, not the package's own enumerations. */
function clinical(v: Resource): boolean {
  if (String(v.url).startsWith(VS + 'units-')) return false;
  const systems: string[] = (v.compose?.include ?? []).map((i: Resource) => i.system ?? '');
  return systems.some((s) => !s.startsWith(CS) || s === CS + 'trial-lab') || systems.length === 0 && !!v.compose?.include?.length;
}

/** The UCUM units an edit may choose for this kind and ValueSet. */
function unitsFor(kind: string, valueSet: string | undefined, current: string | undefined, v: Vocabulary): string[] {
  const form = FORMS[kind];
  const codes = (vs: Resource | undefined): string[] => (vs?.compose?.include ?? []).filter((i: Resource) => i.system === UCUM).flatMap((i: Resource) => (i.concept ?? []).map((c: Resource) => c.code));
  let units: string[] = [];
  if (Array.isArray(form?.units)) units = form.units;
  else if (form?.units === 'bmi') units = codes(v.units.find((u) => u.url === VS + 'units-bmi'));
  else if (form?.units === 'lab' && valueSet) {
    // The units ValueSet of the analyte (units-c-peptide for c-peptide-fasting), and the lab concept's relations.
    const tail = valueSet.slice(valueSet.lastIndexOf('/') + 1);
    const match = v.units.filter((u) => tail.startsWith(String(u.url).slice((VS + 'units-').length))).sort((a, b) => b.url.length - a.url.length)[0];
    units = [...codes(match), ...(v.labUnits.get(valueSet) ?? [])];
    if (!units.length) units = v.units.flatMap(codes);
  }
  if (current && !units.includes(current)) units = [current, ...units];
  return [...new Set(units)];
}

// ------------------------------------------------------------------ the computable form in words

const quantity = (q: Resource | undefined): string => (q ? `${q.comparator ? q.comparator.replace('<=', '≤').replace('>=', '≥') + ' ' : ''}${q.value} ${UNIT_WORDS[q.code] ?? q.unit ?? q.code ?? ''}`.trim() : '');
function valueText(c: Resource): string {
  if (c.valueQuantity) return quantity(c.valueQuantity);
  if (c.valueRange) {
    const { low, high } = c.valueRange;
    const unit = (q: Resource | undefined) => UNIT_WORDS[q?.code] ?? q?.unit ?? q?.code ?? '';
    if (low && high) return `${low.value} to ${high.value} ${unit(high)}`;
    return low ? `≥ ${low.value} ${unit(low)}` : high ? `≤ ${high.value} ${unit(high)}` : '';
  }
  if (c.valueCodeableConcept) return c.valueCodeableConcept.text ?? c.valueCodeableConcept.coding?.[0]?.code ?? '';
  return '';
}
const kindOf = (c: Resource): string => (c.code?.coding ?? []).find((x: Resource) => x.system === KIND_SYSTEM)?.code ?? c.code?.coding?.[0]?.code ?? '';
const valueSetOf = (c: Resource): string | undefined => ext(c, SD + 'criterion-valueset')[0]?.valueCanonical;
const lookbackOf = (c: Resource): Resource | undefined => ext(c, SD + 'criterion-lookback')[0]?.valueDuration;
const originOf = (c: Resource): string | undefined => ext(c, SD + 'criterion-origin')[0]?.valueCode;

function computable(c: Resource, v: Vocabulary, group: Resource): HTMLElement {
  const kind = kindOf(c);
  const vs = valueSetOf(c);
  const lookback = lookbackOf(c);
  const row = (label: string, value: Child) => (value ? [h('dt', {}, label), h('dd', {}, value)] : null);
  const label = c.valueRange ? 'Range' : c.valueCodeableConcept ? 'Value' : kind === 'condition-onset' ? 'Within' : 'Threshold';
  // An any-of criterion's parts are the characteristics of a contained Group.
  const local = c.valueReference?.reference?.startsWith('#') ? c.valueReference.reference.slice(1) : null;
  const parts: Resource[] = local ? (group.contained ?? []).find((r: Resource) => r.id === local || r.id === '#' + local)?.characteristic ?? [] : [];
  return h('dl', { class: 'facts compact' },
    row('Kind', v.kinds.get(kind) ?? KIND_NAMES[kind] ?? words(kind)),
    row('Codes', vs ? (v.valueSets.get(vs) ?? vs) : ''),
    row(label, valueText(c)),
    row('Look-back', lookback ? `${lookback.value} ${UNIT_WORDS[lookback.code] ?? lookback.unit ?? lookback.code}` : ''),
    row('Any of', parts.length ? h('ul', { class: 'parts' }, parts.map((p) => h('li', {}, p.code?.text ?? (valueSetOf(p) ? v.valueSets.get(valueSetOf(p)!) : null) ?? words(kindOf(p)),
      !p.code?.text && valueText(p) ? ` ${valueText(p)}` : ''))) : ''));
}

// ------------------------------------------------------------------ the criteria table

type Context = { studyId: string; group: Resource; reload: (message: string) => Promise<void> | void };

/** The criteria with their computable form, origin and the coordinator's actions. */
export async function curationSection(studyId: string, group: Resource, reload: Context['reload']): Promise<Child> {
  let v: Vocabulary;
  try {
    v = await loadVocabulary();
  } catch (error) {
    return errorBox(error, 'The package vocabulary (criterion kinds, ValueSets) could not be read');
  }
  const context: Context = { studyId, group, reload };
  const table = (exclude: boolean, caption: string) => {
    const items = (group.characteristic ?? []).filter((c: Resource) => !!c.exclude === exclude);
    return h('table', { class: 'curation' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ['Protocol text', 'Computable form', 'Origin', 'Coordinator'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, items.length ? items.map((c: Resource) => criterionRow(c, v, context)) : h('tr', {}, h('td', { colspan: 4 }, 'None.'))));
  };
  return [
    h('p', { class: 'muted' }, `Criteria version ${group.meta?.versionId ?? '1'} (Group/${group.id}). `,
      'A criterion read by machine never excludes a patient until a coordinator confirms or edits it.'),
    table(false, 'Inclusion'),
    table(true, 'Exclusion'),
  ];
}

function criterionRow(c: Resource, v: Vocabulary, context: Context): HTMLElement[] {
  const kind = kindOf(c);
  const origin = originOf(c);
  const description = ext(c, SD + 'criterion-description')[0]?.valueString ?? c.code?.text ?? c.id;
  const review = ext(c, SD + 'criterion-manual-review')[0]?.valueString;
  const status = h('div', { 'aria-live': 'polite' });
  const editorRow = h('tr', { class: 'editor', hidden: true }, h('td', { colspan: 4 }));
  const act = async (action: 'confirm' | 'reject', button: HTMLButtonElement) => {
    button.disabled = true;
    status.replaceChildren(h('p', {}, action === 'confirm' ? 'Confirming…' : 'Rejecting…'));
    try {
      const saved = await curate(context.studyId, c.id!, action, []);
      context.reload(`${c.id} ${action === 'confirm' ? 'confirmed' : 'rejected: a person judges it from its text'}; criteria version ${saved.meta?.versionId}.`);
    } catch (error) {
      button.disabled = false;
      status.replaceChildren(errorBox(error, `Could not ${action} ${c.id}`));
    }
  };
  const actions: Child[] = [];
  if (origin === 'machine-derived') {
    const confirm = h('button', { type: 'button', 'aria-label': `Confirm ${c.id}` }, 'Confirm');
    confirm.addEventListener('click', () => void act('confirm', confirm));
    const reject = h('button', { type: 'button', 'aria-label': `Reject ${c.id}` }, 'Reject');
    reject.addEventListener('click', () => void act('reject', reject));
    actions.push(confirm, reject);
  }
  const edit = h('button', { type: 'button', 'aria-label': `Edit ${c.id}`, 'aria-expanded': 'false', 'aria-controls': `edit-${c.id}` }, 'Edit');
  edit.addEventListener('click', () => {
    const open = editorRow.hidden;
    editorRow.hidden = !open;
    edit.setAttribute('aria-expanded', String(open));
    if (open) {
      const cell = editorRow.firstElementChild as HTMLElement;
      cell.replaceChildren(editor(c, v, context, () => { editorRow.hidden = true; edit.setAttribute('aria-expanded', 'false'); edit.focus(); }));
      (cell.querySelector('select, input') as HTMLElement | null)?.focus();
    }
  });
  actions.push(edit);
  return [
    h('tr', { 'data-criterion': c.id, class: origin === 'machine-derived' ? 'derived' : '' },
      h('th', { scope: 'row' }, description, h('div', { class: 'muted' }, c.id),
        review ? h('div', { class: 'tag review' }, 'Needs a person: ', review) : null),
      h('td', {}, kind === 'manual-review' ? h('span', { class: 'tag review' }, 'Judged by a person') : computable(c, v, context.group)),
      h('td', {}, origin === 'machine-derived' ? h('span', { class: 'tag derived' }, ORIGINS[origin]) : ORIGINS[origin ?? ''] ?? (origin ? words(origin) : 'written for this study')),
      h('td', {}, h('div', { class: 'inline' }, actions), status)),
    editorRow,
  ];
}

// ------------------------------------------------------------------ the editor

/** The edit as $curate-criterion parameters, and the same edit applied to a copy of the Group. */
type Proposal = { parameter: Json[]; group: Resource };

function editor(c: Resource, v: Vocabulary, context: Context, close: () => void): HTMLElement {
  const id = (name: string) => `edit-${c.id}-${name}`;
  const field = (label: string, control: HTMLElement) => h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  const select = (name: string, options: [string, string][], value: string | undefined) =>
    h('select', { id: id(name), name }, options.map(([val, text]) => h('option', { value: val, selected: val === value }, text)));
  const number = (name: string, value: unknown) => h('input', { id: id(name), name, type: 'number', step: 'any', inputmode: 'decimal', value: value == null ? '' : String(value), size: '8' });

  const currentKind = kindOf(c);
  const form = h('form', { class: 'curate', id: `edit-${c.id}`, 'aria-label': `Edit criterion ${c.id}` });
  const kind = select('kind', [...v.kinds].map(([code, display]) => [code, display]), FORMS[currentKind] ? currentKind : 'observation-value');
  const valueSet = select('valueSet', [['', '— choose —'], ...v.valueSets], valueSetOf(c));
  const shape = select('shape', [['threshold', 'A threshold'], ['range', 'A range']], c.valueRange ? 'range' : 'threshold');
  const comparator = select('comparator', COMPARATORS, c.valueQuantity?.comparator ?? '');
  const value = number('value', c.valueQuantity?.value);
  const low = number('low', c.valueRange?.low?.value);
  const high = number('high', c.valueRange?.high?.value);
  const unit = h('select', { id: id('unit'), name: 'unit' });
  const lookback = number('lookback', lookbackOf(c)?.value);
  const lookbackUnit = select('lookbackUnit', LOOKBACK_UNITS.map((u) => [u, UNIT_WORDS[u]]), lookbackOf(c)?.code ?? 'd');
  const reason = h('input', { id: id('reason'), name: 'reason', size: '40', autocomplete: 'off' });
  const currentUnit = c.valueQuantity?.code ?? c.valueRange?.high?.code ?? c.valueRange?.low?.code;

  const parts = {
    valueSet: field('Codes (ValueSet)', valueSet),
    shape: field('Value', shape),
    threshold: h('div', { class: 'inline' }, field('Comparator', comparator), field('Threshold', value)),
    range: h('div', { class: 'inline' }, field('From', low), field('To', high)),
    unit: field('Unit (UCUM)', unit),
    lookback: h('div', { class: 'inline' }, field('Look-back', lookback), field('Look-back unit', lookbackUnit)),
  };
  const refresh = () => {
    const f = FORMS[kind.value] ?? {};
    parts.valueSet.hidden = !f.valueSet;
    parts.shape.hidden = f.value !== 'either';
    if (f.value === 'range') shape.value = 'range';
    if (f.value === 'threshold') shape.value = 'threshold';
    parts.threshold.hidden = !f.value || shape.value !== 'threshold';
    parts.range.hidden = !f.value || shape.value !== 'range';
    parts.unit.hidden = !f.value;
    parts.lookback.hidden = !f.lookback;
    const chosen = unit.value || currentUnit;
    const units = unitsFor(kind.value, valueSet.value || undefined, currentUnit, v);
    unit.replaceChildren(...units.map((u) => h('option', { value: u, selected: u === chosen }, UNIT_WORDS[u] ? `${u} (${UNIT_WORDS[u]})` : u)));
  };
  kind.addEventListener('change', refresh);
  valueSet.addEventListener('change', refresh);
  shape.addEventListener('change', refresh);
  refresh();

  const funnel = h('div', { 'aria-live': 'polite', class: 'preview' });
  const status = h('div', { 'aria-live': 'polite' });
  const preview = h('button', { type: 'button' }, 'Preview funnel');
  const save = h('button', { type: 'submit', class: 'primary' }, `Save edit of ${c.id}`);
  const cancel = h('button', { type: 'button' }, 'Cancel');
  cancel.addEventListener('click', close);
  form.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });

  /** The edit, checked here only for what the form cannot say; the server checks the rest. */
  const proposal = (): Proposal => {
    const f = FORMS[kind.value] ?? {};
    const parameter: Json[] = [];
    if (kind.value !== currentKind) parameter.push({ name: 'kind', valueCode: kind.value });
    if (f.valueSet) {
      if (!valueSet.value) throw new Error('Choose the ValueSet of the criterion’s codes.');
      parameter.push({ name: 'valueSet', valueCanonical: valueSet.value });
    }
    const q = (input: HTMLInputElement, extra: Json = {}) =>
      input.value.trim() === '' ? undefined : { value: Number(input.value), ...extra, unit: unit.value, system: UCUM, code: unit.value };
    if (f.value && shape.value === 'threshold') {
      const threshold = q(value, comparator.value ? { comparator: comparator.value } : {});
      if (!threshold) throw new Error('Give the threshold’s value.');
      parameter.push({ name: 'threshold', valueQuantity: threshold });
    } else if (f.value) {
      const range = { low: q(low), high: q(high) };
      if (!range.low && !range.high) throw new Error('Give at least one bound of the range.');
      parameter.push({ name: 'range', valueRange: range });
    }
    if (f.lookback && lookback.value.trim() !== '') {
      parameter.push({ name: 'lookback', valueDuration: { value: Number(lookback.value), unit: UNIT_WORDS[lookbackUnit.value], system: UCUM, code: lookbackUnit.value } });
    }
    if (!parameter.length) throw new Error('Nothing changed.');
    return { parameter, group: applyEdit(context.group, c.id!, parameter) };
  };

  preview.addEventListener('click', async () => {
    let p: Proposal;
    try {
      p = proposal();
    } catch (error) {
      funnel.replaceChildren(errorBox(error, 'Cannot preview'));
      return;
    }
    preview.disabled = true;
    funnel.replaceChildren(h('p', { role: 'status' }, 'Screening the population with the current and the proposed criteria…'));
    try {
      const [now, then] = await Promise.all([screen(context.studyId, null), screen(context.studyId, p.group)]);
      funnel.replaceChildren(funnelTable(context.group, c.id!, now, then));
    } catch (error) {
      funnel.replaceChildren(errorBox(error, 'The preview failed'));
    } finally {
      preview.disabled = false;
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let p: Proposal;
    try {
      p = proposal();
    } catch (error) {
      status.replaceChildren(errorBox(error, 'Cannot save'));
      return;
    }
    if (reason.value.trim()) p.parameter.push({ name: 'reason', valueString: reason.value.trim() });
    save.disabled = true;
    status.replaceChildren(h('p', {}, 'Saving…'));
    try {
      const saved = await curate(context.studyId, c.id!, 'edit', p.parameter);
      context.reload(`${c.id} edited; criteria version ${saved.meta?.versionId}.`);
    } catch (error) {
      save.disabled = false;
      status.replaceChildren(errorBox(error, `Could not save the edit of ${c.id}`));
    }
  });

  form.append(
    h('fieldset', {}, h('legend', {}, `Edit ${c.id}: computable form`),
      field('Kind', kind), parts.valueSet, parts.shape, parts.threshold, parts.range, parts.unit, parts.lookback,
      field('Reason (kept in the record)', reason)),
    h('div', { class: 'actions' }, preview, save, cancel),
    funnel, status);
  return form;
}

/** The Group after the edit, as $curate-criterion will write it: for the preview only. */
function applyEdit(group: Resource, criterionId: string, parameter: Json[]): Resource {
  const copy: Resource = JSON.parse(JSON.stringify(group));
  delete copy.meta;
  const c = (copy.characteristic ?? []).find((x: Resource) => x.id === criterionId);
  const setExt = (url: string, value: Json | null) => {
    c.extension = (c.extension ?? []).filter((e: Resource) => e.url !== url);
    if (value) c.extension.push({ url, ...value });
  };
  for (const p of parameter) {
    if (p.name === 'kind') {
      // An any-of criterion's parts (a contained Group) go with its old form.
      const local = c.valueReference?.reference?.startsWith('#') ? c.valueReference.reference.slice(1) : null;
      if (local) {
        copy.contained = (copy.contained ?? []).filter((r: Resource) => r.id !== local && r.id !== '#' + local);
        delete c.valueReference;
      }
      c.code = { ...c.code, coding: [...(c.code?.coding ?? []).filter((x: Resource) => x.system !== KIND_SYSTEM), { system: KIND_SYSTEM, code: p.valueCode }] };
    }
    if (p.name === 'valueSet') setExt(SD + 'criterion-valueset', { valueCanonical: p.valueCanonical });
    if (p.name === 'threshold' || p.name === 'range') {
      for (const key of Object.keys(c)) if (key.startsWith('value')) delete c[key];
      if (p.valueQuantity) c.valueQuantity = p.valueQuantity;
      else c.valueRange = p.valueRange;
    }
    if (p.name === 'lookback') setExt(SD + 'criterion-lookback', { valueDuration: p.valueDuration });
  }
  setExt(SD + 'criterion-origin', { valueCode: 'authored' });
  return copy;
}

async function curate(studyId: string, criterion: string, action: string, more: Json[]): Promise<Resource> {
  return fhir(`ResearchStudy/${encodeURIComponent(studyId)}/$curate-criterion`, {
    method: 'POST',
    body: { resourceType: 'Parameters', parameter: [{ name: 'criterion', valueString: criterion }, { name: 'action', valueCode: action }, ...more] },
  });
}

// ------------------------------------------------------------------ the funnel preview

type Funnel = { patients: number; verdicts: Record<string, number>; criteria: Record<string, Record<string, number>> };

/** $screen of the whole population (asynchronous: started, then polled), against a proposal or the study's own criteria. */
async function screen(studyId: string, proposed: Resource | null): Promise<Funnel> {
  const parameter: Json[] = [];
  if (proposed) parameter.push({ name: 'eligibility', resource: proposed });
  const started = await fhirExchange(`ResearchStudy/${encodeURIComponent(studyId)}/$screen`, {
    method: 'POST', body: { resourceType: 'Parameters', parameter }, headers: { Prefer: 'respond-async' },
  });
  const poll = started.location ?? '';
  if (started.status !== 202 || !poll.includes('$screen-status')) throw new Error('The server did not start a screening.');
  const path = poll.slice(poll.indexOf('$screen-status'));
  for (let wait = 300; ; wait = Math.min(wait * 1.5, 3000)) {
    await new Promise((r) => setTimeout(r, wait));
    const answer = await fhirExchange(path);
    if (answer.status === 200) return funnelOf(answer.body);
  }
}

function funnelOf(report: Resource): Funnel {
  const out: Funnel = { patients: 0, verdicts: {}, criteria: {} };
  for (const p of report.parameter ?? []) {
    if (p.name === 'patients') out.patients = p.valueInteger;
    if (p.name === 'verdicts') for (const part of p.part ?? []) out.verdicts[part.name] = part.valueInteger;
    if (p.name === 'funnel') {
      const name = (p.part ?? []).find((x: Resource) => x.name === 'criterion')?.valueString;
      out.criteria[name] = Object.fromEntries((p.part ?? []).filter((x: Resource) => x.name !== 'criterion').map((x: Resource) => [x.name, x.valueInteger]));
    }
  }
  return out;
}

const OUTCOME_COLUMNS: [string, string][] = [['pass', 'Pass'], ['fail', 'Fail'], ['missing-data', 'Missing data'], ['manual-review', 'Needs review']];
const VERDICT_ROWS: [string, string][] = [['eligible', 'Eligible'], ['needs-review', 'Needs review'], ['insufficient-data', 'Insufficient data'], ['ineligible', 'Not eligible']];

function funnelTable(group: Resource, edited: string, now: Funnel, then: Funnel): HTMLElement {
  const cell = (a: number | undefined, b: number | undefined) => {
    const [x, y] = [a ?? 0, b ?? 0];
    return h('td', { class: x === y ? '' : 'changed' }, `${x} → ${y}`, x === y ? '' : h('span', { class: 'visually-hidden' }, ' (changed)'));
  };
  const ids: string[] = (group.characteristic ?? []).map((c: Resource) => c.id);
  return h('div', { class: 'funnel' },
    h('p', { role: 'status' }, `Preview over ${then.patients} patients: the current criteria → with this edit (nothing saved yet).`),
    h('p', { class: 'muted' }, 'A patient ruled out before the full evaluation is counted only under the criterion that ruled them out.'),
    h('table', { class: 'preview-verdicts' },
      h('caption', {}, 'Patients per verdict'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Verdict'), h('th', { scope: 'col' }, 'Current → proposed'))),
      h('tbody', {}, VERDICT_ROWS.map(([code, text]) => h('tr', { 'data-verdict': code }, h('th', { scope: 'row' }, text), cell(now.verdicts[code], then.verdicts[code]))))),
    h('table', { class: 'preview-funnel' },
      h('caption', {}, 'Per criterion: patients by outcome, current → proposed'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Criterion'), OUTCOME_COLUMNS.map(([, t]) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ids.map((id) => h('tr', { 'data-criterion': id, class: id === edited ? 'edited' : '' },
        h('th', { scope: 'row' }, id, id === edited ? ' (edited)' : ''),
        OUTCOME_COLUMNS.map(([code]) => cell(now.criteria[id]?.[code], then.criteria[id]?.[code])))))));
}
