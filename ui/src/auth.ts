/** Page configuration from the server and SMART standalone sign-in (authorization code + PKCE). */
export type Config = { fhirBase: string; authRequired: boolean; clientId: string; scope: string };

const TOKEN = 'trialfhir.token';
const PENDING = 'trialfhir.signin';
let config: Config = { fhirBase: '/fhir', authRequired: false, clientId: 'coordinator-page', scope: 'openid user/*.cruds' };
let ended = false;

export async function loadConfig(): Promise<Config> {
  const response = await fetch('/config.json', { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`The page's configuration (/config.json) could not be loaded: HTTP ${response.status}`);
  config = { ...config, ...(await response.json()) };
  return config;
}

const redirectUri = (): string => window.location.origin + '/';

function storedToken(): string | null {
  const raw = sessionStorage.getItem(TOKEN);
  if (!raw) return null;
  const { token, expires } = JSON.parse(raw) as { token: string; expires: number };
  return expires && Date.now() > expires ? null : token;
}

/** True when the page may call the API: security is off, or a token is held. */
export const signedIn = (): boolean => !config.authRequired || (!ended && storedToken() !== null);
export const authRequired = (): boolean => config.authRequired;
/** True after the server refused the token (401): the user must sign in again. */
export const hasEnded = (): boolean => ended;

export function authHeader(): Record<string, string> {
  const token = config.authRequired ? storedToken() : null;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export function sessionEnded(): void {
  if (!config.authRequired) return;
  ended = true;
  sessionStorage.removeItem(TOKEN);
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN);
  ended = false;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function smartConfiguration(): Promise<{ authorization_endpoint: string; token_endpoint: string }> {
  const response = await fetch(`${config.fhirBase}/.well-known/smart-configuration`, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`Sign-in is not available: smart-configuration answered HTTP ${response.status}`);
  return response.json();
}

/** Goes to the authorization server; the current route is restored after the redirect back. */
export async function signIn(): Promise<void> {
  if (!crypto.subtle) throw new Error('Sign-in needs a secure connection (https or localhost).');
  const smart = await smartConfiguration();
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier, route: location.hash, tokenEndpoint: smart.token_endpoint }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    aud: new URL(config.fhirBase, location.origin).href,
  });
  location.assign(`${smart.authorization_endpoint}?${query}`);
}

/** Handles `/?code=…&state=…` (or `?error=`) after the authorization server sends the user back. */
export async function completeSignIn(): Promise<void> {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as
    | { state: string; verifier: string; route: string; tokenEndpoint: string }
    | null;
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', '/' + (pending?.route ?? location.hash));
  if (params.has('error')) throw new Error(`Sign-in failed: ${params.get('error_description') ?? params.get('error')}`);
  if (!pending || pending.state !== params.get('state')) throw new Error('Sign-in failed: the answer does not belong to this sign-in (state mismatch). Please sign in again.');
  const response = await fetch(pending.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: redirectUri(),
      client_id: config.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.access_token) throw new Error(`Sign-in failed: ${body.error_description ?? body.error ?? 'HTTP ' + response.status}`);
  const expires = body.expires_in ? Date.now() + (Number(body.expires_in) - 10) * 1000 : 0;
  sessionStorage.setItem(TOKEN, JSON.stringify({ token: body.access_token, expires }));
  ended = false;
}
