// What every browser journey needs: the server's address, a development API token for seeding,
// dates relative to today, FHIR shapes for seeded data, Chromium at 1366×768 and the dev sign-in.
// Each journey is its own file `*.e2e.mjs` (ShippedServerIT runs them all, in name order).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = (process.env.TRIALFHIR_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
export const SHOTS = resolve(process.env.E2E_SCREENSHOTS ?? 'target/e2e-screenshots');
/** Distinguishes this run's patients and studies from earlier runs on the same server. */
export const RUN = Date.now().toString(36);

let token = null;

/** Reads /config.json and, when the server requires sign-in, takes a development system token. */
export async function connect() {
  const res = await fetch(`${BASE}/config.json`);
  const config = res.ok ? await res.json() : { authRequired: false };
  if (config.authRequired) {
    const tok = await fetch(`${BASE}/oauth2/token`, {
      method: 'POST',
      headers: { Authorization: 'Basic ' + Buffer.from('developer:developer-secret').toString('base64'), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=' + encodeURIComponent('system/*.cruds'),
    });
    assert.equal(tok.status, 200, 'the development client-credentials token could not be had');
    token = (await tok.json()).access_token;
  }
  return config;
}

/** A FHIR call with the development token (seeding and checks, never what the page does). */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/fhir+json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body) headers['Content-Type'] = 'application/fhir+json';
  const res = await fetch(`${BASE}/fhir/${path}`, { method, headers, body: body && JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  return { status: res.status, json };
}

/** A date offsetDays from today, years earlier (YYYY-MM-DD). */
export const day = (offsetDays, years = 0) => {
  const d = new Date();
  d.setFullYear(d.getFullYear() - years);
  d.setDate(d.getDate() + offsetDays);
  return d.toISOString().slice(0, 10);
};
export const coding = (system, code) => ({ coding: [{ system, code }] });
/** A final Observation two weeks old, with a UCUM quantity when a value is given. */
export const obs = (subject, codings, value, unit, extra = {}) => ({
  resourceType: 'Observation', status: 'final', code: { coding: codings }, subject: { reference: subject },
  effectiveDateTime: day(-14), ...(value === undefined ? {} : { valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit } }), ...extra,
});

/** Debian's Chromium; the caller closes it. */
export async function launchBrowser() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A new tab at the laptop size the page is laid out for. */
export async function newPage(browser, pageErrors = []) {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

export const screenshot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** The development server's form login (Spring Security's default page), as a dev user. */
export async function login(page, user = 'coordinator') {
  await page.waitForURL(/\/login/);
  await page.locator('input[name="username"]').fill(user);
  await page.locator('input[name="password"]').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
