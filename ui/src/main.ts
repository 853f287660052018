import './style.css';
import { authRequired, completeSignIn, hasEnded, loadConfig, signedIn, signIn, signOut } from './auth';
import { append, errorBox, h, type Child } from './dom';
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

function signInView(message: string): HTMLElement {
  const status = h('p', { role: 'status' });
  return h('section', { class: 'signin' },
    h('h1', { tabindex: -1 }, hasEnded() ? 'Sign in again' : 'Sign in'),
    h('p', {}, message),
    h('button', {
      type: 'button', class: 'primary',
      onclick: () => signIn().catch((e: Error) => { status.textContent = e.message; }),
    }, hasEnded() ? 'Sign in again' : 'Sign in'),
    status);
}

function renderAccount(): void {
  account.replaceChildren();
  if (authRequired() && signedIn()) {
    account.append(h('button', { type: 'button', onclick: () => { signOut(); void render(); } }, 'Sign out'));
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
    h('h1', { tabindex: -1 }, `${type}/${id}`),
    h('p', {}, h('button', { type: 'button', onclick: () => history.back() }, 'Back')),
    h('pre', { class: 'raw' }, JSON.stringify(resource, null, 2)),
  ];
}

let generation = 0;
export async function render(): Promise<void> {
  const mine = ++generation;
  renderAccount();
  if (!signedIn()) {
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
  main.replaceChildren(h('p', { role: 'status' }, 'Loading…'));
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
  renderAccount();
  (main.querySelector('h1') as HTMLElement | null)?.focus();
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
  window.addEventListener('hashchange', () => void render());
  await render();
}

void start();
