import { FhirError, type Issue } from './fhir';
import { plainMessage } from './wording';

export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** Creates an element: attributes (on* are listeners, booleans toggle) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else if (value !== false && value != null) el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else if (child !== null && child !== undefined && child !== false) parent.appendChild(document.createTextNode(String(child)));
  }
}

/** Today as YYYY-MM-DD in the browser's time zone. */
export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** ctgov enumerations (QUADRUPLE, CARE_PROVIDER) in words. */
export function words(code: string | undefined): string {
  if (!code) return '';
  const s = code.replace(/_/g, ' ').replace(/-/g, ' ').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Error box for a failed request or action: the refusal in plain words (no ids, API parameters or
 * HAPI codes), and the server's own words under a "Details" disclosure for whoever supports the
 * user. `names` puts people's names for references ("Patient/123" → "Ava Smith").
 */
export function errorBox(error: unknown, title = 'Something went wrong', names: Record<string, string> = {}): HTMLElement {
  const fhirError = error instanceof FhirError ? error : null;
  const issues: Issue[] = fhirError ? fhirError.issues : [{ text: error instanceof Error ? error.message : String(error) }];
  const status = fhirError?.status ? ` (HTTP ${fhirError.status})` : '';
  const plain = issues.map((i) => ({ ...i, shown: plainMessage(i.text, fhirError?.status ?? 0, names) }));
  const server = plain.filter((i) => (i.server ?? i.text) !== i.shown);
  return h('div', { class: 'alert error', role: 'alert' },
    h('p', {}, h('strong', {}, title + status)),
    h('ul', {}, plain.map((i) => h('li', {}, i.shown, i.detail ? h('div', { class: 'detail' }, 'Protocol: ', i.detail) : null))),
    server.length ? h('details', { class: 'server-words' }, h('summary', {}, 'Details'),
      h('p', { class: 'muted' }, `The server's words${status ? `, HTTP status ${fhirError?.status}` : ''}:`),
      h('ul', {}, server.map((i) => h('li', {}, h('code', {}, i.server ?? i.text))))) : null);
}

/**
 * Asks the current view to be drawn again after an in-page action (a consent recorded): the page
 * keeps its scroll position and focus goes to `focus` (a selector), not to the heading; `announce`
 * is said in the status region and shown where the view puts its confirmations (`takeFlash`).
 */
export function refreshView(options: { focus?: string; announce?: string; flash?: [string, string] } = {}): void {
  if (options.flash) flashes.set(options.flash[0], options.flash[1]);
  window.dispatchEvent(new CustomEvent('trialfhir:refresh', { detail: options }));
}
const flashes = new Map<string, string>();
/** A confirmation left for the next drawing of a view (once). */
export function takeFlash(key: string): string | undefined {
  const text = flashes.get(key);
  flashes.delete(key);
  return text;
}

/** Says something to screen readers through the page's status region (index.html). */
export function announce(text: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A change after a frame is announced even when the same words come twice.
  requestAnimationFrame(() => { region.textContent = text; });
}

/** Age range bounds (UCUM a, mo, wk, d) in words: years, and months only under two years. */
export function ageWords(q: { value?: number; code?: string; unit?: string } | undefined): string {
  if (!q || q.value === undefined) return '';
  const code = q.code ?? q.unit ?? 'a';
  const months = code === 'a' || /^y(ea)?r?s?$/.test(code) ? q.value * 12 : code === 'mo' || /^months?$/.test(code) ? q.value
    : code === 'wk' || /^weeks?$/.test(code) ? q.value * 7 / 30.4375 : code === 'd' || /^days?$/.test(code) ? q.value / 30.4375 : NaN;
  if (Number.isNaN(months)) return `${q.value} ${q.unit ?? code}`;
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  if (months < 1) return code === 'd' ? plural(q.value, 'day') : plural(q.value, 'week');
  if (months < 24) return plural(Math.floor(months + 1e-9), 'month');
  const years = Math.floor(months / 12 + 1e-9);
  const rest = Math.floor(months - years * 12 + 1e-9);
  return rest ? `${plural(years, 'year')} ${plural(rest, 'month')}` : plural(years, 'year');
}
