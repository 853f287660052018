import { h, type Child } from './dom';
import { fhir, personName, resources, type Bundle } from './fhir';
import { nctId } from './studies';

/**
 * A patient opened from the EHR without a study in the launch context: the recruiting studies,
 * each a link to this patient's screening for it.
 */
export async function patientView(_q: URLSearchParams, patientId: string): Promise<Child> {
  const [patient, studies] = await Promise.all([
    fhir(`Patient/${encodeURIComponent(patientId)}`),
    fhir<Bundle>('ResearchStudy?status=active&_count=100&_elements=title,identifier'),
  ]);
  const name = personName(patient);
  const list = resources(studies);
  return [
    h('h1', { tabindex: -1 }, name),
    h('p', { class: 'muted' }, `Born ${patient.birthDate ?? 'unknown'} · `,
      (patient.identifier ?? []).map((i: { value?: string }) => i.value).filter(Boolean).join(', ') || 'no identifier on record'),
    h('h2', {}, 'Screen for a recruiting study'),
    list.length
      ? h('ul', { class: 'plain' }, list.map((s) => h('li', {},
          h('a', { href: `#/study/${encodeURIComponent(s.id ?? '')}/screen/${encodeURIComponent(patientId)}`, 'aria-label': `Screen ${name} for ${s.title ?? s.id}` },
            `${nctId(s)}: ${s.title ?? s.id}`))))
      : h('p', {}, 'No study is recruiting.'),
  ];
}
