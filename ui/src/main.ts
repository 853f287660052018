import './style.css';
import { authRequired, completeSignIn, hasEnded, justSignedOut, loadConfig, signedIn, signedInPerson, signIn, signOut } from './auth';
import { announce, append, errorBox, h, words, type Child } from './dom';
import { FhirError, fhir, setBase } from './fhir';
import { patientView } from './patient';
import { screenView } from './screen';
import { studyListView, studyView } from './studies';
import { subjectsView } from './subjects';
import { subjectView } from './visits';
import { screeningLogView } from './log';
import { worklistView } from './worklist';

const main = document.getElementById('main') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;

/** Shown once after Sign out, on the sign-in page the browser comes back to. */
let signedOutNow = false;

function signInView(message: string): HTMLElement {
  const status = h('p', { role: 'status' });
  return h('section', { class: 'signin' },
    h('h1', { tabindex: -1 }, hasEnded() ? 'Sign in again' : 'Sign in'),
    signedOutNow ? h('p', { class: 'alert success', role: 'status' }, h('span', { 'aria-hidden': 'true' }, '✓ '),
      'You have signed out. The next person signs in with their own account.') : null,
    h('p', {}, message),
    h('button', {
      type: 'button', class: 'primary',
      onclick: () => signIn().catch((e: Error) => { status.textContent = e.message; }),
    }, hasEnded() ? 'Sign in again' : 'Sign in'),
    status);
}

/** The role names of the token in words ("investigator" → "Investigator"). */
const roleWords = (roles: string[]): string => roles.length ? roles.map(words).join(', ') : 'no role';

function renderAccount(): void {
  account.replaceChildren();
  if (authRequired() && signedIn()) {
    const person = signedInPerson();
    if (person) {
      account.append(h('span', { class: 'who', id: 'who' },
        h('span', { class: 'visually-hidden' }, 'Signed in as '),
        h('strong', { class: 'who-name' }, person.name),
        h('span', { class: 'who-role' }, h('span', { class: 'visually-hidden' }, ', role: '), roleWords(person.roles))));
    }
    account.append(h('button', {
      type: 'button', 'aria-describedby': person ? 'who' : null,
      onclick: () => { if (!signOut()) { signedOutNow = true; void render(); } },
    }, 'Sign out'));
  } else if (!authRequired()) {
    account.append(h('span', { class: 'muted' }, 'Development server: security off'));
  }
}

type View = (params: URLSearchParams, ...ids: string[]) => Promise<Child>;
const routes: [RegExp, View][] = [
  [/^#\/studies$/, studyListView],
  [/^#\/study\/([^/]+)$/, studyView],
  [/^#\/study\/([^/]+)\/screen\/([^/]+)$/, screenView],
  [/^#\/study\/([^/]+)\/subjects$/, subjectsView],
  [/^#\/study\/([^/]+)\/subject\/([^/]+)$/, subjectView],
  [/^#\/study\/([^/]+)\/worklist$/, worklistView],
  [/^#\/study\/([^/]+)\/log$/, screeningLogView],
  [/^#\/raw\/([A-Za-z]+)\/([^/]+)$/, rawView],
  [/^#\/patient\/([^/]+)$/, patientView],
];

/** Raw JSON of a resource (evidence links), read with the page's token. */
async function rawView(_q: URLSearchParams, type: string, id: string): Promise<Child> {
  const resource = await fhir(`${type}/${encodeURIComponent(id)}`);
  return [
    h('h1', { tabindex: -1 }, `The record behind it: ${words(type.replace(/([a-z])([A-Z])/g, '$1 $2'))}`),
    h('p', {}, h('button', { type: 'button', onclick: () => history.back() }, 'Back')),
    h('pre', { class: 'raw' }, JSON.stringify(resource, null, 2)),
  ];
}

let generation = 0;
/** The route last drawn: a new route focuses its heading, the same one redrawn does not. */
let lastPath = '';
type RenderOptions = { focus?: string; announce?: string; keepScroll?: boolean };

export async function render(options: RenderOptions = {}): Promise<void> {
  const mine = ++generation;
  renderAccount();
  if (!signedIn()) {
    lastPath = '';
    main.replaceChildren(signInView(hasEnded()
      ? 'Your session has ended or was refused by the server. Sign in again to continue.'
      : 'Sign in with your hospital account to screen and enrol patients.'));
    main.querySelector('h1')?.focus();
    return;
  }
  const [path, query = ''] = (location.hash || '#/studies').split('?');
  const route = routes.find(([pattern]) => pattern.test(path));
  if (!route) {
    location.replace('#/studies');
    return;
  }
  const ids = (route[0].exec(path) ?? []).slice(1).map(decodeURIComponent);
  // The same route drawn again (a search, "screen again", a consent recorded): an in-page action,
  // so the scroll position stays and focus goes to what changed, not back to the heading.
  const inPage = path === lastPath;
  lastPath = path;
  const scrollY = window.scrollY;
  if (!inPage) main.replaceChildren(h('p', { role: 'status' }, 'Loading…'));
  else main.setAttribute('aria-busy', 'true');
  try {
    const view = await route[1](new URLSearchParams(query), ...ids);
    if (mine !== generation) return;
    main.replaceChildren();
    append(main, [view]);
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof FhirError && error.status === 401 && authRequired()) return render();
    main.replaceChildren(h('h1', { tabindex: -1 }, 'Could not load this page'), errorBox(error));
  }
  main.removeAttribute('aria-busy');
  renderAccount();
  if (inPage || options.keepScroll) {
    window.scrollTo(0, scrollY);
    const target = main.querySelector<HTMLElement>(options.focus ?? '[data-focus-on-update]');
    target?.focus({ preventScroll: options.keepScroll === true });
  } else {
    (main.querySelector('h1') as HTMLElement | null)?.focus();
  }
  if (options.announce) announce(options.announce);
}

async function start(): Promise<void> {
  document.querySelector('.skip')?.addEventListener('click', (e) => { e.preventDefault(); main.focus(); });
  try {
    setBase((await loadConfig()).fhirBase);
  } catch (error) {
    main.replaceChildren(h('h1', { tabindex: -1 }, 'Cannot start'), errorBox(error, 'The page could not start'));
    return;
  }
  try {
    const launched = await completeSignIn();
    if (launched) {
      // EHR launch: the patient in context, on the study the user launched from when there is one.
      const patient = encodeURIComponent(launched.patient);
      history.replaceState(null, '', launched.study
        ? `/#/study/${encodeURIComponent(launched.study)}/screen/${patient}`
        : `/#/patient/${patient}`);
    }
  } catch (error) {
    main.replaceChildren(signInView('Sign-in did not complete.'), errorBox(error, 'Sign-in failed'));
    return;
  }
  signedOutNow = justSignedOut();
  window.addEventListener('hashchange', () => void render());
  window.addEventListener('trialfhir:refresh', (e) => void render({ keepScroll: true, ...(e as CustomEvent<RenderOptions>).detail }));
  await render();
}

void start();
