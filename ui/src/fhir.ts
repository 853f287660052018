import { authHeader, sessionEnded } from './auth';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Resource = { resourceType: string; id?: string; [key: string]: any };
export type Bundle = Resource & { total?: number; entry?: { resource: Resource }[] };

/**
 * One message of a refusal: its text for people, the protocol's words it concerns (`detail`), and
 * `server`, the server's own words when the text was put in plain words (shown under "Details").
 */
export type Issue = { text: string; detail?: string; code?: string; server?: string };

/** A refused request: HTTP status and the OperationOutcome's messages. */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly issues: Issue[],
  ) {
    super(issues.map((i) => i.text).join('; ') || `HTTP ${status}`);
  }
}

let base = '/fhir';
export function setBase(fhirBase: string): void {
  base = fhirBase.replace(/\/$/, '');
}

/** Calls the FHIR API (path relative to the FHIR base); JSON in and out. */
export async function fhir<T = Resource>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return (await fhirExchange(path, init)).body as T;
}

/**
 * A call whose status and Content-Location matter too (the asynchronous request pattern: 202 and
 * where to poll); a refusal is a FhirError as with {@link fhir}.
 */
export async function fhirExchange(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; location: string | null; body: any }> {
  const headers: Record<string, string> = { Accept: 'application/fhir+json', ...authHeader(), ...init.headers };
  if (init.body !== undefined) headers['Content-Type'] = 'application/fhir+json';
  let response: Response;
  try {
    response = await fetch(`${base}/${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new FhirError(0, [{ text: 'The server could not be reached. Check the network and try again.' }]);
  }
  const text = await response.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (!response.ok) {
    if (response.status === 401) sessionEnded();
    const issues =
      json?.resourceType === 'OperationOutcome'
        ? (json.issue ?? []).map((i: any) => ({
            text: i.diagnostics ?? i.details?.text ?? i.code ?? 'error',
            detail: i.diagnostics && i.details?.text ? i.details.text : undefined,
            code: i.code,
          }))
        : [{ text: `HTTP ${response.status} ${response.statusText}` }];
    throw new FhirError(response.status, issues);
  }
  return { status: response.status, location: response.headers.get('Content-Location'), body: json };
}

/**
 * A link the server sent (a Bundle's next page) as a path for {@link fhir}: what follows the FHIR
 * base's path, whatever host the server named (behind a proxy it may not be the page's).
 */
export function link(url: string): string {
  const basePath = new URL(base, location.href).pathname.replace(/\/$/, '');
  const target = new URL(url, location.href);
  if (!target.pathname.startsWith(basePath)) throw new FhirError(0, [{ text: 'The server sent a link outside its FHIR API.' }]);
  return target.pathname.slice(basePath.length).replace(/^\//, '') + target.search;
}

export function resources(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).map((e) => e.resource).filter((r) => r && r.resourceType !== 'OperationOutcome');
}

export const ext = (r: any, url: string): any[] => (r?.extension ?? []).filter((e: any) => e.url === url);

/** Display name of a Patient or Practitioner (never its id: people are named, not numbered). */
export function personName(r: Resource): string {
  const n = r.name?.find((x: Resource) => x.use === 'official') ?? r.name?.[0];
  if (!n) return r.resourceType === 'Patient' ? `Unnamed patient${r.birthDate ? ` born ${r.birthDate}` : ''}` : `Unnamed ${r.resourceType.toLowerCase()}`;
  return n.text ?? [...(n.prefix ?? []), ...(n.given ?? []), n.family].filter(Boolean).join(' ');
}

/** "Patient/123" from a reference, dropping base URL and version. */
export function refId(reference: string | undefined): string {
  const m = /([A-Za-z]+\/[^/]+)(\/_history\/.*)?$/.exec(reference ?? '');
  return m ? m[1] : reference ?? '';
}
