import { FhirError } from './fhir';

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

/** Error box for a failed request or action, with the server's messages. */
export function errorBox(error: unknown, title = 'Something went wrong'): HTMLElement {
  const issues = error instanceof FhirError ? error.issues : [{ text: error instanceof Error ? error.message : String(error) }];
  const status = error instanceof FhirError && error.status ? ` (HTTP ${error.status})` : '';
  return h('div', { class: 'alert error', role: 'alert' },
    h('p', {}, h('strong', {}, title + status)),
    h('ul', {}, issues.map((i) => h('li', {}, i.text, 'detail' in i && i.detail ? h('div', { class: 'detail' }, 'Protocol: ', i.detail) : null))));
}
