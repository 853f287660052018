/**
 * The server's refusals in the words of the person at the page. The server names resources by id,
 * API parameters and HAPI's message codes: what a developer needs, and kept under "Details"; what a
 * coordinator reads says what happened and what to do, without ids or codes.
 */

/** Resource types as a coordinator names them. */
const THINGS: Record<string, string> = {
  Patient: 'the patient',
  ResearchStudy: 'the study',
  ResearchSubject: "the patient's enrolment record",
  Consent: 'the consent',
  Group: "the study's criteria",
  Observation: 'the result',
  Condition: 'the diagnosis',
  Practitioner: 'the clinician',
  Location: 'the site',
};
const thing = (type: string): string => THINGS[type] ?? `the ${type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} record`;

/** The resource types a refusal may name (not every capitalised word before a slash: "IU/L"). */
const TYPES = 'Patient|ResearchStudy|ResearchSubject|Consent|Group|Observation|Condition|Practitioner|PractitionerRole|Location|Organization|'
  + 'Encounter|Procedure|MedicationStatement|MedicationRequest|AllergyIntolerance|Provenance|Task|PlanDefinition|ActivityDefinition|ValueSet|'
  + 'CodeSystem|AdverseEvent|DiagnosticReport|Immunization|FamilyMemberHistory|Subscription|AuditEvent|Measure|MeasureReport|DocumentReference|'
  + 'ServiceRequest|CarePlan|Appointment|QuestionnaireResponse|Questionnaire|Basic|Binary';
/** A reference as HAPI writes it (Type/id, with or without base URL and version). */
const REFERENCE = new RegExp(`(?:https?://\\S+?/)?\\b(${TYPES})/[A-Za-z0-9\\-.]{1,64}(?:/_history/\\d+)?`, 'g');

/**
 * One message of the server in plain words, or the message itself when it is plain already; never
 * with a HAPI code, an API parameter name or a resource id.
 */
export function plainMessage(text: string, status = 0, names: Record<string, string> = {}): string {
  let t = text.replace(/\bHAPI-\d{3,4}:\s*/g, '').trim();
  const unknown = /^Resource ([A-Z][A-Za-z]+)\/\S+ is not known$/.exec(t);
  if (unknown || (status === 404 && /not (known|found)/i.test(t))) {
    const what = unknown ? thing(unknown[1]) : 'the record';
    return `${capital(what)} could not be found: it may have been removed, or the link is out of date.`;
  }
  const near = /^site\.near=.* is refused: (.*?)\. It takes/.exec(t);
  if (near || /Invalid (position|lat|lon)/i.test(t)) {
    return `The distance search needs both a latitude and a longitude, in decimal degrees (e.g. 52.37 and 4.89)${near ? `: the server found ${near[1]}` : ''}.`;
  }
  if (status === 412 || /version conflict|HTTP 412/i.test(t)) {
    return 'Someone else changed this record in the meantime. Reload the page and try again.';
  }
  if (status === 403 && !/investigator/i.test(t)) {
    return 'Your account is not allowed to do this. Ask someone with the right role, or your administrator.';
  }
  t = t.replace(/\s*\(parameter '[^']+'\)/g, '')
    .replace(new RegExp(`\\s*\\((?:${TYPES})/[A-Za-z0-9\\-.]{1,64}(?:, status ([a-z-]+))?\\)`, 'g'),
      (_m, status?: string) => (status ? ` (status ${status})` : ''))
    .replace(REFERENCE, (reference: string, type: string, at: number) => {
      const said = names[reference.replace(/^https?:\/\/\S+?\/(?=[A-Z])/, '').replace(/\/_history\/\d+$/, '')] ?? thing(type);
      // "the study is full" at the start of a sentence; a criterion id ("inc-age fails") stays as it is.
      return at === 0 ? capital(said) : said;
    });
  return t;
}

/**
 * A text of the server for people (a criterion's reason): references dropped where they are an
 * aside ("… is recorded (Consent/266a…)"), named where they are the subject.
 */
export function withoutIds(text: string, names: Record<string, string> = {}): string {
  return text.replace(new RegExp(`\\s*\\((?:${TYPES})/[A-Za-z0-9\\-.]{1,64}\\)`, 'g'), '')
    .replace(REFERENCE, (reference: string, type: string) => names[reference] ?? thing(type));
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
