// The harness of the browser flows: the server under test, REST calls for setup,
// a headless Chromium (Debian's, through puppeteer-core: no browser
// download), sign-in and screenshots.
//
// Environment (set by tests/e2e/web_e2e_test.cc):
//   MESHPLANE_WEB_URL      http://127.0.0.1:PORT (the catalog and REST)
//   MESHPLANE_ADMIN_TOKEN  a platform admin's token
//   MESHPLANE_WEB_ARTIFACTS  folder for screenshots (default: a temp dir)
//   MESHPLANE_WEB_DOCS     when set, the main pages' screenshots are also
//                          written to this folder (docs/web)
//   CHROMIUM               the browser (default /usr/bin/chromium)
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import puppeteer from 'puppeteer-core';

export const BASE = process.env.MESHPLANE_WEB_URL;
export const ADMIN = process.env.MESHPLANE_ADMIN_TOKEN;
if (!BASE || !ADMIN) {
  throw new Error('MESHPLANE_WEB_URL and MESHPLANE_ADMIN_TOKEN must be set ' +
                  '(run through ctest: web_e2e_test)');
}
const ARTIFACTS = process.env.MESHPLANE_WEB_ARTIFACTS ||
    mkdtempSync(join(tmpdir(), 'meshplane-web-'));
mkdirSync(ARTIFACTS, {recursive: true});
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// A REST call; returns {status, body}.
export async function rest(method, path, {token = ADMIN, body, query} = {}) {
  const qs = query ? '?' + new URLSearchParams(query) : '';
  const res = await fetch(`${BASE}/v1/${path}${qs}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : {'Content-Type': 'application/json'}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {status: res.status, body: text ? JSON.parse(text) : {}};
}

// A REST call that must succeed; its body.
export async function ok(method, path, opts) {
  const r = await rest(method, path, opts);
  assert.ok(r.status < 300,
            `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// A fresh API token for `principal`; its secret.
export async function tokenFor(principal, ttl) {
  const r = await ok('POST', 'tokens', {body: {
    principal, description: 'web e2e', ...(ttl ? {ttl} : {})}});
  return {secret: r.secret, name: r.token.name};
}

export async function launch() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
           '--no-first-run', '--lang=en-US'],
  });
}

// A page at 1280 px that records script errors and CSP violations, which
// every flow checks at its end (`clean`).
// Each page has a browser context of its own, so that its session cookie
// is its own (two users side by side).
export async function newPage(browser, {width = 1280, height = 900} = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({width, height});
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    // The browser logs the 4xx answers the flows provoke on purpose.
    if (m.type() === 'error' && !/status of 4\d\d/.test(text)) {
      page.problems.push(`console: ${text}`);
    }
  });
  return page;
}

export function clean(page) {
  assert.deepEqual(page.problems, [], 'no script error, no CSP violation');
}

export async function signIn(page, token, path = '/') {
  await page.goto(`${BASE}${path}`, {waitUntil: 'networkidle0'});
  await page.waitForSelector('[data-testid=token]');
  await page.type('[data-testid=token]', token);
  await page.click('[data-testid=sign-in]');
  await page.waitForSelector('[data-testid=principal]');
}

// Waits until `selector` matches exactly `n` elements.
export async function waitCount(page, selector, n) {
  await page.waitForFunction(
      (s, k) => document.querySelectorAll(s).length === k, {timeout: 10000},
      selector, n);
}

export async function texts(page, selector) {
  return page.$$eval(selector, (els) => els.map((e) => e.textContent.trim()));
}

export async function shot(page, name, {docs = false} = {}) {
  await page.screenshot({path: join(ARTIFACTS, `${name}.png`), fullPage: true});
  if (docs && process.env.MESHPLANE_WEB_DOCS) {
    mkdirSync(process.env.MESHPLANE_WEB_DOCS, {recursive: true});
    await page.screenshot({path: join(process.env.MESHPLANE_WEB_DOCS,
                                      `${name}.png`)});
  }
}

export function testdata(path) {
  return readFileSync(join(REPO, 'tests/e2e/testdata', path), 'utf8');
}

// Goes to `path` inside the app, as a click on a link does (no reload).
export async function go(page, path) {
  await page.evaluate((p) => {
    history.pushState(null, '', p);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, path);
  await page.waitForNetworkIdle({idleTime: 100});
}

export async function url(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}
