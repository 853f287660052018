import { authRequired, tokenUser } from './auth';
import { h } from './dom';

function fill(stamp: HTMLElement): void {
  const now = new Date();
  const user = tokenUser() ?? (authRequired() ? 'the signed-in user' : 'nobody signed in (development server, security off)');
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  const time = now.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  stamp.replaceChildren(h('strong', {}, stamp.dataset.printStamp ?? ''), ` · printed by ${user} on ${day} at ${time} · ${location.origin}`);
}

// The time on paper is that of the print, not of the page's loading.
window.addEventListener('beforeprint', () => document.querySelectorAll<HTMLElement>('[data-print-stamp]').forEach(fill));

/**
 * What a print-out of the current page says about itself: what it is, who printed it, on which day
 * and at what time (with the time zone), so that a paper copy of a screening or an enrolment can be
 * filed and traced. Hidden on screen; the print style sheet shows it and hides the navigation and
 * forms.
 */
export function printStamp(what: string): HTMLElement {
  const stamp = h('div', { class: 'print-stamp', 'data-print-stamp': what });
  fill(stamp);
  return stamp;
}

/** A button that prints the page (the browser's print dialog also saves it as PDF). */
export function printButton(label: string): HTMLButtonElement {
  return h('button', { type: 'button', class: 'print-button', onclick: () => window.print() }, label);
}

/** Says what the page now is on paper (e.g. after an enrolment on the screening page). */
export function retitlePrint(what: string): void {
  document.querySelectorAll<HTMLElement>('[data-print-stamp]').forEach((stamp) => {
    stamp.dataset.printStamp = what;
    fill(stamp);
  });
}
