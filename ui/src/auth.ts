/**
 * Page configuration from the server, and SMART App Launch with the SMART Health IT client library
 * (fhirclient): standalone sign-in, and EHR launch (`/?launch=…&iss=…`), both authorisation code
 * with PKCE. fhirclient keeps its state, the token included, in sessionStorage: per tab.
 */
import FHIR from 'fhirclient';
import type Client from 'fhirclient/lib/Client';

export type Config = { fhirBase: string; authRequired: boolean; clientId: string; scope: string; endSessionEndpoint?: string };
/** Who is signed in, for the header: a shared ward PC must show it. */
export type Person = { name: string; username?: string; roles: string[] };
/** What an EHR launch put in context: the page opens that patient's screening (for that study). */
export type LaunchContext = { patient: string; encounter?: string; study?: string };

/** The route to come back to after a standalone sign-in (the redirect drops the hash). */
const ROUTE = 'trialfhir.route';
/** fhirclient's sessionStorage key naming its current state. */
const SMART_KEY = 'SMART_KEY';
/** Scopes a sign-in adds to the page's: who the user is (OpenID Connect id_token, its name). */
const IDENTITY_SCOPES = 'openid profile';
/** Scopes an EHR launch adds to the page's: the launch itself and who the user is. */
const LAUNCH_SCOPES = `launch fhirUser ${IDENTITY_SCOPES}`;
/** Set while the browser is away ending the sign-in session: the page then says "signed out". */
const SIGNED_OUT = 'trialfhir.signedOut';

let config: Config = { fhirBase: '/fhir', authRequired: false, clientId: 'coordinator-page', scope: 'user/*.cruds' };
let client: Client | null = null;
let ended = false;

export async function loadConfig(): Promise<Config> {
  const response = await fetch('/config.json', { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`The page's configuration (/config.json) could not be loaded: HTTP ${response.status}`);
  config = { ...config, ...(await response.json()) };
  return config;
}

/** This server's FHIR base URL: the iss of a standalone launch, the only iss an EHR launch may name. */
const fhirBaseUrl = (): string => new URL(config.fhirBase, location.origin).href.replace(/\/+$/, '');
const redirectUri = (): string => location.origin + '/';
const sameBase = (a: string, b: string): boolean => {
  try {
    return new URL(a).href.replace(/\/+$/, '') === new URL(b).href.replace(/\/+$/, '');
  } catch {
    return false;
  }
};

function accessToken(): string | null {
  const token = client?.state.tokenResponse?.access_token;
  if (!token) return null;
  const expiresAt = client?.state.expiresAt;
  return expiresAt && Date.now() / 1000 > expiresAt - 10 ? null : token;
}

/** True when the page may call the API: security is off, or a token is held. */
export const signedIn = (): boolean => !config.authRequired || (!ended && accessToken() !== null);
export const authRequired = (): boolean => config.authRequired;
/** True after the server refused the token (401): the user must sign in again. */
export const hasEnded = (): boolean => ended;

export function authHeader(): Record<string, string> {
  const token = config.authRequired ? accessToken() : null;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * The roles the signed-in person's token names (claim `roles`, as the development issuer and the
 * server's default `trialfhir.security.role-claim` spell it), or null when the page cannot tell:
 * security off, an opaque token, or an IdP naming roles otherwise. Only what the page offers
 * depends on it; the server decides what the caller may do.
 */
export function tokenRoles(): string[] | null {
  const json = claims(config.authRequired ? accessToken() : null);
  return Array.isArray(json?.roles) ? json.roles.filter((r: unknown): r is string => typeof r === 'string') : null;
}

/* eslint-disable-next-line @typescript-eslint/no-explicit-any */
function claims(jwt: string | null | undefined): Record<string, any> | null {
  const payload = jwt?.split('.')[1];
  if (!payload) return null;
  try {
    const bytes = Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/**
 * Who is signed in, as the token names them (name, preferred_username, else sub), or null when the
 * page cannot tell (security off, an opaque token). For print-outs and the header; never a decision.
 */
export function tokenUser(): string | null {
  return signedInPerson()?.name ?? null;
}

/**
 * Whether the token's SMART scopes let the person create resources of this type (v2 `c`, v1
 * `write` or `*`); true with security off, null when the token response names no scopes. Only
 * what the page offers depends on it; the server decides.
 */
export function tokenMayCreate(type: string): boolean | null {
  if (!config.authRequired) return true;
  // The token's own claim first: an issuer may grant less than the page asked for, and the token
  // response may repeat the request.
  const access = claims(accessToken());
  const scope: unknown = typeof access?.scope === 'string' ? access.scope
    : Array.isArray(access?.scp) ? access.scp.join(' ') : client?.state.tokenResponse?.scope;
  if (typeof scope !== 'string') return null;
  return scope.split(/\s+/).some((s) => {
    const m = /^(?:user|patient|system)\/(\*|[A-Za-z]+)\.(\S+)$/.exec(s);
    return !!m && (m[1] === '*' || m[1] === type) && (m[2] === 'write' || m[2] === '*' || /^c/.test(m[2]));
  });
}

/**
 * The signed-in person: the name from the id_token (OpenID Connect `name`, else
 * `preferred_username`), else the access token's `sub`; the roles from the access token. Null when
 * nobody is signed in or the tokens say nothing readable.
 */
export function signedInPerson(): Person | null {
  if (!config.authRequired || !signedIn()) return null;
  const id = claims(client?.state.tokenResponse?.id_token);
  const access = claims(accessToken());
  const username = [id?.preferred_username, access?.preferred_username, id?.sub, access?.sub].find((v) => typeof v === 'string' && v);
  const name = [id?.name, access?.name, username].find((v) => typeof v === 'string' && v);
  if (!name) return null;
  return { name, username: username !== name ? username : undefined, roles: tokenRoles() ?? [] };
}

/** False only when the token says the person is not an investigator (who alone signs off criteria). */
export const mayConfirmCriteria = (): boolean => {
  const roles = tokenRoles();
  return roles === null || roles.includes('investigator');
};

/** Drops fhirclient's state of this tab (its token with it). */
function forget(): void {
  const key = sessionStorage.getItem(SMART_KEY);
  if (key) {
    try {
      sessionStorage.removeItem(JSON.parse(key));
    } catch {
      /* not fhirclient's */
    }
    sessionStorage.removeItem(SMART_KEY);
  }
  client = null;
}

export function sessionEnded(): void {
  if (!config.authRequired) return;
  ended = true;
  forget();
}

/**
 * Signs out: drops the page's token and ends the sign-in session at the authorization server
 * (OpenID Connect RP-initiated logout at the end-session endpoint of /config.json), so that Sign in
 * asks for a password again; the browser comes back to the page. Without an end-session endpoint
 * only the token is dropped. Returns true when the browser is leaving for the endpoint.
 */
export function signOut(): boolean {
  const idToken = client?.state.tokenResponse?.id_token;
  forget();
  ended = false;
  const endpoint = config.endSessionEndpoint;
  // Without an id_token the issuer cannot tell whose session to end (id_token_hint).
  if (!config.authRequired || !endpoint || !idToken) return false;
  const url = new URL(endpoint, location.origin);
  url.searchParams.set('id_token_hint', idToken);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('post_logout_redirect_uri', redirectUri());
  sessionStorage.setItem(SIGNED_OUT, '1');
  sessionStorage.removeItem(ROUTE);
  location.assign(url.href);
  return true;
}

/** True once after returning from signing out. */
export function justSignedOut(): boolean {
  const yes = sessionStorage.getItem(SIGNED_OUT) === '1';
  sessionStorage.removeItem(SIGNED_OUT);
  return yes;
}

/** Standalone launch: goes to the authorization server; the current route is restored afterwards. */
export async function signIn(): Promise<void> {
  if (!crypto.subtle) throw new Error('Sign-in needs a secure connection (https or localhost).');
  sessionStorage.setItem(ROUTE, location.hash);
  await FHIR.oauth2.authorize({
    clientId: config.clientId,
    scope: `${IDENTITY_SCOPES} ${config.scope}`,
    redirectUri: redirectUri(),
    iss: fhirBaseUrl(),
    pkceMode: 'required',
  });
}

/**
 * EHR launch (`/?launch=…&iss=…`): asks for a token with the launch. The page talks to its own
 * server only, so an iss naming another server is refused rather than followed.
 */
async function ehrLaunch(params: URLSearchParams): Promise<void> {
  const iss = params.get('iss') ?? '';
  if (!sameBase(iss, fhirBaseUrl())) {
    history.replaceState(null, '', '/');
    throw new Error(`This page works with its own server (${fhirBaseUrl()}) only; the EHR launched it for ${iss || 'no server (iss missing)'}.`);
  }
  if (!config.authRequired) {
    // Security off: no token to ask for; the launch context cannot be read either.
    history.replaceState(null, '', '/');
    throw new Error('This development server has security off: an EHR launch needs the token issuer. Open the studies instead.');
  }
  if (!crypto.subtle) throw new Error('Sign-in needs a secure connection (https or localhost).');
  sessionStorage.removeItem(ROUTE);
  await FHIR.oauth2.authorize({
    clientId: config.clientId,
    scope: `${LAUNCH_SCOPES} ${config.scope}`,
    redirectUri: redirectUri(),
    pkceMode: 'required',
  });
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The study the launch was made from: SMART v2 fhirContext, else a CDS Hooks card's appContext. */
function studyOf(tokenResponse: Record<string, any>): string | undefined {
  const references: string[] = (Array.isArray(tokenResponse.fhirContext) ? tokenResponse.fhirContext : [])
    .map((c: any) => (typeof c === 'string' ? c : c?.reference))
    .filter((r: any) => typeof r === 'string');
  let app: any = null;
  try {
    app = typeof tokenResponse.appContext === 'string' ? JSON.parse(tokenResponse.appContext) : null;
  } catch {
    /* an appContext that is not ours */
  }
  if (typeof app?.study === 'string') references.push(app.study);
  const study = references.find((r) => /^ResearchStudy\/[A-Za-z0-9\-.]{1,64}$/.test(r));
  return study?.split('/')[1];
}

/**
 * Handles the page's start: an EHR launch (goes to the authorization server and does not return),
 * the redirect back from the authorization server (`?code=…&state=…` or `?error=…`), or a reload
 * with a token already held by this tab. Returns the launch context of a launch just completed.
 */
export async function completeSignIn(): Promise<LaunchContext | null> {
  const params = new URLSearchParams(location.search);
  if (params.has('launch')) {
    await ehrLaunch(params);
    return new Promise(() => {}); // the browser is leaving for the authorization server
  }
  const returning = params.has('code') || params.has('error') || params.has('state');
  if (!returning && !sessionStorage.getItem(SMART_KEY)) return null;
  const route = sessionStorage.getItem(ROUTE) ?? '';
  sessionStorage.removeItem(ROUTE);
  try {
    client = await FHIR.oauth2.ready();
  } catch (error) {
    forget();
    if (!returning) return null; // stale state from an earlier sign-in: simply not signed in
    history.replaceState(null, '', '/' + route);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Sign-in failed: ${message}. Please sign in again.`);
  }
  if (!returning) return null;
  ended = false;
  const tokenResponse = (client.state.tokenResponse ?? {}) as Record<string, any>;
  const patient = typeof tokenResponse.patient === 'string' ? tokenResponse.patient : undefined;
  history.replaceState(null, '', '/' + (patient ? '' : route));
  if (!patient) return null;
  return {
    patient,
    encounter: typeof tokenResponse.encounter === 'string' ? tokenResponse.encounter : undefined,
    study: studyOf(tokenResponse),
  };
}
