import { tokenMayCreate } from './auth';
import { errorBox, h, today, words } from './dom';
import { FhirError, fhir, resources, type Bundle, type Resource } from './fhir';

/**
 * The choices of the adverse-event form come from the server's terminology, never from the page:
 * FHIR R4's own code systems for seriousness, severity and outcome, the package's ae-relatedness
 * for causality (the code the endpoint report's table counts).
 */
const VALUE_SETS = {
  seriousness: 'http://hl7.org/fhir/ValueSet/adverse-event-seriousness',
  severity: 'http://hl7.org/fhir/ValueSet/adverse-event-severity',
  outcome: 'http://hl7.org/fhir/ValueSet/adverse-event-outcome',
  causality: 'http://trialfhir.org/fhir/ValueSet/ae-relatedness',
} as const;
type Field = keyof typeof VALUE_SETS;
type Choice = { system: string; code: string; display: string };

const expansions = new Map<string, Promise<Choice[]>>();
function choices(url: string): Promise<Choice[]> {
  if (!expansions.has(url)) {
    expansions.set(url, fhir(`ValueSet/$expand?url=${encodeURIComponent(url)}`).then((vs) =>
      (vs.expansion?.contains ?? []).map((c: Resource) => ({ system: c.system, code: c.code, display: c.display ?? words(c.code) }))));
    expansions.get(url)!.catch(() => expansions.delete(url));
  }
  return expansions.get(url)!;
}

const display = (concept: Resource | undefined): string =>
  concept?.coding?.[0]?.display ?? concept?.text ?? words(concept?.coding?.[0]?.code) ?? '—';
const causalityOf = (ae: Resource): Resource | undefined => ae.suspectEntity?.flatMap((s: Resource) => s.causality ?? [])[0]?.assessment;

function list(events: Resource[]): HTMLElement {
  if (!events.length) return h('p', { 'data-ae-list': '' }, 'No adverse event recorded for this subject in this study.');
  return h('table', { class: 'adverse', 'data-ae-list': '' },
    h('caption', {}, `${events.length} adverse event${events.length === 1 ? '' : 's'}, latest first`),
    h('thead', {}, h('tr', {}, ['Date', 'Event', 'Seriousness', 'Severity', 'Related to the study treatment', 'Outcome', 'Recorded'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, events.map((ae) => h('tr', { 'data-ae': ae.id },
      h('th', { scope: 'row' }, (ae.date ?? '—').slice(0, 10)),
      h('td', {}, ae.event?.text ?? display(ae.event)),
      h('td', {}, display(ae.seriousness)),
      h('td', {}, display(ae.severity)),
      h('td', {}, causalityOf(ae) ? display(causalityOf(ae)) : 'Not assessed yet'),
      h('td', {}, display(ae.outcome)),
      h('td', {}, (ae.recordedDate ?? ae.meta?.lastUpdated ?? '').replace('T', ' ').slice(0, 16))))));
}

function select(id: string, label: string, options: Choice[], required: boolean, empty?: string): [HTMLElement, HTMLSelectElement] {
  const control = h('select', { id, name: id, required },
    h('option', { value: '' }, empty ?? 'Choose…'),
    options.map((o) => h('option', { value: `${o.system}|${o.code}` }, o.display)));
  return [h('div', { class: 'field' }, h('label', { for: id }, label), control), control];
}

type Concept = { coding: Choice[] };
const concept = (value: string, options: Choice[]): Concept | undefined => {
  const picked = options.find((o) => `${o.system}|${o.code}` === value);
  return picked ? { coding: [{ system: picked.system, code: picked.code, display: picked.display }] } : undefined;
};

/** The subject's adverse events in this study and the form that records one (R4 AdverseEvent). */
export async function adverseEventsSection(studyId: string, patientRef: string, name: string): Promise<HTMLElement> {
  const studyRef = `ResearchStudy/${studyId}`;
  const listed = h('div', {});
  const section = h('section', { 'aria-labelledby': 'ae-h' }, h('h2', { id: 'ae-h' }, 'Adverse events'), listed);
  const load = async () => {
    const bundle = await fhir<Bundle>(`AdverseEvent?subject=${encodeURIComponent(patientRef)}&study=${encodeURIComponent(studyRef)}&_sort=-date&_count=200`);
    listed.replaceChildren(list(resources(bundle)));
  };
  try {
    await load();
  } catch (error) {
    if (error instanceof FhirError && error.status === 401) throw error;
    listed.replaceChildren(errorBox(error, 'The adverse events could not be read'));
  }

  if (tokenMayCreate('AdverseEvent') === false) {
    section.append(h('p', { class: 'muted', 'data-ae-readonly': '' },
      'Your access lets you read adverse events, not record them: a study coordinator records them.'));
    return section;
  }
  let options: Record<Field, Choice[]>;
  try {
    const all = await Promise.all((Object.keys(VALUE_SETS) as Field[]).map((f) => choices(VALUE_SETS[f])));
    options = Object.fromEntries((Object.keys(VALUE_SETS) as Field[]).map((f, i) => [f, all[i]])) as Record<Field, Choice[]>;
  } catch (error) {
    section.append(errorBox(error, 'The adverse-event form cannot be offered: the server did not give its choices'));
    return section;
  }

  const description = h('input', { id: 'ae-event', name: 'ae-event', required: true, autocomplete: 'off', size: 60 });
  const date = h('input', { id: 'ae-date', name: 'ae-date', type: 'date', required: true, value: today(), max: today() });
  const [seriousField, serious] = select('ae-seriousness', 'Seriousness', options.seriousness, true);
  const [severityField, severity] = select('ae-severity', 'Severity', options.severity, true);
  const [causalityField, causality] = select('ae-causality', 'Related to the study treatment (investigator’s assessment)', options.causality, false, 'Not assessed yet');
  const [outcomeField, outcome] = select('ae-outcome', 'Outcome', options.outcome, true);
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Record adverse event');
  const form = h('form', { class: 'ae-form', 'aria-labelledby': 'ae-form-h' },
    h('h3', { id: 'ae-form-h' }, `Record an adverse event of ${name}`),
    h('div', { class: 'field' }, h('label', { for: 'ae-event' }, 'What happened'), description,
      h('small', { class: 'muted' }, 'In clinical words, e.g. “Hypoglycaemia, treated with oral glucose”.')),
    h('div', { class: 'field' }, h('label', { for: 'ae-date' }, 'Date it began'), date),
    h('div', { class: 'ae-grid' }, seriousField, severityField, causalityField, outcomeField),
    h('p', { class: 'muted' }, 'Causality is assessed against the study treatment as a whole: the arm is not named, so the record keeps the blind.'),
    h('div', { class: 'actions' }, submit), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const assessed = concept(causality.value, options.causality);
    const body: Resource = {
      resourceType: 'AdverseEvent',
      actuality: 'actual',
      event: { text: description.value.trim() },
      subject: { reference: patientRef },
      date: date.value,
      recordedDate: new Date().toISOString(),
      seriousness: concept(serious.value, options.seriousness),
      severity: concept(severity.value, options.severity),
      outcome: concept(outcome.value, options.outcome),
      study: [{ reference: studyRef }],
      // The suspect is the study treatment, not an arm's product: naming it would unblind.
      ...(assessed ? { suspectEntity: [{ instance: { display: 'Study treatment (blinded)' }, causality: [{ assessment: assessed }] }] } : {}),
    };
    submit.disabled = true;
    try {
      await fhir('AdverseEvent', { method: 'POST', body });
      form.reset();
      date.value = today();
      await load();
      status.replaceChildren(h('p', { class: 'alert success', role: 'status' }, `The adverse event of ${name} is recorded and listed above.`));
    } catch (error) {
      const title = error instanceof FhirError && error.status === 403
        ? 'Not recorded: your access does not allow recording adverse events' : 'The adverse event could not be recorded';
      status.replaceChildren(errorBox(error, title));
    } finally {
      submit.disabled = false;
    }
  });
  section.append(form);
  return section;
}
